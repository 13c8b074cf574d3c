"""`firestorm produce`: a file's mentions sent to the mentions topic."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO

from firestorm.streams.commands.common import (
    EXIT_BAD_LINES,
    EXIT_ERROR,
    EXIT_OK,
    input_spec,
    nothing_usable,
    print_bad_lines,
)
from firestorm.streams.config import Config


def run(args: argparse.Namespace, config: Config, err: IO[str]) -> int:
    from firestorm.streams.drills.progress import Progress
    from firestorm.streams.formats import InputFile, Record, Rejected, read_records
    from firestorm.streams.kafka.produce import produce
    from firestorm.streams.kafka.topics import ensure_topics

    spec = input_spec(args)
    ensure_topics(config)
    bad: list[tuple[int, str]] = []
    skipped = {"bad": 0, "unmatched": 0}
    reasons: Counter[str] = Counter()
    with InputFile(args.file) as source:
        fmt, records = read_records(source, spec)

        def sendable(items: Iterable[Record]) -> Iterator[tuple[int, bytes]]:
            for number, item in items:
                if isinstance(item, Rejected):
                    skipped["bad" if item.error else "unmatched"] += 1
                    if item.error:
                        reasons[item.reason] += 1
                    if item.error and len(bad) < 50:
                        bad.append((number, f"{item.reason}: {item.detail}"))
                    continue
                yield number, item

        progress = Progress(err, position=source.position, total_bytes=source.total_bytes, noun="sent")
        try:
            result = produce(
                config,
                sendable(records),
                speed=args.speed,
                on_progress=None
                if progress.enabled
                else (lambda n: print(f"  sent {n:,} mentions", file=err, flush=True)),
                on_sent=progress.update,
            )
        finally:
            progress.close()
    if skipped["bad"] and not result.sent:
        print(f"firestorm: {nothing_usable(source.name, bad, reasons)}", file=err)
        return EXIT_ERROR
    print(
        f"sent {result.sent} mentions ({fmt}) to {config.mentions_topic} in {result.elapsed_s:.2f}s"
        + (f" ({result.unkeyed} without a readable entity)" if result.unkeyed else "")
        + (f"; skipped {skipped['bad']} bad rows" if skipped["bad"] else "")
        + (f"; {skipped['unmatched']} rows named no watched entity" if skipped["unmatched"] else ""),
        file=err,
    )
    print_bad_lines(err, bad, skipped["bad"])
    return EXIT_BAD_LINES if skipped["bad"] else EXIT_OK
