"""The zone report times are shown in (`replay --display-tz`; UTC by default), always named.

A context variable, set by `write_report` for the duration of one rendering, so the HTML, SVG
and PNG helpers read the same zone without threading it through every function.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

from firestorm.streams.zones import offset_suffix, zone_label, zoned_clock_time

HOUR_MS = 3_600_000
_ZONE: ContextVar[tzinfo] = ContextVar("report_zone", default=UTC)


@contextlib.contextmanager
def showing(tz: tzinfo) -> Iterator[None]:
    token = _ZONE.set(tz)
    try:
        yield
    finally:
        _ZONE.reset(token)


def zone() -> tzinfo:
    return _ZONE.get()


def local(ms: int) -> datetime:
    """Epoch milliseconds as an aware datetime in the report's zone."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(_ZONE.get())


def zone_name() -> str:
    """UTC, or the IANA name with the offset it has at `ms` ... as 'Europe/Paris (UTC+01:00)'."""
    return zone_label(_ZONE.get())


def zone_with_offset(ms: int) -> str:
    tz = _ZONE.get()
    if tz is UTC:
        return "UTC"
    offset = local(ms).strftime("%z")
    return f"{zone_label(tz)} (UTC{offset[:3]}:{offset[3:]})"


def zone_over(first_ms: int, last_ms: int) -> str:
    """The zone and its offsets over a span: 'Europe/Paris (UTC+01:00, UTC+02:00 from 2026-03-29 03:00+02:00)'.

    A replay may cross a clock change: the offset of its first instant alone would mislabel the rest.
    """
    if _ZONE.get() is UTC:
        return "UTC"
    parts = [f"UTC{offset_suffix(first_ms, _ZONE.get())}"]
    previous = offset_suffix(first_ms, _ZONE.get())
    for hour in range(first_ms - first_ms % HOUR_MS + HOUR_MS, last_ms + 1, HOUR_MS):  # clocks change on the hour
        now = offset_suffix(hour, _ZONE.get())
        if now != previous:
            parts.append(f"UTC{now} from {stamp(hour)[:16]}{now}")
            previous = now
    return f"{zone_label(_ZONE.get())} ({', '.join(parts)})"


def stamp(ms: int) -> str:
    """A full time for people: 2026-03-06 08:46:30 in the zone, without its offset (see `when`)."""
    return local(ms).strftime("%Y-%m-%d %H:%M:%S")


def when(ms: int, full: bool = False) -> str:
    """A time in the report's zone with the offset of that instant: 08:46:30+01:00, 07:42Z;
    `full` adds the date: 2026-03-06 08:46:30+01:00."""
    if full:
        return stamp(ms) + offset_suffix(ms, _ZONE.get())
    return zoned_clock_time(ms, _ZONE.get())
