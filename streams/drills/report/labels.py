"""Drill labels: the sidecar `<name>.labels.json` with the known truth about a replayed incident.

Format (as in examples/*.labels.json; every key optional but `onset` is what time-to-detect needs):
`{"incident", "entity", "onset", "peak", "end", "quiet_entities": [...], "description",
"events": [{"ts": "...", "label": "statement published"}, ...], "planned": [{"entity", "start", "end",
"uplift", "mute", "name"}, ...]}`; times ISO-8601 with a zone. `events` are drawn on the report's
charts; `planned` events also go to the engine's planned-event calendar (expected uplift, mute).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firestorm.models.planned import PlannedEvent, PlannedEventError, planned_event_from_obj
from firestorm.models.records import normalize_entity
from firestorm.models.timeutil import TimestampError, parse_ts
from firestorm.streams.formats.base import InputError


@dataclass(frozen=True, slots=True)
class Labels:
    path: str
    incident: str | None = None
    entity: str | None = None
    onset_ms: int | None = None
    peak_ms: int | None = None
    end_ms: int | None = None
    quiet_entities: tuple[str, ...] = ()
    description: str | None = None
    events: tuple[tuple[int, str], ...] = ()  # things that happened during the drill: (event time, label)
    planned: tuple[PlannedEvent, ...] = ()  # declared to the engine (uplift, mute)


def _time(data: dict[str, Any], key: str, path: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        return parse_ts(value)
    except TimestampError as exc:
        raise InputError(f"labels {path}: {key!r}: {exc}") from exc


def load_labels(path: str | Path) -> Labels:
    """Read and check a sidecar; a broken one is an error (a drill must not silently lose its truth)."""
    name = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"no such labels file: {name}") from exc
    except (OSError, ValueError) as exc:
        raise InputError(f"labels {name}: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"labels {name}: want a JSON object")
    events = []
    for i, event in enumerate(data.get("events") or []):
        if not isinstance(event, dict) or "ts" not in event:
            raise InputError(f"labels {name}: events[{i}] wants {{'ts', 'label'}}")
        ts = _time(event, "ts", name)
        assert ts is not None
        events.append((ts, str(event.get("label", ""))))
    planned = []
    for i, obj in enumerate(data.get("planned") or []):
        try:
            planned.append(planned_event_from_obj(obj))
        except (PlannedEventError, TypeError, AttributeError) as exc:
            raise InputError(f"labels {name}: planned[{i}]: {exc}") from exc
        start = planned[-1]
        events.append((start.start_ms, f"planned: {start.name or start.entity}"))
    entity = data.get("entity")
    quiet = data.get("quiet_entities") or []
    if not isinstance(quiet, list):
        raise InputError(f"labels {name}: 'quiet_entities' must be a list")
    return Labels(
        path=name,
        incident=str(data["incident"]) if data.get("incident") else None,
        entity=normalize_entity(entity) if isinstance(entity, str) and entity.strip() else None,
        onset_ms=_time(data, "onset", name),
        peak_ms=_time(data, "peak", name),
        end_ms=_time(data, "end", name),
        quiet_entities=tuple(normalize_entity(str(q)) for q in quiet),
        description=str(data["description"]) if data.get("description") else None,
        events=tuple(sorted(events)),
        planned=tuple(planned),
    )


def find_sidecar(input_path: str) -> Path | None:
    """`examples/x.jsonl` -> `examples/x.labels.json` (also `x.jsonl.gz`, or `x.jsonl.labels.json`)."""
    if input_path == "-":
        return None
    path = Path(input_path)
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    for candidate in (path.with_name(f"{stem}.labels.json"), path.with_name(f"{name}.labels.json")):
        if candidate.is_file():
            return candidate
    return None
