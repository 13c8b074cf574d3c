"""How the HTML report writes times and shares (in the report's zone, with its offset)."""

from __future__ import annotations

from firestorm.models.timeutil import TimestampError, parse_ts
from firestorm.streams.drills.report.clock import when


def t(ms: int | None, full: bool = False) -> str:
    """A time in the report's zone, always with its offset (08:46:30+01:00, 07:42Z); '-' when unknown."""
    return "-" if ms is None else when(ms, full)


def pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0%}"


def t_iso(iso: str) -> str:
    """An alert's ISO-8601 UTC time, shown like every other time of the report (its zone, its offset)."""
    try:
        return t(parse_ts(iso), full=True)
    except TimestampError:
        return iso
