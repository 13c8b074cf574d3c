"""Digests of what a replay produces: its alerts, its closed windows and its final state.

A speed-up must not change outputs. `fingerprint` runs lines through the same processor and
engine as `firestorm replay` and hashes (sha256) three canonical JSON streams:
- alerts: every alert event, whole (drivers and narratives included);
- windows: every closed window's figures, the detector's verdict and the incident's state
  (the detector's `details` are left out: only alerts carry them);
- state: every entity's serialized state (its changelog value) and the clock, after the end.
The windows are those the engine materialises: with the default settings a dormant entity's quiet
windows are learned at once, not closed one by one (models/engine.py); `every_window=True` in the
settings closes them all, as the engine did before, and gives the same alerts and state.
Run: python -m bench.perf.fingerprint FILE [FILE ...]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable
from typing import Any

import orjson

from firestorm.models.engine import ClosedWindow, Engine, EngineSettings
from firestorm.models.pipeline import MentionProcessor
from firestorm.streams.formats import jsonl_lines
from firestorm.streams.formats.base import Rejected


def _window_row(closed: ClosedWindow) -> list[Any]:
    w, a = closed.window, closed.assessment
    return [
        w.entity,
        w.start_ms,
        w.end_ms,
        w.count,
        w.scored,
        w.negative,
        w.positive,
        w.mean_compound,
        w.unique_authors,
        w.reach,
        w.reposts,
        w.distinct_texts,
        [list(t) for t in w.top_terms],
        [list(t) for t in w.top_hashtags],
        [list(t) for t in w.top_authors],
        [list(t) for t in w.languages],
        a.expected,
        a.score,
        a.anomalous,
        a.normal,
        a.severity,
        a.warm,
        closed.incident_open,
        closed.severity,
        None if closed.alert is None else closed.alert.incident_id,
    ]


def fingerprint(
    lines: Iterable[tuple[int, bytes | Rejected]],
    settings: EngineSettings | None = None,
    processor: MentionProcessor | None = None,
    rows: list[bytes] | None = None,
) -> dict[str, Any]:
    """sha256 of the alerts, windows and final state of one replay, with counts (and each window's
    canonical row appended to `rows`, if given)."""
    engine = Engine(settings or EngineSettings())
    processor = processor or MentionProcessor()
    digests = {name: hashlib.sha256() for name in ("alerts", "windows", "state")}
    counts = {"mentions": 0, "alert_events": 0, "closed_windows": 0}

    def take(closed_windows: Iterable[ClosedWindow]) -> None:
        for closed in closed_windows:
            counts["closed_windows"] += 1
            row = orjson.dumps(_window_row(closed))
            digests["windows"].update(row + b"\n")
            if rows is not None:
                rows.append(row)
            if closed.alert is not None:
                counts["alert_events"] += 1
                digests["alerts"].update(orjson.dumps(closed.alert.to_dict(), option=orjson.OPT_SORT_KEYS) + b"\n")

    for number, raw in lines:
        if isinstance(raw, Rejected):
            continue
        counts["mentions"] += 1
        take(processor.process(engine, raw, ref=number).closed)
    take(engine.finish(catch_up=True))  # dormant entities' idle runs, learned before their state is read
    for name in sorted(engine.entities):
        digests["state"].update(
            orjson.dumps(engine.entities[name].to_dict(plain=True), option=orjson.OPT_SORT_KEYS) + b"\n"
        )
    digests["state"].update(orjson.dumps(engine.clock_state(), option=orjson.OPT_SORT_KEYS))
    return {**counts, **{name: d.hexdigest() for name, d in digests.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    for path in args.files:
        print(path, orjson.dumps(fingerprint(jsonl_lines(path))).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
