"""The zone report times are shown in (`replay --display-tz`; UTC by default), always named.

A context variable, set by `write_report` for the duration of one rendering, so the HTML, SVG
and PNG helpers read the same zone without threading it through every function.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

from firestorm.streams.zones import zone_label

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


def stamp(ms: int) -> str:
    """A full time for people: 2026-03-06 08:46:30 in the zone (the zone is named nearby)."""
    return local(ms).strftime("%Y-%m-%d %H:%M:%S")
