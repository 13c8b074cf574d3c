"""models/field_dict.py: a dataclass record as the dict of its fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from firestorm.models.alerts import Drivers
from firestorm.models.field_dict import field_dict
from firestorm.models.incidents import IncidentState


@dataclass(slots=True)
class _Record:
    b: int
    a: str = "x"
    items: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _One:
    only: float


def test_the_fields_in_declaration_order_with_their_values_not_copied() -> None:
    record = _Record(2, items=[1])
    data = field_dict(record)
    assert list(data.items()) == [("b", 2), ("a", "x"), ("items", [1])]
    assert data["items"] is record.items
    assert field_dict(_Record(3)) == {"b": 3, "a": "x", "items": []}  # the reader of a class is reused
    assert field_dict(_One(0.5)) == {"only": 0.5}


def test_the_incident_state_round_trips_and_leaves_out_a_missing_start() -> None:
    state = IncidentState(incident_id="skyway-1", severity="warning", reopens=1, start_ms=60_000)
    assert IncidentState.from_dict(state.to_dict()) == state
    assert "start_ms" not in IncidentState().to_dict()
    assert list(IncidentState().to_dict())[-1] == "calm_streak"


def test_drivers_keep_every_field_but_the_null_optional_ones() -> None:
    assert set(Drivers().to_dict()) == {f for f in Drivers.__dataclass_fields__} - {
        "narratives",
        "narrative_sample",
        "reopens",
    }
