"""`replay --plan FILE`: planned events to rehearse in a replay, without Kafka.

A drill can then show what a `firestorm plan` (an uplift, a mute) would have done to the alerts.
The fields are those of `firestorm plan` and of `planned` in a labels file: entity, start, end,
uplift, mute, name, checked by the same `planned_event_from_obj` the worker's calendar uses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from firestorm.models.planned import PlannedEvent, PlannedEventError, planned_event_from_obj
from firestorm.streams.formats.base import InputError

FIELDS = "entity, start, end, and optionally uplift, mute, name"


def _objects(text: str, name: str) -> list[tuple[str, Any]]:
    """(where, object) for a JSON object, a JSON list of them, or JSON lines."""
    try:
        data = json.loads(text)
    except ValueError:
        out = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append((f"line {number}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise InputError(f"--plan {name} line {number}: not JSON ({exc.msg}); want {FIELDS}") from None
        return out
    if isinstance(data, list):
        return [(f"item {i}", item) for i, item in enumerate(data)]
    return [("", data)]


def load_plan_file(path: str | Path) -> list[PlannedEvent]:
    """The planned events of a file; any bad one is an error (a drill must not silently lose its plan)."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no such --plan file: {name}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--plan {name}: cannot read it ({exc}); want JSON with {FIELDS}") from None
    events = []
    for where, obj in _objects(text, name):
        at = f"--plan {name}" + (f" {where}" if where else "")
        if not isinstance(obj, dict):
            raise InputError(f"{at}: want a JSON object with {FIELDS}")
        unknown = sorted(set(obj) - {"entity", "start", "end", "uplift", "mute", "name"})
        if unknown:
            raise InputError(f"{at}: unknown field {', '.join(unknown)}; want {FIELDS}")
        try:
            events.append(planned_event_from_obj(obj))
        except PlannedEventError as exc:
            raise InputError(f"{at}: {exc}") from None
    if not events:
        raise InputError(f"--plan {name}: no planned event in it; want {FIELDS}")
    return events
