from __future__ import annotations

import math
from decimal import Decimal, getcontext
from typing import Any

import orjson
import pytest

from firestorm.models.detectors import PoissonSpikeDetector, PoissonSpikeSettings, severity_rank
from firestorm.models.detectors.poisson import poisson_tail_score
from firestorm.models.windows import WindowStats
from tests.models.builders import MINUTE, T0


def brute_force_score(observed: int, expected: float) -> float:
    """-log10 P(X >= observed), summing pmf terms in 60-digit decimals."""
    getcontext().prec = 60
    lam = Decimal(repr(expected))
    term = Decimal(1)  # lam^0 / 0!
    for i in range(1, observed + 1):
        term = term * lam / i
    tail = Decimal(0)
    i = observed
    while True:
        tail += term
        i += 1
        term = term * lam / i
        if term < tail * Decimal("1e-40"):
            break
    probability = tail * (-lam).exp()
    return -float(probability.log10())


def window(count: int, negative: int = 0, scored: int | None = None, mean: float = 0.0) -> WindowStats:
    return WindowStats(
        entity="acme",
        start_ms=T0,
        end_ms=T0 + MINUTE,
        count=count,
        scored=count if scored is None else scored,
        negative=negative,
        mean_compound=mean,
    )


def feed(detector: PoissonSpikeDetector, state: dict[str, Any], counts: list[int]) -> list[Any]:
    return [detector.assess(state, window(c)) for c in counts]


def steady(detector: PoissonSpikeDetector, level: int = 2, windows: int = 200) -> dict[str, Any]:
    state = detector.initial_state()
    feed(detector, state, [level] * windows)
    return state


class TestTailScore:
    @pytest.mark.parametrize(
        ("observed", "expected"),
        [(1, 0.5), (3, 0.2), (10, 0.5), (20, 5.0), (60, 2.0), (100, 60.0), (500, 450.0), (5, 4.99), (40, 0.5)],
    )
    def test_matches_brute_force(self, observed: int, expected: float) -> None:
        assert poisson_tail_score(observed, expected) == pytest.approx(brute_force_score(observed, expected), rel=1e-9)

    @pytest.mark.parametrize(("observed", "expected"), [(0, 0.5), (0, 3.0), (2, 2.0), (1, 1.5), (3, 10.0)])
    def test_zero_at_or_below_expectation(self, observed: int, expected: float) -> None:
        assert poisson_tail_score(observed, expected) == 0.0

    def test_grows_with_the_count(self) -> None:
        scores = [poisson_tail_score(k, 2.0) for k in range(3, 40)]
        assert scores == sorted(scores) and scores[-1] > scores[0]

    def test_one_in_a_million(self) -> None:
        # P(X >= 10 | 0.5) is about 1.7e-10; 3 where 0.5 was expected is only weak evidence (~1.9)
        assert poisson_tail_score(10, 0.5) == pytest.approx(-math.log10(1.7e-10), abs=0.05)
        assert poisson_tail_score(3, 0.5) < 2.0


class TestDetector:
    def test_state_is_json(self) -> None:
        detector = PoissonSpikeDetector()
        state = steady(detector, windows=10)
        assert orjson.loads(orjson.dumps(state)) == state

    def test_cold_start_no_alert_before_warm_up(self) -> None:
        detector = PoissonSpikeDetector()
        state = detector.initial_state()
        assessments = feed(detector, state, [1] * 59)
        spike = detector.assess(state, window(200, negative=200, mean=-0.8))
        assert not any(a.anomalous for a in assessments)
        assert not spike.warm and not spike.anomalous
        assert spike.score > 50  # the evidence is there, the detector is just not trusted yet

    def test_warm_after_warm_up(self) -> None:
        detector = PoissonSpikeDetector()
        state = detector.initial_state()
        feed(detector, state, [1] * 60)
        spike = detector.assess(state, window(200))
        assert spike.warm and spike.anomalous

    def test_warm_up_follows_settings(self) -> None:
        detector = PoissonSpikeDetector(PoissonSpikeSettings(warmup_windows=5))
        state = detector.initial_state()
        feed(detector, state, [1] * 5)
        assert detector.assess(state, window(50)).anomalous

    def test_sparse_entity_three_mentions_is_not_an_alert(self) -> None:
        detector = PoissonSpikeDetector()
        state = steady(detector, level=0, windows=500)
        result = detector.assess(state, window(3, negative=3, mean=-0.7))
        assert result.expected == pytest.approx(0.5)  # the min_expected floor, not 0
        assert not result.anomalous
        assert result.score < 2.0

    def test_min_volume_floor(self) -> None:
        detector = PoissonSpikeDetector()
        below = detector.assess(steady(detector, level=0, windows=500), window(9))
        at = detector.assess(steady(detector, level=0, windows=500), window(10))
        assert below.score >= 6.0 and below.warm  # strong evidence, but too few mentions to page anyone
        assert not below.anomalous
        assert at.anomalous

    def test_min_ratio(self) -> None:
        detector = PoissonSpikeDetector()
        state = steady(detector, level=100, windows=200)
        result = detector.assess(state, window(250))  # wildly improbable, but only 2.5x
        assert result.score > 6.0 and not result.anomalous

    def test_spike_after_steady_baseline(self) -> None:
        detector = PoissonSpikeDetector()
        state = steady(detector, level=2)
        result = detector.assess(state, window(40))
        assert result.warm and result.anomalous and not result.normal
        assert result.expected == pytest.approx(2.0)
        assert result.score > 30

    def test_steady_baseline_is_quiet(self) -> None:
        detector = PoissonSpikeDetector()
        state = detector.initial_state()
        assessments = feed(detector, state, [1, 3, 2, 0, 2, 4, 1, 2] * 40)
        assert not any(a.anomalous for a in assessments)
        assert all(a.normal for a in assessments)
        assert state["mean"] == pytest.approx(15 / 8, rel=0.2)

    def test_spike_barely_moves_the_baseline(self) -> None:
        detector = PoissonSpikeDetector()
        state = steady(detector, level=2)
        before = state["mean"]
        assessments = feed(detector, state, [60] * 60)  # an hour-long firestorm
        assert all(a.anomalous for a in assessments)
        assert before == pytest.approx(2.0)
        assert state["mean"] < before * 1.25
        # and right after the storm, an ordinary window is normal again
        assert detector.assess(state, window(2)).normal

    def test_lasting_level_is_learned_eventually(self) -> None:
        detector = PoissonSpikeDetector(PoissonSpikeSettings(half_life_windows=10))
        state = steady(detector, level=2)
        feed(detector, state, [8] * 200)  # not anomalous (below min_volume): plain learning
        assert state["mean"] == pytest.approx(8.0, rel=0.05)

    def test_normal_band(self) -> None:
        detector = PoissonSpikeDetector()
        assert detector.assess(steady(detector, level=2), window(5)).normal  # min_volume / 2
        assert not detector.assess(steady(detector, level=2), window(6)).normal
        assert detector.assess(steady(detector, level=20), window(30)).normal  # 1.5x
        assert not detector.assess(steady(detector, level=20), window(31)).normal


class TestSeverity:
    @pytest.fixture
    def detector(self) -> PoissonSpikeDetector:
        return PoissonSpikeDetector()

    def test_positive_viral_spike_is_info(self, detector: PoissonSpikeDetector) -> None:
        result = detector.assess(steady(detector), window(80, negative=2, mean=0.6))
        assert result.anomalous and result.severity == "info"

    def test_negative_share_without_negative_mean_is_info(self, detector: PoissonSpikeDetector) -> None:
        result = detector.assess(steady(detector), window(80, negative=40, mean=0.1))
        assert result.severity == "info"

    def test_moderately_negative_is_warning(self, detector: PoissonSpikeDetector) -> None:
        result = detector.assess(steady(detector), window(80, negative=36, mean=-0.2))  # 45% negative
        assert result.anomalous and result.severity == "warning"

    def test_negative_but_not_ten_times_is_warning(self, detector: PoissonSpikeDetector) -> None:
        result = detector.assess(steady(detector), window(15, negative=15, mean=-0.7))  # 7.5x
        assert result.anomalous and result.severity == "warning"

    def test_strongly_negative_and_large_is_critical(self, detector: PoissonSpikeDetector) -> None:
        result = detector.assess(steady(detector), window(80, negative=60, mean=-0.6))
        assert result.anomalous and result.severity == "critical"

    def test_share_counts_only_scored_mentions(self, detector: PoissonSpikeDetector) -> None:
        # 30 scored of 80 (the rest in unscored languages), 20 of them negative: 67%
        result = detector.assess(steady(detector), window(80, negative=20, scored=30, mean=-0.4))
        assert result.severity == "critical"

    def test_rank_order(self) -> None:
        assert severity_rank("info") < severity_rank("warning") < severity_rank("critical")
