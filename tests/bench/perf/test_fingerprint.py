"""No change in outputs: a replay's alerts, closed windows and final state, pinned by digest.

The digests were recorded on 163c4e4, before issue 19's speed-ups (the quiet path for empty
windows, details only where an alert may use them, cached orders, unfrozen per-window records,
the faster language identification). A speed-up must leave every one of them unchanged.

Updated for issue 24 (crisis events, resolve hysteresis, terms without the entity's name): see that commit.
Then the final states only (alerts and windows unchanged on all four files): the detector's state
keeps the usual tone (a decayed compound sum) and an incident's the calm streak of its held resolve.

Updated for issue 27 (the alert contract's version 2: `version`, `incident_start`, the detector's
figures under `drivers.detector`): only the alert digests, the format. The same alerts (entities,
ids, times, severities, statuses, figures, drivers): `python -m bench.perf.same_alerts OLD NEW`
compared every event of the three workloads before and after (see that commit).
Then the final states only, for the incident's start as a field (`start_ms` in an entity's
incident state, written once an incident has opened): alerts and windows unchanged on all four
files, the many-entity file's state too (it opens no incident); with that field left out, the
three other states give their previous digests again.

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
        "alerts": "25f5540daba669b1febfb6108d6c89bd9f8a7ede478025ec22eecf6300055ab7",
        "windows": "34442c0d2e2c169dc6f2ed9d1cbeb669c17d09dc762c8efe147c00c0d3a1d92a",
        "state": "45c2a446685d3edb5fee3066a31891feb8ce4a67a0515feeefa9600f34e0c8b3",
    },
    "maison-rappel-fr.jsonl": {
        "mentions": 12156,
        "alert_events": 4,
        "closed_windows": 11178,
        "alerts": "9dee7b947437ca440efeaf2f8374cf739e1de0205583fb35bc705df49954b1ca",
        "windows": "3c36b06e59dfc4d6413de618e481c87de845e4a0a7dc2a434904d7322fab645c",
        "state": "3bda5c7321cc12052817442b6e02c677e7270d6b5d4de229234743e8719ee46a",
    },
    "rough-with-storms": {
        "mentions": 30000,
        "alert_events": 16,
        "closed_windows": 84334,
        "alerts": "33152ac610f6558fb4c4544b042021dcb9b7ce86d59ab72235651bc627b8596b",
        "windows": "107c0e59bfde71fc783a7d25a501779ee82c3aaf30e232a0a42a8f375d1b934d",
        "state": "acb2500a5703c3df2942978be20d3256515a20a65b3fedd8e82f964b6cb03d6e",
    },
    "many-entities": {
        "mentions": 20000,
        "alert_events": 0,
        "closed_windows": 171771,
        "alerts": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "windows": "0e57349ecf54e14fa42b46d2efe8dd04f1eeb796e773cfe0e4e85307b4b70646",
        "state": "292285b59288df1f75b2554e2785fae9a9d6c56a7d7d5a376a6147628b24b3b7",
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
