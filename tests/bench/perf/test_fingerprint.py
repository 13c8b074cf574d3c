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

Updated for issue 24's learning of surges in the making (a window at least 3x its expected with a
volume score of 3, under the floor or the trigger, learns as an anomalous one; a damped window is
clipped from the first day and weighs at most its expected mentions in the usual share): the
samples page at the same times (their incidents resolve 2 and 6 minutes later); on the rough file
a storm pages critical instead of warning, a second one 3 minutes earlier, both last longer, and
two `info` incidents are new (21 alert events, was 16).

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
        "alerts": "0eb3cc2f14f538346bed50c876c0bdefa4df81dca99016705367ec389fe7fdfe",
        "windows": "0e4097443c57c725a4b8d754f890d6789aaeff0306efb93eacd33755f13bac6b",
        "state": "403766678e378468f69a88b5a3d15d0ff89ce48f70002e424bdc3f4317a80e82",
    },
    "maison-rappel-fr.jsonl": {
        "mentions": 12156,
        "alert_events": 4,
        "closed_windows": 11178,
        "alerts": "331129084fb71cb0f508be8e9c51998cdf2f6b6ed9f43dac2d05196ed52ed687",
        "windows": "3e43a7e07ea0370828a82fd1b9e95c53e726f9a61b46c620057dbf29516eed17",
        "state": "a33b85d9dfddf8606374bd29d7b02cffc6deeaa8c71aa786873000b73159e757",
    },
    "rough-with-storms": {
        "mentions": 30000,
        "alert_events": 21,
        "closed_windows": 84334,
        "alerts": "deb4345506370af79ac9139e30419b53e7015daa9d396ffb327967f3d030facb",
        "windows": "752f0a658c68c867c485c41d85574c94a26c8b2d775453a1a8df5af608f926d6",
        "state": "5a9e81ace9ef596cc9f775c7dd3ddbaabf6f5354c0f5e9c8a65bb7628613bb42",
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
    """bench/perf/workload.py's traffic (skew, bursts, copies, late mentions) with 4 storms: 21
    alert events, so the alerts' drivers and narratives are pinned too."""
    shape = workload.Shape(mentions=30_000, entities=60, days=1, storms=4)
    workload.write(shape, path := tmp_path / "rough.jsonl")
    _replays_to(list(jsonl_lines(path)), PINNED["rough-with-storms"])


def test_the_fingerprint_sees_a_changed_window() -> None:
    """The digests are sensitive: one mention fewer changes the windows and the state."""
    lines = list(jsonl_lines(ROOT / "examples" / "skyway-outage-en.jsonl"))
    whole, fewer = fingerprint(lines), fingerprint(lines[:100] + lines[101:])
    assert fewer["windows"] != whole["windows"] and fewer["state"] != whole["state"]
