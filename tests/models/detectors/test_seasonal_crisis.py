"""Crisis events: a large, sustained surge that is not positive and not in the entity's usual tone
pages whatever its compound; crisis words raise it to critical and are named; a positive surge, a
planned one, a young entity's and a burst of a complaint-heavy entity's usual complaints do not."""

from __future__ import annotations

from dataclasses import replace

from firestorm.models.detectors import SeasonalDetector
from firestorm.models.detectors.base import Assessment
from firestorm.models.detectors.seasonal_state import SeasonalState
from tests.models.builders import MINUTE, T0, window_stats

HISTORY_MIN = 13 * 60  # past the rule's 12 hours of history
BRAND_TONE = 0.2  # the mean compound of an ordinary brand's mentions (more positive than negative)


def run(
    surge_mean: float,
    crisis: tuple[tuple[str, int], ...] = (),
    history_min: int = HISTORY_MIN,
    uplift: float = 1.0,
    usual: float = BRAND_TONE,
    usual_negative: int = 0,
) -> list[Assessment]:
    """`history_min` minutes of 5 mentions a minute at the mean compound `usual` (`usual_negative` of
    them negative), then 20 minutes of 30 a minute (distinct texts and authors) with the given mean
    compound and crisis words; the surge's assessments."""
    detector = SeasonalDetector()
    state: SeasonalState = detector.initial_state()
    for m in range(history_min):
        detector.assess(state, window_stats(T0 + m * MINUTE, 5, authors=5, negative=usual_negative, mean=usual))
    out = []
    for m in range(history_min, history_min + 20):
        w = replace(
            window_stats(T0 + m * MINUTE, 30, authors=30, negative=6 * usual_negative, mean=surge_mean),
            crisis_terms=crisis,
        )
        out.append(detector.assess(state, w, uplift=uplift))
    return out


def test_a_neutral_surge_pages_warning_within_minutes() -> None:
    surge = run(0.0)
    paged = [i for i, a in enumerate(surge) if a.anomalous and a.severity == "warning"]
    # The 15-minute sum reaches 4x its expected (300 of 75) on the 10th minute of a 6x surge; the
    # naive rule (5x, 375) would need 12 minutes.
    assert paged and paged[0] == 9
    first = surge[paged[0]]
    assert "volume_event" in first.details["signals"]
    assert first.details["crisis_event"] is True and first.details["ratio_15m"] >= 4.0


def test_crisis_words_make_it_critical_and_are_named_even_when_the_posts_read_positive() -> None:
    surge = run(0.4, crisis=(("explosion", 4), ("evacuation", 2)))
    critical = [a for a in surge if a.anomalous and a.severity == "critical"]
    assert critical
    assert critical[0].details["crisis_terms"] == [["explosion", 4], ["evacuation", 2]]


def test_a_positive_surge_without_crisis_words_does_not_page() -> None:
    surge = run(0.5)
    assert all(a.severity == "info" for a in surge)
    assert not any("volume_event" in a.details.get("signals", ()) for a in surge)


def test_a_planned_surge_does_not_page() -> None:
    surge = run(0.0, crisis=(("strike", 6),), uplift=6.0)
    assert all(a.severity == "info" for a in surge)


def test_a_young_entity_waits_for_half_a_day_of_history() -> None:
    surge = run(0.0, history_min=6 * 60)
    assert not any("volume_event" in a.details.get("signals", ()) for a in surge)


def test_a_burst_in_a_complaint_heavy_entitys_usual_tone_is_left_to_the_negative_signals() -> None:
    # A telecom whose mentions are 40% complaints (mean compound -0.2): a 6x burst of its ordinary
    # complaints reads "not positive" but is its usual tone, not a crisis event.
    surge = run(-0.2, usual=-0.2, usual_negative=2)
    assert not any("volume_event" in a.details.get("signals", ()) for a in surge)
    assert all(a.severity == "info" for a in surge)


def test_neutral_news_about_a_complaint_heavy_entity_still_pages() -> None:
    surge = run(0.0, usual=-0.2, usual_negative=2)
    paged = [i for i, a in enumerate(surge) if a.anomalous and a.severity == "warning"]
    assert paged and paged[0] == 9
    assert "volume_event" in surge[paged[0]].details["signals"]


def test_a_surge_in_a_neutral_entitys_usual_neutral_tone_is_a_volume_burst_not_a_crisis() -> None:
    surge = run(0.0, usual=0.0)
    assert not any("volume_event" in a.details.get("signals", ()) for a in surge)
    assert run(0.0, usual=0.0, crisis=(("explosion", 6),))[9].severity == "critical"  # crisis words still page
