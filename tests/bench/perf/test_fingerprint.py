"""No change in outputs: a replay's alerts, closed windows and final state, pinned by digest.

The digests were recorded on 163c4e4, before issue 19's speed-ups (the quiet path for empty
windows, details only where an alert may use them, cached orders, unfrozen per-window records,
the faster language identification). A speed-up must leave every one of them unchanged.

A change that is *meant* to change outputs (a detector or scoring change) updates them, says so
in its commit, and re-runs the detection benchmark: print the new ones with
`python -m bench.perf.fingerprint FILE` (the generated files: see the tests that write them).

Since issue 23 a dormant entity's quiet windows are learned at once, not closed one by one
(models/engine.py), so the default engine no longer emits them. The pinned digests did not
change: `EngineSettings(every_window=True)` (every entity live, every window closed, as on
163c4e4) must give all of them, windows included; the default engine must give the same alerts
and final state, and its windows must be exactly those rows, in the same order, minus some quiet
ones (no mention, not anomalous, no incident open, no alert): the windows of dormant entities.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

from bench.perf import workload
from bench.perf.fingerprint import fingerprint
from bench.throughput.data import Workload, iter_mentions
from firestorm.models.engine import EngineSettings
from firestorm.streams.formats import jsonl_lines

ROOT = Path(__file__).resolve().parents[3]

PINNED = {
    "skyway-outage-en.jsonl": {
        "mentions": 13945,
        "alert_events": 4,
        "closed_windows": 13526,
        "alerts": "fb06d371f0d6b13ff9733ef69769e0276e42a033ce4d4cda3befab8f5f4932b9",
        "windows": "dde7b52f2498164a28a0f9295ca26dc87a138853b8ae4fb89048c2a4caee6eed",
        "state": "a56019b2ef6c647119510afea9f3ff2967dbd716e968dca8609a0d2b9795bd1b",
    },
    "maison-rappel-fr.jsonl": {
        "mentions": 12156,
        "alert_events": 4,
        "closed_windows": 11178,
        "alerts": "699c7f19ba7f2e6558eee5decb6692d2e57559d83888823066f33624b2510f46",
        "windows": "697be918298c225de70d3a7bf007d3ec31d59b3859c63b29eb674d59b3ce6121",
        "state": "bf99ed03c134114304ca3e2b5cc3544437e7b5dbfe1dc87fa653f2ea777e34f3",
    },
    "rough-with-storms": {
        "mentions": 30000,
        "alert_events": 13,
        "closed_windows": 84334,
        "alerts": "8c4dbef3464140b716f738ede9d40e89024c4c9582bf974229e36a9c79d3d134",
        "windows": "33edf522b813c44e983a6fcb3978e32c8c61a5d47297cd8569b189f0473c4fdb",
        "state": "6f6afa22a63d30aaf5d36b68d133fb75763ea72222a2999428435ae8dadbcc8c",
    },
    "many-entities": {
        "mentions": 20000,
        "alert_events": 0,
        "closed_windows": 171771,
        "alerts": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "windows": "320659f48745a46d9f1d05347bab0f756b9a155227af744936e56106d1a6a6a9",
        "state": "3def59972798ec59520b3002dea0f0136c96548bb2c5dc852e6e9f398df5d273",
    },
}


def _quiet(row: bytes) -> bool:
    """A window row (bench/perf/fingerprint.py) with no mention, no anomaly, no incident, no alert."""
    values = orjson.loads(row)
    return values[3] == 0 and values[18] is False and values[22] is False and values[-1] is None


def _replays_to(lines: list[tuple[int, bytes]], pinned: dict[str, object]) -> None:
    """Every window closed: the pinned digests, all of them. Dormant entities' quiet windows learned
    at once (the default): the same alerts and state, and only those quiet windows missing."""
    eager_rows: list[bytes] = []
    lazy_rows: list[bytes] = []
    assert fingerprint(lines, EngineSettings(every_window=True), rows=eager_rows) == pinned
    lazy = fingerprint(lines, rows=lazy_rows)
    for key in ("mentions", "alert_events", "alerts", "state"):
        assert lazy[key] == pinned[key], key
    assert lazy["closed_windows"] == len(lazy_rows) <= len(eager_rows)
    remaining = iter(lazy_rows)
    expected = next(remaining, None)
    for row in eager_rows:
        if row == expected:
            expected = next(remaining, None)
        else:
            assert _quiet(row), row
    assert expected is None  # every materialised window is one of the eager ones, in order


def _many_entity_file(path: Path) -> Path:
    """20,000 tweet-like mentions of 120 entities over a day (most of them sparse, so most
    windows are empty), `lang` dropped from about half (language identification runs)."""
    work = Workload(mentions=20_000, entities=120, per_second=20_000 / 86_400, seed=19)
    rng = random.Random(19)
    with path.open("wb") as out:
        for obj in iter_mentions(work):
            if rng.random() < 0.5:
                del obj["lang"]
            out.write(orjson.dumps(obj) + b"\n")
    return path


@pytest.mark.parametrize("name", ["skyway-outage-en.jsonl", "maison-rappel-fr.jsonl"])
def test_the_samples_replay_to_the_pinned_outputs(name: str) -> None:
    _replays_to(list(jsonl_lines(ROOT / "examples" / name)), PINNED[name])


def test_a_many_entity_file_replays_to_the_pinned_outputs(tmp_path: Path) -> None:
    path = _many_entity_file(tmp_path / "many.jsonl")
    _replays_to(list(jsonl_lines(path)), PINNED["many-entities"])


def test_a_rough_file_with_storms_replays_to_the_pinned_outputs(tmp_path: Path) -> None:
    """bench/perf/workload.py's traffic (skew, bursts, copies, late mentions) with 4 storms: 13
    alert events, so the alerts' drivers and narratives are pinned too."""
    shape = workload.Shape(mentions=30_000, entities=60, days=1, storms=4)
    workload.write(shape, path := tmp_path / "rough.jsonl")
    _replays_to(list(jsonl_lines(path)), PINNED["rough-with-storms"])


def test_the_fingerprint_sees_a_changed_window() -> None:
    """The digests are sensitive: one mention fewer changes the windows and the state."""
    lines = list(jsonl_lines(ROOT / "examples" / "skyway-outage-en.jsonl"))
    whole, fewer = fingerprint(lines), fingerprint(lines[:100] + lines[101:])
    assert fewer["windows"] != whole["windows"] and fewer["state"] != whole["state"]
