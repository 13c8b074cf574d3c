"""Planned events: operators declare expected uplift (a launch, a campaign) or mute windows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from firestorm.models.field_codec import FieldCodec, stored
from firestorm.models.timeutil import TimestampError, iso_utc, parse_ts


class PlannedEventError(ValueError):
    """A planned-event declaration that cannot be used."""


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """Between start and end, expect `uplift` x the normal volume; `mute` silences pages."""

    entity: str
    start_ms: int = field(metadata=stored("start"))  # stored under the declaration's names
    end_ms: int = field(metadata=stored("end"))
    uplift: float = 1.0
    mute: bool = False
    name: str = ""

    def covers(self, entity: str, start_ms: int, end_ms: int) -> bool:
        return entity == self.entity and start_ms < self.end_ms and end_ms > self.start_ms

    def describe(self) -> str:
        """One line for people: 'skyway from 2026-03-10T09:00:00Z to ..., expect 5x the usual volume (sale)'."""
        what = "muted" if self.mute else f"expect {self.uplift:g}x the usual volume"
        name = f" ({self.name})" if self.name else ""
        return f"{self.entity} from {iso_utc(self.start_ms)} to {iso_utc(self.end_ms)}, {what}{name}"

    def to_dict(self) -> dict[str, Any]:
        """The declaration's form (times as epoch ms, which `planned_event_from_obj` reads too)."""
        return _STORED.encode(self)


_STORED = FieldCodec(PlannedEvent)


def planned_event_from_obj(obj: Mapping[str, Any]) -> PlannedEvent:
    """Validate one declaration: {entity, start, end, uplift?, mute?, name?} (times as in mentions)."""
    try:
        entity = str(obj["entity"]).strip().lower()
        start, end = parse_ts(obj["start"]), parse_ts(obj["end"])
    except KeyError as exc:
        raise PlannedEventError(f"planned event is missing {exc.args[0]!r}") from exc
    except TimestampError as exc:
        raise PlannedEventError(f"planned event has a bad time: {exc}") from exc
    uplift = obj.get("uplift", 1.0)
    if isinstance(uplift, bool) or not isinstance(uplift, int | float) or uplift <= 0:
        raise PlannedEventError(f"planned event uplift must be a positive number, got {uplift!r}")
    if not entity or end <= start:
        raise PlannedEventError("planned event needs an entity and an end after its start")
    return PlannedEvent(entity, start, end, float(uplift), bool(obj.get("mute", False)), str(obj.get("name", "")))


class PlannedCalendar:
    """The planned events an engine consults for each closed window."""

    def __init__(self, events: Iterable[PlannedEvent] = ()) -> None:
        self._by_entity: dict[str, list[PlannedEvent]] = {}
        for event in events:
            self.add(event)

    def add(self, event: PlannedEvent) -> None:
        events = self._by_entity.setdefault(event.entity, [])
        if event not in events:
            events.append(event)

    def active(self, entity: str, start_ms: int, end_ms: int) -> list[PlannedEvent]:
        return [e for e in self._by_entity.get(entity, ()) if e.covers(entity, start_ms, end_ms)]

    def uplift(self, entity: str, start_ms: int, end_ms: int) -> tuple[float, bool]:
        """The combined uplift (largest declared) and whether pages are muted for this window."""
        active = self.active(entity, start_ms, end_ms)
        if not active:
            return 1.0, False
        return max(e.uplift for e in active), any(e.mute for e in active)

    def has_events(self, entity: str) -> bool:
        """Whether any event names the entity (its engine then closes its every window)."""
        return entity in self._by_entity

    def __bool__(self) -> bool:
        return bool(self._by_entity)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_entity.values())
