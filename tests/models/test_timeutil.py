from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from firestorm.models.timeutil import MAX_TS_MS, MIN_TS_MS, TimestampError, iso_utc, parse_duration_ms, parse_ts

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def exact_ms(dt: datetime) -> int:
    """Epoch milliseconds in integer arithmetic (floor), the reference for parse_ts."""
    return (dt - EPOCH) // timedelta(milliseconds=1)


class TestParseTs:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-03-06T07:42:00Z", 1_772_782_920_000),
            ("2026-03-06T07:42:00+00:00", 1_772_782_920_000),
            ("2026-03-06T08:42:00+01:00", 1_772_782_920_000),
            ("2026-03-06T02:12:00-05:30", 1_772_782_920_000),
            ("2026-03-06T07:42:00.250Z", 1_772_782_920_250),
            ("  2026-03-06T07:42:00Z  ", 1_772_782_920_000),
        ],
    )
    def test_iso_with_zone(self, text: str, expected: int) -> None:
        assert parse_ts(text) == expected

    def test_integer_milliseconds_pass_through(self) -> None:
        assert parse_ts(1_772_782_920_123) == 1_772_782_920_123

    def test_iso_and_integer_agree(self) -> None:
        assert parse_ts(iso_utc(1_772_782_920_000)) == parse_ts(1_772_782_920_000)

    @pytest.mark.parametrize(
        "text",
        # Values where float seconds * 1000 lands just below the integer millisecond.
        ["2004-04-17T19:04:30.370Z", "2039-05-03T04:12:37.765Z", "2038-07-19T07:35:20.233Z"],
    )
    def test_millisecond_fraction_is_exact(self, text: str) -> None:
        assert parse_ts(text) == exact_ms(datetime.fromisoformat(text))

    def test_no_zone_is_an_error(self) -> None:
        with pytest.raises(TimestampError, match="no time zone"):
            parse_ts("2026-03-06T07:42:00")

    @pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", ""])
    def test_not_iso_is_an_error(self, value: str) -> None:
        with pytest.raises(TimestampError):
            parse_ts(value)

    @pytest.mark.parametrize("value", [True, False, 1.7e12, None, [1], {"ms": 1}])
    def test_other_types_are_errors(self, value: object) -> None:
        with pytest.raises(TimestampError, match="ISO-8601 string or integer"):
            parse_ts(value)

    @pytest.mark.parametrize(
        "value",
        [
            1_772_782_920,  # seconds sent as milliseconds: 1970
            1_772_782_920_000_000,  # microseconds
            MIN_TS_MS - 1,
            MAX_TS_MS,
            "1999-12-31T23:59:59Z",
            "2100-01-01T00:00:00Z",
        ],
    )
    def test_out_of_range(self, value: object) -> None:
        with pytest.raises(TimestampError, match="out of range"):
            parse_ts(value)

    def test_range_edges(self) -> None:
        assert parse_ts(MIN_TS_MS) == MIN_TS_MS
        assert parse_ts(MAX_TS_MS - 1) == MAX_TS_MS - 1
        assert parse_ts("2000-01-01T00:00:00Z") == MIN_TS_MS

    def test_error_is_a_value_error(self) -> None:
        assert issubclass(TimestampError, ValueError)


class TestIsoUtc:
    def test_format_and_truncation_to_second(self) -> None:
        assert iso_utc(1_772_782_920_000) == "2026-03-06T07:42:00Z"
        assert iso_utc(1_772_782_920_999) == "2026-03-06T07:42:00Z"

    def test_round_trip(self) -> None:
        for ms in (MIN_TS_MS, 1_772_782_920_000, MAX_TS_MS - 1000):
            assert parse_ts(iso_utc(ms)) == ms


class TestParseDuration:
    @pytest.mark.parametrize(
        ("text", "ms"),
        [
            ("500ms", 500),
            ("30s", 30_000),
            ("1m", 60_000),
            ("5m", 300_000),
            ("2h", 7_200_000),
            ("1d", 86_400_000),
            ("1.5m", 90_000),
            ("90", 90_000),  # bare numbers are seconds
            (" 2 m ", 120_000),
        ],
    )
    def test_units(self, text: str, ms: int) -> None:
        assert parse_duration_ms(text) == ms

    @pytest.mark.parametrize("text", ["", "m", "5x", "-5s", "1m30s", "five minutes", "1e3s"])
    def test_rejects_garbage(self, text: str) -> None:
        with pytest.raises(ValueError, match="not a duration"):
            parse_duration_ms(text)

    @pytest.mark.parametrize("text", ["0", "0s", "0ms", "0.0m"])
    def test_zero_rejected_by_default(self, text: str) -> None:
        with pytest.raises(ValueError, match="positive"):
            parse_duration_ms(text)

    @pytest.mark.parametrize("text", ["0", "0s", "0ms"])
    def test_zero_allowed_on_request(self, text: str) -> None:
        assert parse_duration_ms(text, allow_zero=True) == 0

    @pytest.mark.parametrize("text", ["0.5ms", "0.0004s"])
    def test_sub_millisecond_is_not_a_positive_duration(self, text: str) -> None:
        # These round down to 0 ms, which would make e.g. a zero-length window.
        with pytest.raises(ValueError):
            parse_duration_ms(text)
