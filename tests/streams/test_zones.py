"""Times shown to people carry the offset their zone has at that instant (summer time included)."""

from __future__ import annotations

from datetime import UTC

from firestorm.models.timeutil import parse_ts
from firestorm.streams.zones import display_time, offset_suffix, zone, zoned_clock_time

PARIS = zone("Europe/Paris")
BEFORE = parse_ts("2026-03-28T09:00:00Z")  # Paris in winter time, UTC+01:00
AFTER = parse_ts("2026-03-29T09:00:30Z")  # after the clock change of that night, UTC+02:00


def test_utc_is_written_z() -> None:
    assert offset_suffix(BEFORE, UTC) == "Z"
    assert zoned_clock_time(BEFORE, UTC) == "09:00Z"
    assert display_time(BEFORE, UTC) == "2026-03-28T09:00:00Z"


def test_the_offset_is_the_one_of_each_instant() -> None:
    assert zoned_clock_time(BEFORE, PARIS) == "10:00+01:00"
    assert zoned_clock_time(AFTER, PARIS) == "11:00:30+02:00"
    assert display_time(AFTER, PARIS) == "2026-03-29T11:00:30+02:00"
