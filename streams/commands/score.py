"""`firestorm score`: the sentiment of each row of a file, one JSON line each."""

from __future__ import annotations

import argparse
from typing import IO

from firestorm.streams.commands import common
from firestorm.streams.config import Config


def run(args: argparse.Namespace, config: Config, out: IO[str], err: IO[str]) -> int:
    from firestorm.models.sentiment import SentimentScorer
    from firestorm.streams.drills.score import ScoreTally, score_records, to_line
    from firestorm.streams.formats import InputFile, read_records

    scorer = SentimentScorer(args.sentiment or config.sentiment)
    tally = ScoreTally()
    with InputFile(args.file) as source:
        _fmt, records = read_records(source, common.input_spec(args))
        for result in score_records(records, scorer, explain=args.explain, tally=tally):
            print(to_line(result), file=out)
    if tally.bad and not tally.scored and not tally.unscored:
        print(f"firestorm: {common.nothing_usable(source.name, tally.bad_lines, tally.reasons)}", file=err)
        return common.EXIT_ERROR
    print(
        f"scored {tally.scored} mentions ({scorer.mode}); {tally.unscored} unscored; {tally.bad} bad rows"
        + (f"; {tally.unmatched} rows named no watched entity" if tally.unmatched else ""),
        file=err,
    )
    common.print_bad_lines(err, tally.bad_lines, tally.bad)
    return common.EXIT_BAD_LINES if tally.bad else common.EXIT_OK
