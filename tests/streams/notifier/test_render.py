"""The one-line page text: a crisis event names its words and the 15-minute figures its rule compared."""

from __future__ import annotations

from firestorm.streams.notifier.render import crisis_words, headline, summary
from tests.paging.alerts import make_alert


def test_a_crisis_event_names_its_words_and_the_figure_that_crossed_the_line() -> None:
    alert = make_alert(
        severity="critical",
        volume=3,
        crisis_event=True,
        crisis_terms=[["explosion", 9], ["evacuation", 4], ["fire", 2], ["injured", 1]],
        volume_15m=64,
        expected_15m=12.0,
    )
    assert crisis_words(alert) == ["explosion", "evacuation", "fire"]
    assert headline(alert) == "crisis event (explosion, evacuation, fire)"
    assert "last 15m 64 vs 12.0 expected (x5.3)" in summary(alert)


def test_a_complaint_storm_reads_as_before() -> None:
    alert = make_alert(severity="warning", crisis_event=False, crisis_terms=[["outage", 3]])
    assert headline(alert) == "negative spike" and crisis_words(alert) == []
    assert "last 15m" not in summary(alert)
    assert headline(make_alert(severity="info")) == "mention spike"
