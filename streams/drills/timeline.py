"""The alert timeline a replay prints: one line per alert event, in the zone the user asked for."""

from __future__ import annotations

from datetime import UTC, tzinfo

from firestorm.models.alerts import Alert
from firestorm.streams.zones import display_time

DRILL_MARK = "DRILL "


def timeline_line(alert: Alert, tz: tzinfo = UTC) -> str:
    """`Alert.timeline_line`, its time shown in `tz` (with the offset) and drills marked DRILL."""
    line = alert.timeline_line()
    stamp, sep, rest = line.partition("  ")
    if tz is not UTC:
        stamp = display_time(alert.detected_at_ms, tz)
    return f"{stamp}{sep}{DRILL_MARK if alert.drill else ''}{rest}"
