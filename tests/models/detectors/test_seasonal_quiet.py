"""The seasonal detector's quiet path (an empty, unplanned window) is the full path, bit for bit.

Most windows of most entities are empty, so they take a short path (`_assess_quiet`). These
tests run two detectors side by side over the same rough traffic (bursts, storms, sparse runs,
long idle runs, planned windows): one with the quiet path, one forced through the full path.
Their verdicts and their serialized states must stay identical at every window.

Since the score/learn split (ca2fecc) there is one path: `_assess_quiet` and the `_quiet_ok`
switch that forced the full path are gone (a compiled detector has no such attribute to set), so
these tests now check that two detectors fed alike stay alike, empty windows and spans included.
"""

from __future__ import annotations

import random

import orjson
import pytest

from firestorm.models.detectors.seasonal import SeasonalDetector
from firestorm.models.detectors.seasonal_settings import SeasonalSettings
from firestorm.models.detectors.seasonal_state import SeasonalState
from firestorm.models.windows import WindowStats
from tests.models.builders import MINUTE, T0, window_stats

TERMS = ("delay", "refund", "crash", "app", "crew", "lounge", "strike", "fire", "recall", "price")


def _window(rng: random.Random, start: int, phase: str) -> WindowStats:
    if phase == "idle" or (phase == "sparse" and rng.random() < 0.9):
        return window_stats(start, 0)
    if phase == "storm":
        count = rng.randint(15, 80)
        negative = int(count * rng.uniform(0.5, 0.9))
    else:
        count = rng.randint(1, 12 if phase == "busy" else 3)
        negative = int(count * rng.uniform(0.0, 0.5))
    terms = tuple((t, rng.randint(1, count)) for t in rng.sample(TERMS, rng.randint(0, 5)))
    window = window_stats(
        start,
        count,
        negative=negative,
        distinct=rng.randint(max(1, count // 3), count),
        authors=rng.randint(1, count),
        terms=tuple(sorted(terms, key=lambda kv: (-kv[1], kv[0]))),
    )
    window.reach = sum(int(rng.paretovariate(1.1) * 20) for _ in range(count))
    return window


def _phases(rng: random.Random, windows: int) -> list[str]:
    """Runs of idle, sparse, busy and storm minutes, with long idle runs (an entity gone quiet)."""
    out: list[str] = []
    while len(out) < windows:
        phase = rng.choices(("idle", "sparse", "busy", "storm"), weights=(3, 4, 4, 1))[0]
        out += [phase] * (rng.randint(60, 600) if phase == "idle" else rng.randint(5, 120))
    return out[:windows]


def _state_bytes(state: SeasonalState) -> bytes:
    return orjson.dumps(state.to_json(), option=orjson.OPT_SORT_KEYS)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_quiet_path_gives_the_full_paths_verdicts_and_state(seed: int) -> None:
    rng = random.Random(seed)
    settings = SeasonalSettings(warmup_windows=30)
    quick, full = SeasonalDetector(settings), SeasonalDetector(settings)
    quick_state, full_state = quick.initial_state(), full.initial_state()
    quiet_windows = 0
    for i, phase in enumerate(_phases(rng, 4 * 24 * 60)):
        window = _window(rng, T0 + i * MINUTE, phase)
        planned = rng.random() < 0.01
        uplift, muted = (2.0, rng.random() < 0.5) if planned else (1.0, False)
        explain = rng.random() < 0.05
        a = quick.assess(quick_state, window, uplift=uplift, muted=muted, explain=explain)
        b = full.assess(full_state, window, uplift=uplift, muted=muted, explain=explain)
        assert a == b, f"window {i} ({phase})"
        assert _state_bytes(quick_state) == _state_bytes(full_state), f"state after window {i} ({phase})"
        if not window.count and not planned:
            quiet_windows += 1
    assert quiet_windows > 1000  # the quiet path really ran, and often


def test_an_empty_window_after_a_sparse_storm_can_fire_a_span_through_the_quiet_path() -> None:
    """Spans still fire on an empty window: the quiet path keeps that (and its details)."""
    settings = SeasonalSettings(warmup_windows=30)
    quick, full = SeasonalDetector(settings), SeasonalDetector(settings)
    states = [quick.initial_state(), full.initial_state()]
    fired: list[tuple[int, list[str]]] = []
    for i in range(3 * 24 * 60):  # three days at one mention every 20 minutes, then a sparse storm
        minute = i % (24 * 60)
        count = 1 if minute % 20 == 0 else 0
        if i >= 2 * 24 * 60 + 600 and i < 2 * 24 * 60 + 640 and i % 2 == 0:
            count = 6
        window = window_stats(T0 + i * MINUTE, count, negative=count // 2)
        a = quick.assess(states[0], window, explain=False)
        b = full.assess(states[1], window, explain=False)
        assert a == b
        if a.anomalous and not count:
            fired.append((i, a.details["signals"]))
    assert fired, "no empty window fired a span: the test does not exercise the quiet path's spans"
    assert all(signals and all(s.startswith("volume_") for s in signals) for _, signals in fired)


def test_details_are_built_only_for_anomalous_windows_or_when_asked() -> None:
    detector = SeasonalDetector(SeasonalSettings(warmup_windows=5))
    state = detector.initial_state()
    for i in range(10):
        assert detector.assess(state, window_stats(T0 + i * MINUTE, 3), explain=False).details == {}
    assert detector.assess(state, window_stats(T0 + 10 * MINUTE, 0), explain=True).details["detector"] == "seasonal"
    assert detector.assess(state, window_stats(T0 + 11 * MINUTE, 3), explain=True).details["effective_volume"] == 3
