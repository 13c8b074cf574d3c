"""Planned events: validation, the calendar, and the engine comparing against normal plus planned."""

from __future__ import annotations

import pytest

from firestorm.models.engine import Engine, EngineSettings
from firestorm.models.planned import PlannedCalendar, PlannedEvent, PlannedEventError, planned_event_from_obj
from tests.models.builders import MINUTE, T0, make_mention, sentiment


def test_declaration_is_validated() -> None:
    event = planned_event_from_obj(
        {"entity": " Acme ", "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T12:00:00Z", "uplift": 5}
    )
    assert event == PlannedEvent("acme", T0 + 600 * MINUTE, T0 + 720 * MINUTE, 5.0, False, "")
    for bad in (
        {"entity": "acme", "start": "2026-03-02T10:00:00Z"},
        {"entity": "acme", "start": "2026-03-02T12:00:00Z", "end": "2026-03-02T10:00:00Z"},
        {"entity": "acme", "start": "soon", "end": "2026-03-02T10:00:00Z"},
        {"entity": "acme", "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T12:00:00Z", "uplift": -1},
        {"entity": "acme", "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T12:00:00Z", "uplift": True},
    ):
        with pytest.raises(PlannedEventError):
            planned_event_from_obj(bad)


def test_calendar_combines_overlapping_events() -> None:
    calendar = PlannedCalendar(
        [PlannedEvent("acme", T0, T0 + 60 * MINUTE, 3.0), PlannedEvent("acme", T0 + 30 * MINUTE, T0 + 90 * MINUTE, 8.0)]
    )
    calendar.add(PlannedEvent("acme", T0, T0 + 60 * MINUTE, 3.0))  # the same declaration twice counts once
    assert len(calendar) == 2
    assert calendar.uplift("acme", T0, T0 + MINUTE) == (3.0, False)
    assert calendar.uplift("acme", T0 + 45 * MINUTE, T0 + 46 * MINUTE) == (8.0, False)
    assert calendar.uplift("acme", T0 + 95 * MINUTE, T0 + 96 * MINUTE) == (1.0, False)
    assert calendar.uplift("other", T0, T0 + MINUTE) == (1.0, False)


def _burst_engine(planned: list[PlannedEvent], detector: str) -> list[str]:
    engine = Engine(EngineSettings(detector=detector), planned=planned)
    alerts = []
    for minute in range(180):
        count = 60 if 120 <= minute < 130 else 1
        for k in range(count):
            mention = make_mention(
                id=f"m{minute}-{k}", ts_ms=T0 + minute * MINUTE + k * 500, text=f"great launch {minute} {k}"
            )
            _, closed = engine.ingest(mention, sentiment(0.6))
            alerts += [c.alert.status for c in closed if c.alert]
    alerts += [c.alert.status for c in engine.finish() if c.alert]
    return alerts


@pytest.mark.parametrize("detector", ["poisson", "seasonal"])
def test_declared_campaign_raises_nothing_and_undeclared_one_does(detector: str) -> None:
    assert _burst_engine([], detector)[0] == "triggered"
    campaign = PlannedEvent("acme", T0 + 115 * MINUTE, T0 + 140 * MINUTE, uplift=80.0, name="launch")
    assert _burst_engine([campaign], detector) == []
    muted = PlannedEvent("acme", T0 + 115 * MINUTE, T0 + 140 * MINUTE, mute=True)
    assert _burst_engine([muted], detector) == []
