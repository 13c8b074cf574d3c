"""The seasonal detector split in two: `score` is pure, and an idle run learned at once
(`learn_idle_run`) is score-then-learn on each of its empty windows, bit for bit.

The traffic is rough (bursts, storms, sparse runs, long idle runs, planned windows); at random
points an idle run of random length (minutes to days, across hour and day slots) is taken both
ways from the same state, wherever `can_fire` says nothing can fire.
"""

from __future__ import annotations

import copy
import random

import pytest

from firestorm.models.detectors.seasonal import SeasonalDetector
from firestorm.models.detectors.seasonal_settings import SeasonalSettings
from firestorm.models.windows import empty_window
from tests.models.builders import MINUTE, T0, window_stats
from tests.models.detectors.test_seasonal_quiet import _phases, _state_bytes, _window


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_score_leaves_the_state_as_it_was(seed: int) -> None:
    rng = random.Random(seed)
    detector = SeasonalDetector(SeasonalSettings(warmup_windows=30))
    state = detector.initial_state()
    for i, phase in enumerate(_phases(rng, 2 * 24 * 60)):
        window = _window(rng, T0 + i * MINUTE, phase)
        uplift, muted = (2.0, rng.random() < 0.5) if rng.random() < 0.01 else (1.0, False)
        before = _state_bytes(state)
        assessment = detector.score(state, window, uplift=uplift, muted=muted, explain=rng.random() < 0.1)
        assert _state_bytes(state) == before, f"score changed the state at window {i} ({phase})"
        detector.learn(state, window, assessment)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_an_idle_run_learned_at_once_is_learned_window_by_window(seed: int) -> None:
    rng = random.Random(seed)
    detector = SeasonalDetector(SeasonalSettings(warmup_windows=30))
    state = detector.initial_state()
    runs = skipped = 0
    for i, phase in enumerate(_phases(rng, 4 * 24 * 60)):
        start = T0 + i * MINUTE
        detector.assess(state, _window(rng, start, phase), explain=False)
        if rng.random() > 0.01:
            continue
        if detector.can_fire(state):
            skipped += 1
            continue
        first, count = start + MINUTE, rng.choice([1, 2, rng.randint(3, 120), rng.randint(121, 3 * 24 * 60)])
        at_once, one_by_one = copy.deepcopy(state), copy.deepcopy(state)
        detector.learn_idle_run(at_once, first, count)
        for k in range(count):
            assessment = detector.assess(one_by_one, empty_window("e", first + k * MINUTE, MINUTE), explain=False)
            assert not assessment.anomalous, "can_fire was false, yet an empty window fired"
        assert _state_bytes(at_once) == _state_bytes(one_by_one), f"idle run of {count} after window {i}"
        runs += 1
    assert runs >= 10, f"only {runs} idle runs compared ({skipped} skipped: the entity could fire)"


def test_a_sparse_storm_keeps_the_entity_able_to_fire_until_its_spans_decay() -> None:
    """After a sparse storm an empty window can still fire a volume span: can_fire says so, and
    turns false only once the spans have decayed below the volume floor."""
    detector = SeasonalDetector(SeasonalSettings(warmup_windows=30))
    state = detector.initial_state()
    fired_empty = False
    for i in range(3 * 24 * 60):
        minute = i % (24 * 60)
        count = 1 if minute % 20 == 0 else 0
        if 2 * 24 * 60 + 600 <= i < 2 * 24 * 60 + 640 and i % 2 == 0:
            count = 6
        could = detector.can_fire(state)
        assessment = detector.assess(state, window_stats(T0 + i * MINUTE, count, negative=count // 2), explain=False)
        if assessment.anomalous and not count:
            assert could, f"an empty window fired at {i} though can_fire was false"
            fired_empty = True
    assert fired_empty, "no empty window fired: the test does not exercise can_fire"
    assert not detector.can_fire(state)
