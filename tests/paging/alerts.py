"""Alert events as the engine writes them, for paging tests (no I/O)."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from firestorm.models.alerts import Alert, Drivers

T0 = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)


def routing_key(tag: str = "") -> str:
    """A fresh 32-character routing key (PagerDuty's length), easy to grep for in logs."""
    return (tag + uuid.uuid4().hex)[:32].ljust(32, "0")


def make_alert(
    entity: str = "acme",
    status: str = "triggered",
    severity: str = "warning",
    minute: int = 0,
    opened_minute: int = 0,
    volume: int = 40,
    drill: bool = False,
    **drivers: Any,
) -> Alert:
    """An alert event as the engine writes it: incident `<entity>-<start>`, window `minute`; `drivers`
    that are not Drivers fields go under `drivers.detector` (the detector's own figures)."""
    opened = T0 + timedelta(minutes=opened_minute)
    start = T0 + timedelta(minutes=minute)

    def ms(moment: datetime) -> int:
        return int(moment.timestamp() * 1000)

    figures: dict[str, Any] = {
        "ratio": round(volume / 2.0, 2),
        "top_terms": [("outage", 12), ("refund", 7)],
        "top_hashtags": [(f"#{entity}fail", 5)],
        "top_authors": [{"id": "newsdesk", "followers": 120000}],
        "samples": [
            {"id": f"x:{entity}1", "url": f"https://example.org/{entity}/1"},
            {"id": f"x:{entity}2", "url": f"https://example.org/{entity}/2"},
        ],
        "languages": {"en": volume},
    }
    known = {f.name for f in fields(Drivers)}
    figures.update({k: v for k, v in drivers.items() if k in known})
    for name in ("top_terms", "top_hashtags"):
        figures[name] = [tuple(pair) for pair in figures[name]]
    figures["detector"] = {k: v for k, v in drivers.items() if k not in known}  # the detector's own figures
    return Alert(
        incident_id=f"{entity}-{opened.strftime('%Y%m%dT%H%MZ')}",
        entity=entity,
        status=status,  # type: ignore[arg-type]
        severity=severity,  # type: ignore[arg-type]
        incident_start_ms=ms(opened),
        window_start_ms=ms(start),
        window_end_ms=ms(start + timedelta(minutes=1)),
        detected_at_ms=ms(start + timedelta(minutes=1, seconds=30)),
        volume=volume,
        baseline=2.0,
        score=9.5,
        negative_share=0.8 if severity != "info" else 0.1,
        mean_compound=-0.45 if severity != "info" else 0.4,
        drivers=Drivers(**figures),
        drill=drill,
    )


def lifecycle(entity: str, opened_minute: int = 0) -> list[Alert]:
    """trigger (warning) -> escalate (critical) -> resolve, one incident."""
    return [
        make_alert(entity, "triggered", "warning", opened_minute, opened_minute),
        make_alert(entity, "escalated", "critical", opened_minute + 2, opened_minute, volume=90),
        make_alert(entity, "resolved", "critical", opened_minute + 14, opened_minute, volume=3),
    ]
