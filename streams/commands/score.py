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
    rows = tally.rows
    if rows["bad"] and not rows["scored"] and not rows["unscored"]:
        print(f"firestorm: {common.nothing_usable(source.name, tally.bad_lines, tally.reasons)}", file=err)
        return common.EXIT_ERROR
    print(
        f"scored {rows['scored']} mentions ({scorer.mode}); {rows['unscored']} unscored; {rows['bad']} bad rows"
        + (f"; {rows['unmatched']} rows named no watched entity" if rows["unmatched"] else ""),
        file=err,
    )
    common.print_bad_lines(err, tally.bad_lines, rows["bad"])
    return common.EXIT_BAD_LINES if rows["bad"] else common.EXIT_OK
