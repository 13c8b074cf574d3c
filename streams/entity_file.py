"""Per-entity detection settings and planned events, from the operator's TOML file.

[entities.skyway]          # sensitivity for one entity (the defaults apply to the rest)
min_volume = 20
min_ratio = 4.0
trigger_score = 8.0

[[planned]]                # expected uplift, or a mute window
entity = "skyway"
start = "2026-03-10T09:00:00Z"
end = "2026-03-10T12:00:00Z"
uplift = 5.0               # expect 5x the normal volume
mute = false               # true: never page for this entity in this window
name = "spring sale"
"""

from __future__ import annotations

from dataclasses import dataclass, field

from firestorm.models.engine import SENSITIVITY_KNOBS
from firestorm.models.planned import PlannedEvent, PlannedEventError, planned_event_from_obj
from firestorm.streams.toml_file import read_toml


class EntityFileError(ValueError):
    """The entities file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class EntityFile:
    overrides: dict[str, dict[str, float]] = field(default_factory=dict)
    planned: tuple[PlannedEvent, ...] = ()


def load_entity_file(path: str) -> EntityFile:
    """Read and validate the file; an empty path means no file."""
    if not path:
        return EntityFile()
    data = read_toml(path, EntityFileError)
    unknown = set(data) - {"entities", "planned", "watch"}  # [watch.*]: the watch list of `firestorm ingest`
    if unknown:
        raise EntityFileError(
            f"{path}: unknown sections {sorted(unknown)} (expected [entities.*], [[planned]] and [watch.*])"
        )
    overrides: dict[str, dict[str, float]] = {}
    for entity, knobs in data.get("entities", {}).items():
        if not isinstance(knobs, dict):
            raise EntityFileError(f"{path}: [entities.{entity}] must be a table")
        bad = set(knobs) - set(SENSITIVITY_KNOBS)
        if bad:
            raise EntityFileError(f"{path}: [entities.{entity}] unknown settings {sorted(bad)}")
        for name, value in knobs.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise EntityFileError(f"{path}: [entities.{entity}] {name} must be a positive number")
        overrides[entity.strip().lower()] = {k: float(v) for k, v in knobs.items()}
    planned = []
    for number, entry in enumerate(data.get("planned", []), start=1):
        try:
            planned.append(planned_event_from_obj(entry))
        except PlannedEventError as exc:
            raise EntityFileError(f"{path}: planned event #{number}: {exc}") from exc
    return EntityFile(overrides=overrides, planned=tuple(planned))
