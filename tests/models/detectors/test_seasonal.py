"""The seasonal detector on small crafted series: cold start, sparse, seasonality, copies, planned, flapping."""

from __future__ import annotations

from array import array
from dataclasses import replace
from typing import Any

import orjson

from firestorm.models.detectors import SeasonalDetector, SeasonalSettings
from firestorm.models.detectors.seasonal import _slots
from firestorm.models.detectors.seasonal_state import SeasonalState, migrate_v1
from firestorm.models.incidents import IncidentState, LifecycleSettings, step
from firestorm.models.windows import WindowStats
from tests.models.builders import MINUTE, T0, window_stats

HOUR = 60 * MINUTE
DAY = 24 * HOUR


def persisted(state: SeasonalState) -> SeasonalState:
    """A copy of the state as a changelog would restore it."""
    return SeasonalState.from_json(orjson.loads(orjson.dumps(state.to_json())))


def win(
    start_ms: int,
    count: int,
    *,
    size_ms: int = HOUR,
    negative: int | None = None,
    distinct: int | None = None,
    mean: float | None = None,
    terms: tuple[tuple[str, int], ...] = (),
) -> WindowStats:
    """A window with 5% negative mentions unless told otherwise, an hour long by default."""
    negative = round(count * 0.05) if negative is None else negative
    return window_stats(start_ms, count, size_ms=size_ms, negative=negative, distinct=distinct, mean=mean, terms=terms)


def office_hours(start_ms: int) -> int:
    """A weekday office-hours rhythm: 60/hour 9:00-18:00 on weekdays, 6/hour otherwise."""
    hour, week_hour = _slots(start_ms)
    weekday = week_hour // 24
    return 60 if weekday < 5 and 9 <= hour < 18 else 6


def hourly_detector(**overrides: Any) -> SeasonalDetector:
    return SeasonalDetector(SeasonalSettings(windows_per_hour=1.0, warmup_windows=24, **overrides))


def learn(detector: SeasonalDetector, state: SeasonalState, hours: int, start: int = T0) -> int:
    """Feed `hours` of the office rhythm; return the start of the next window."""
    for h in range(hours):
        ts = start + h * HOUR
        assert not detector.assess(state, win(ts, office_hours(ts))).anomalous
    return start + hours * HOUR


def test_slots_know_monday_and_sunday() -> None:
    assert _slots(T0) == (0, 0)  # 2026-03-02 is a Monday
    assert _slots(T0 + 6 * DAY + 3 * HOUR) == (3, 6 * 24 + 3)


def test_cold_start_never_alerts_before_warm_up() -> None:
    detector = hourly_detector()
    state = detector.initial_state()
    for h in range(24):
        assessment = detector.assess(state, win(T0 + h * HOUR, 500 if h == 20 else 5))
        assert not assessment.anomalous and not assessment.warm
    assert detector.assess(state, win(T0 + 24 * HOUR, 5)).warm


def test_sparse_entity_with_mostly_zero_windows_stays_quiet_on_a_few_mentions() -> None:
    detector = SeasonalDetector(SeasonalSettings(warmup_windows=60))
    state = detector.initial_state()
    for m in range(3000):
        detector.assess(state, win(T0 + m * MINUTE, 1 if m % 97 == 0 else 0, size_ms=MINUTE))
    few = detector.assess(state, win(T0 + 3000 * MINUTE, 4, size_ms=MINUTE, negative=4, mean=-0.6))
    assert not few.anomalous  # 4 mentions: below the volume floor however unusual
    many = detector.assess(state, win(T0 + 3001 * MINUTE, 30, size_ms=MINUTE, negative=25, mean=-0.6))
    assert many.anomalous and many.severity == "critical"


def test_baseline_learns_the_weekly_rhythm() -> None:
    detector = hourly_detector()
    state = detector.initial_state()
    next_start = learn(detector, state, 3 * 7 * 24)
    monday_10 = next_start + 10 * HOUR  # three weeks later: a Monday again
    sunday_03 = next_start + 6 * DAY + 3 * HOUR
    assert 50 < detector.expected(state, monday_10) < 70
    assert 4 < detector.expected(state, sunday_03) < 9
    # 60 mentions is a normal Monday 10:00 but a spike on a Sunday at 3:00.
    assert not detector.assess(persisted(state), win(monday_10, 60)).anomalous
    assert detector.assess(persisted(state), win(sunday_03, 60)).anomalous


def test_a_storm_does_not_inflate_the_baseline() -> None:
    detector = hourly_detector()
    state = detector.initial_state()
    next_start = learn(detector, state, 2 * 7 * 24)
    before = detector.expected(state, next_start + 7 * DAY + 10 * HOUR)
    for h in range(10):  # ten hours of a storm at 20x, Monday 0:00-10:00
        detector.assess(state, win(next_start + h * HOUR, 1200, negative=900, mean=-0.5))
    after = detector.expected(state, next_start + 7 * DAY + 10 * HOUR)
    assert after < before * 1.1


def test_negative_shift_at_modest_volume_is_caught() -> None:
    detector = hourly_detector()
    state = detector.initial_state()
    next_start = learn(detector, state, 7 * 24)
    ts = next_start + 10 * HOUR  # Monday 10:00, 60 expected
    shifted = detector.assess(state, win(ts, 90, negative=60, mean=-0.4))
    assert shifted.anomalous
    assert shifted.details["signals"] == ["negative"]
    assert shifted.severity in ("warning", "critical")


def test_positive_spike_is_info_and_copies_count_little() -> None:
    detector = hourly_detector()
    state = detector.initial_state()
    ts = learn(detector, state, 7 * 24) + 2 * HOUR  # Monday 2:00, 6 expected
    launch = detector.assess(persisted(state), win(ts, 200, negative=2, mean=0.6))
    assert launch.anomalous and launch.severity == "info"
    copies = detector.assess(persisted(state), win(ts, 200, distinct=1, negative=2, mean=0.6))
    assert copies.details["effective_volume"] < 25 < launch.details["effective_volume"]
    assert copies.score < launch.score


def test_planned_uplift_and_mute() -> None:
    detector = hourly_detector()
    state = detector.initial_state()
    ts = learn(detector, state, 7 * 24) + 2 * HOUR
    campaign = win(ts, 60, negative=2, mean=0.5)
    assert detector.assess(persisted(state), campaign).anomalous
    planned = detector.assess(persisted(state), campaign, uplift=10.0)
    assert not planned.anomalous and planned.details["planned"]["uplift"] == 10.0
    storm = win(ts, 600, negative=500, mean=-0.6)
    assert not detector.assess(persisted(state), storm, muted=True).anomalous
    # A campaign that turns sour is still seen: the negative signal compares to planned volume.
    sour = detector.assess(persisted(state), win(ts, 60, negative=45, mean=-0.5), uplift=10.0)
    assert sour.anomalous and "negative" in sour.details["signals"]


def test_new_terms_are_named_in_the_details() -> None:
    detector = hourly_detector()
    state = detector.initial_state()
    for h in range(7 * 24):
        ts = T0 + h * HOUR
        detector.assess(state, win(ts, office_hours(ts), terms=(("flight", office_hours(ts) // 2),)))
    ts = T0 + 7 * DAY + 10 * HOUR
    storm = win(ts, 600, negative=500, mean=-0.6, terms=(("flight", 200), ("outage", 400)))
    assert detector.assess(state, storm).details["new_terms"] == ["outage"]


def test_lifecycle_does_not_flap_around_the_line() -> None:
    detector = hourly_detector()
    state = detector.initial_state()
    ts = learn(detector, state, 7 * 24)
    incident = IncidentState()
    lifecycle = LifecycleSettings(resolve_after_windows=3, cooldown_windows=2)
    statuses = []
    # Storm, then alternating calm and storm hours: one incident, no resolve until 3 calm hours.
    pattern = [600, 6, 600, 6, 6, 600, 6, 6, 6, 6]
    for h, count in enumerate(pattern):
        window = win(ts + h * HOUR, count, negative=count // 2, mean=-0.3)
        status = step(incident, window, detector.assess(state, window), lifecycle, HOUR)
        statuses.append(status)
    assert [s for s in statuses if s] == ["triggered", "resolved"]
    assert statuses.index("resolved") == len(pattern) - 2


def test_reach_ratio_compares_with_the_usual_reach() -> None:
    detector = hourly_detector()
    state = detector.initial_state()
    for h in range(48):
        ts = T0 + h * HOUR
        detector.assess(state, replace(win(ts, office_hours(ts)), reach=1_000))
    storm = replace(win(T0 + 48 * HOUR, 600, negative=500, mean=-0.6), reach=50_000)
    assert detector.assess(state, storm).details["reach_ratio"] == 50.0


def test_slot_profiles_are_typed_arrays() -> None:
    state = hourly_detector().initial_state()
    profiles = (state.daily, state.daily_n, state.weekly, state.weekly_n)
    assert [(p.typecode, len(p)) for p in profiles] == [
        ("d", 24),
        ("I", 24),
        ("d", 168),
        ("I", 168),
    ]
    assert persisted(state) == state


def version_1(state: SeasonalState, usual_negative: float) -> dict[str, Any]:
    """The state as version 1 wrote it: a plain dict, profiles as JSON lists, a per-window negative share."""
    return {
        "n": state.n,
        "level": state.level,
        "daily": list(state.daily),
        "daily_n": list(state.daily_n),
        "weekly": list(state.weekly),
        "weekly_n": list(state.weekly_n),
        "dispersion": state.dispersion,
        "negative_share": usual_negative,
        "negative_n": 500,
        "terms": dict(state.terms),
        "reach": state.reach,
        "authors": list(state.authors),
        "spans": {k: list(v) for k, v in state.spans.items()},
    }


def test_a_version_1_state_migrates_keeping_its_baseline() -> None:
    detector = hourly_detector()
    state = detector.initial_state()
    ts = learn(detector, state, 7 * 24 + 5)
    old = orjson.loads(orjson.dumps(version_1(state, usual_negative=0.3)))
    migrated = SeasonalState.from_json(old)
    assert migrated == migrate_v1(old)
    assert type(migrated.weekly) is array and type(migrated.daily_n) is array
    for field in ("n", "level", "daily", "daily_n", "weekly", "weekly_n", "dispersion", "terms", "authors", "spans"):
        assert getattr(migrated, field) == getattr(state, field), field
    # The old share keeps a small weight: the sums of the next windows take over quickly.
    assert 0.2 < detector.usual_negative_share(migrated) < 0.3
    for n in range(48):
        window = win(ts + n * HOUR, 20, negative=2)  # 10% negative from now on
        assert detector.assess(migrated, window).expected == detector.assess(state, window).expected
    assert abs(detector.usual_negative_share(migrated) - 0.1) < 0.02
    assert persisted(migrated) == migrated
    assert migrated.to_json()["version"] == 2


def test_the_term_baseline_keeps_the_same_terms_whatever_the_order_they_came_in() -> None:
    # More terms than the table keeps, all with the same weight: which survive must not depend on
    # set or dict order (a set's order changes with the hash seed, i.e. between a worker and a replay).
    from firestorm.models.detectors.seasonal_learn import learn_terms
    from firestorm.models.detectors.seasonal_settings import MAX_BASELINE_TERMS

    words = [f"word{n:03d}" for n in range(MAX_BASELINE_TERMS + 20)]
    kept = []
    for order in (words, list(reversed(words))):
        detector = hourly_detector()
        state = detector.initial_state()
        learn_terms(detector, state, win(T0, len(order), terms=tuple((w, 1) for w in order)))
        kept.append(list(state.terms))
    assert sorted(kept[0]) == sorted(kept[1]) == words[:MAX_BASELINE_TERMS]


def _span_state(detector: SeasonalDetector, dispersion: float) -> SeasonalState:
    """An entity expecting 1 mention a minute at 00:00 (its hour known, its bursts not yet), whose
    short span has held 35 mentions where 14 were expected, with the given overdispersion."""
    state = detector.initial_state()
    state.n = 600
    state.level = 1.0
    state.daily[0], state.daily_n[0] = 1.0, 120
    state.dispersion = dispersion
    decay = 1.0 - 1.0 / detector.settings.short_span_minutes
    state.spans["short"][:] = [35.0 / decay, 14.0 / decay, 0.0, 0.0]
    return state


def test_a_span_is_judged_with_the_entity_s_overdispersion_as_a_window_is() -> None:
    """40 mentions over 15 minutes where 15 were expected: a Poisson tail of about 7.5 for a steady
    entity, about 2 for one whose volume swings four times a Poisson count's; the window's volume
    signal and the crisis-event sum already widen theirs (NAB CRM: four single-window bumps of a
    sparse series paged through the short span alone)."""
    detector = SeasonalDetector(SeasonalSettings(warmup_windows=60))
    window = win(T0, 5, size_ms=MINUTE)
    steady = detector.score(_span_state(detector, 1.0), window)
    assert "volume_short" in steady.details["signals"] and steady.anomalous
    swinging = detector.score(_span_state(detector, 4.0), window)
    assert "volume_short" not in swinging.details["signals"] and not swinging.anomalous
