"""Event-time helpers: parse mention timestamps, format UTC, parse durations."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# Mentions outside this range are rejected: they are almost always unit mistakes
# (seconds sent as milliseconds, or the reverse) and would wreck the watermark.
MIN_TS_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
MAX_TS_MS = 4_102_444_800_000  # 2100-01-01T00:00:00Z

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


class TimestampError(ValueError):
    """A timestamp that cannot be turned into event time."""


def parse_ts(value: object) -> int:
    """Return epoch milliseconds for an ISO-8601 string with a zone or an int of ms."""
    if isinstance(value, bool):
        raise TimestampError("ts must be an ISO-8601 string or integer epoch milliseconds")
    if isinstance(value, int):
        ms = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise TimestampError(f"ts is not ISO-8601: {value[:40]!r}") from exc
        if parsed.tzinfo is None:
            raise TimestampError(f"ts has no time zone: {value[:40]!r}")
        ms = (parsed - _EPOCH) // timedelta(milliseconds=1)
    else:
        raise TimestampError("ts must be an ISO-8601 string or integer epoch milliseconds")
    if not MIN_TS_MS <= ms < MAX_TS_MS:
        raise TimestampError(f"ts out of range (years 2000-2099): {value!r}")
    return ms


def iso_utc(ms: int) -> str:
    """Format epoch milliseconds as ISO-8601 UTC with a trailing Z, to the second."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_duration_ms(text: str, allow_zero: bool = False) -> int:
    """Parse '90s', '1m', '5m', '2h', '500ms' (bare numbers are seconds) to milliseconds."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (expected e.g. 30s, 1m, 5m, 1h)")
    number, unit = match.groups()
    ms = int(float(number) * _UNIT_MS[unit or "s"])
    if ms < 0 or (ms == 0 and not allow_zero):
        raise ValueError(f"duration must be positive (at least 1ms): {text!r}")
    return ms
