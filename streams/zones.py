"""Time zones given on the command line: `--tz` for inputs without an offset, `--display-tz` for output.

Event time stays UTC everywhere inside firestorm; a zone only says how to read a naive input
time, or how to print a time for people, always with its offset so nobody guesses the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import orjson


class ZoneError(ValueError):
    """A zone name that is not in the IANA database."""


def zone(name: str) -> tzinfo:
    """The IANA zone `name` (Europe/Paris, America/New_York, UTC)."""
    if name.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        import difflib

        close = difflib.get_close_matches(name, sorted(available_timezones()), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else " (an IANA name such as Europe/Paris)"
        raise ZoneError(f"unknown time zone {name!r}{hint}") from exc


def zone_label(tz: tzinfo) -> str:
    """How a zone is named in output: UTC, or its IANA key."""
    return "UTC" if tz is UTC else str(getattr(tz, "key", tz))


def localize_ts(value: str, tz: tzinfo) -> str:
    """An ISO-8601 time without an offset, read in `tz`, as ISO-8601 with its offset; others untouched."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return value
    if parsed.tzinfo is not None:
        return value
    return parsed.replace(tzinfo=tz).isoformat()


def localize_json_line(raw: bytes, tz: tzinfo) -> bytes:
    """A mention JSON line whose `ts` has no offset, with the offset of `tz` added; others as they are."""
    if b'"ts"' not in raw:
        return raw
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw
    if not isinstance(obj, dict) or not isinstance(obj.get("ts"), str):
        return raw
    fixed = localize_ts(obj["ts"], tz)
    return raw if fixed == obj["ts"] else orjson.dumps({**obj, "ts": fixed})


def offset_suffix(ms: int, tz: tzinfo) -> str:
    """The offset `tz` has at that instant, as ISO-8601 writes it: `Z` for UTC, `+01:00`, `+02:00` in summer."""
    if tz is UTC:
        return "Z"
    offset = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(tz).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def display_time(ms: int, tz: tzinfo, seconds: bool = True) -> str:
    """Epoch milliseconds as ISO-8601 in `tz`: `...Z` for UTC, `...+01:00` elsewhere."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(tz)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S" if seconds else "%Y-%m-%dT%H:%M")
    return text + offset_suffix(ms, tz)


def clock_time(ms: int, tz: tzinfo) -> str:
    """HH:MM, or HH:MM:SS when the seconds are not zero, in `tz`."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(tz)
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def zoned_clock_time(ms: int, tz: tzinfo) -> str:
    """`clock_time` with the offset of that instant: 07:42Z, 08:42+01:00."""
    return clock_time(ms, tz) + offset_suffix(ms, tz)
