"""The Poisson detector split in two: `score` is pure, and `learn_idle_run` is score-then-learn
on each empty window of the run."""

from __future__ import annotations

import copy
import random

from firestorm.models.detectors.poisson import PoissonSpikeDetector
from firestorm.models.windows import empty_window
from tests.models.builders import MINUTE, T0, window_stats


def test_score_is_pure_and_an_idle_run_is_learned_as_window_by_window() -> None:
    rng = random.Random(7)
    detector = PoissonSpikeDetector()
    state = detector.initial_state()
    assert not detector.can_fire(state)
    for i in range(3000):
        window = window_stats(T0 + i * MINUTE, rng.choice([0, 0, 1, 3, 8, 40]))
        before = dict(state)
        assessment = detector.score(state, window, uplift=2.0 if i % 97 == 0 else 1.0)
        assert state == before
        detector.learn(state, window, assessment)
        if i % 250 == 0:
            count = rng.randint(1, 2000)
            at_once, one_by_one = copy.deepcopy(state), copy.deepcopy(state)
            detector.learn_idle_run(at_once, T0 + (i + 1) * MINUTE, count)
            for k in range(count):
                detector.assess(one_by_one, empty_window("e", T0 + (i + 1 + k) * MINUTE, MINUTE))
            assert detector.dump(at_once) == detector.dump(one_by_one)
