"""Control-topic messages decode to planned events or are refused with a reason."""

from __future__ import annotations

import orjson
import pytest

from firestorm.models.planned import PlannedEventError
from firestorm.streams.worker.control import parse_control_message


def test_planned_message_round_trips() -> None:
    raw = orjson.dumps(
        {"type": "planned", "entity": "acme", "start": "2026-03-10T09:00:00Z", "end": "2026-03-10T10:00:00Z"}
    )
    event = parse_control_message(raw)
    assert event.entity == "acme" and event.end_ms - event.start_ms == 3_600_000
    assert parse_control_message(orjson.dumps({"type": "planned", **event.to_dict()})) == event


@pytest.mark.parametrize(
    "raw",
    [b"nope", b"[]", b'{"type": "other"}', b'{"type": "planned", "entity": "a", "start": "x", "end": "y"}'],
)
def test_bad_messages_are_refused(raw: bytes) -> None:
    with pytest.raises(PlannedEventError):
        parse_control_message(raw)
