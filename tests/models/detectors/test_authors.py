"""The unique-author signal on small crafted minute series: a burst by a few accounts vs a storm by many."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from firestorm.models.detectors import SeasonalDetector, SeasonalSettings
from firestorm.models.detectors import authors as author_signal
from firestorm.models.detectors.seasonal_state import SeasonalState
from firestorm.models.windows import WindowStats
from tests.models.builders import MINUTE, T0, window_stats

LEARN_MINUTES = 6 * 60


def win(minute: int, count: int, authors: int, *, negative: int = 0, distinct: int | None = None) -> WindowStats:
    """One minute window of `count` mentions by `authors` distinct accounts."""
    return window_stats(T0 + minute * MINUTE, count, negative=negative, distinct=distinct, authors=authors)


def learned() -> tuple[SeasonalDetector, SeasonalState]:
    """Six hours of 8, 10, 12, 10 mentions a minute by 8, 9, 11, 9 authors: 37 authors per 40 mentions."""
    detector = SeasonalDetector(SeasonalSettings())
    state = detector.initial_state()
    for m in range(LEARN_MINUTES):
        count = (8, 10, 12, 10)[m % 4]
        assert not detector.assess(state, win(m, count, count - count // 10, negative=count // 10)).anomalous
    return detector, state


@pytest.fixture(scope="module")
def trained() -> tuple[SeasonalDetector, SeasonalState]:
    return learned()


def judge(trained: tuple[SeasonalDetector, SeasonalState], window: WindowStats) -> Any:
    detector, state = trained
    return detector.assess(copy.deepcopy(state), window)


def test_the_usual_authors_per_mention_are_learned(trained: tuple[SeasonalDetector, SeasonalState]) -> None:
    _, state = trained
    assert author_signal.authors_per_mention(state.authors) == pytest.approx(37 / 40, abs=0.005)
    assert author_signal.authors_per_mention(SeasonalDetector().initial_state().authors) == 1.0  # the prior


def test_a_storm_by_many_authors_is_critical_with_its_new_voices(
    trained: tuple[SeasonalDetector, SeasonalState],
) -> None:
    storm = judge(trained, win(LEARN_MINUTES, 300, 280, negative=240))
    assert storm.anomalous and storm.severity == "critical"
    details = storm.details
    assert details["few_authors"] is False
    assert details["expected_authors"] == pytest.approx(10 * 37 / 40, abs=0.3)
    assert details["author_ratio"] == pytest.approx(280 / details["expected_authors"], rel=0.01)
    assert details["new_authors"] == pytest.approx(280 - details["expected_authors"], abs=0.1)


def test_a_burst_by_a_few_accounts_does_not_page(trained: tuple[SeasonalDetector, SeasonalState]) -> None:
    # The same 300 negative posts, all different texts (no copy discount), by 5 accounts.
    bots = judge(trained, win(LEARN_MINUTES, 300, 5, negative=240))
    assert bots.anomalous  # still seen, and explained ...
    assert bots.details["few_authors"] is True and bots.details["copy_dominated"] is False
    assert bots.details["author_ratio"] < 1.0 and bots.details["new_authors"] == 0.0
    assert bots.severity == "info"  # ... but a handful of accounts is not a firestorm


def test_authors_must_grow_with_the_volume_not_just_above_the_baseline(
    trained: tuple[SeasonalDetector, SeasonalState],
) -> None:
    # 30x the volume by 60 accounts: 6x the usual authors, far less than the volume's growth.
    assert judge(trained, win(LEARN_MINUTES, 300, 60, negative=240)).details["few_authors"] is True
    # A smaller storm whose authors grew about as much as its mentions is a storm.
    storm = judge(trained, win(LEARN_MINUTES, 60, 50, negative=50))
    assert storm.details["few_authors"] is False and storm.severity in ("warning", "critical")


def test_copies_by_many_fresh_accounts_do_not_page(trained: tuple[SeasonalDetector, SeasonalState]) -> None:
    # The benchmark's bot burst: one text reposted by hundreds of new accounts.
    copies = judge(trained, win(LEARN_MINUTES, 300, 300, negative=295, distinct=3))
    assert copies.anomalous and copies.details["copy_dominated"] is True
    assert copies.details["few_authors"] is False and copies.details["author_ratio"] > 30
    assert copies.severity == "info"


def test_windows_without_authors_leave_the_signal_silent(trained: tuple[SeasonalDetector, SeasonalState]) -> None:
    unknown = judge(trained, win(LEARN_MINUTES, 300, 0, negative=240))
    assert unknown.details["author_ratio"] is None and unknown.details["few_authors"] is False
    assert unknown.severity == "critical"


def test_a_long_burst_by_few_accounts_does_not_teach_the_author_rate() -> None:
    detector, state = learned()
    before = author_signal.authors_per_mention(state.authors)
    for m in range(LEARN_MINUTES, LEARN_MINUTES + 60):
        assert detector.assess(state, win(m, 300, 5, negative=240)).anomalous
    assert author_signal.authors_per_mention(state.authors) == pytest.approx(before, abs=0.01)
    assert len(state.authors) == 2  # two floats per entity


def test_expected_authors_follow_the_expected_volume() -> None:
    state = [80.0, 100.0]
    quiet = author_signal.assess(state, win(0, 3, 3), 3.0, 5.0, min_volume=10, min_ratio=3.0, few_share=1 / 3)
    busy = author_signal.assess(state, win(0, 3, 3), 3.0, 50.0, min_volume=10, min_ratio=3.0, few_share=1 / 3)
    assert quiet.expected == pytest.approx(4.0) and busy.expected == pytest.approx(40.0)
    assert not quiet.few and not busy.few  # no surge, nothing to say
