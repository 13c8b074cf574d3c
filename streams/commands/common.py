"""What the commands share: exit codes, the input options' spec, and how bad rows are told."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import IO

from firestorm.streams.formats.base import InputSpec

EXIT_OK = 0


EXIT_ERROR = 1


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left


EXIT_BAD_LINES = 3  # the replay finished, but some lines were dead-lettered


def input_spec(args: argparse.Namespace) -> InputSpec:
    from firestorm.streams.formats import InputSpec, WatchList, parse_csv_map

    return InputSpec(
        format=args.format,
        csv_map=parse_csv_map(args.csv_map) if args.csv_map else {},
        entity=args.entity,
        watch=WatchList.parse(args.watch or []),
        tz=args.tz,
    )


def nothing_usable(name: str, bad_lines: Sequence[tuple[int, str]], reasons: Mapping[str, int]) -> str:
    """One line for a file where every row failed: how many, why, the first one, and what to do."""
    total = sum(reasons.values())
    if len(reasons) == 1:
        why = f"all {total} rows failed with {next(iter(reasons))}"
    else:
        why = f"all {total} rows failed: {', '.join(f'{r} {n}' for r, n in Counter(reasons).most_common())}"
    first = f" (first, line {bad_lines[0][0]}: {bad_lines[0][1].split(': ', 1)[-1]})" if bad_lines else ""
    detail = bad_lines[0][1] if bad_lines else ""
    hint = ""
    if "no time zone" in detail:
        hint = ": the times have no offset: give their zone with --tz, e.g. --tz Europe/Paris"
    elif "not_object" in detail or "not_json" in detail:
        hint = ": is it JSON lines (one mention object per line)? see docs/drills.md#your-own-exports"
    return f"no usable row in {name}: {why}{first}{hint}"


def print_bad_lines(err: IO[str], bad_lines: list[tuple[int, str]], total: int) -> None:
    for number, reason in bad_lines:
        print(f"  line {number}: {reason}", file=err)
    if total > len(bad_lines):
        print(f"  ... and {total - len(bad_lines)} more bad lines", file=err)


def firestorm_version() -> str:
    try:
        return version("firestorm")
    except PackageNotFoundError:
        return "0+unknown"
