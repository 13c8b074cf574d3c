"""OffsetGuard: which records a partition's state already counts, and where a hole starts."""

from __future__ import annotations

from firestorm.streams.kafka.offsets import OffsetGuard


def test_an_unknown_start_takes_whatever_comes_first() -> None:
    guard = OffsetGuard()
    verdict = guard.check(1234)
    assert not verdict.skip and verdict.gap_start is None
    guard.accept(1234)
    assert guard.next_offset == 1235


def test_the_expected_offset_is_processed_without_a_gap() -> None:
    guard = OffsetGuard(10)
    for offset in range(10, 15):
        verdict = guard.check(offset)
        assert not verdict.skip and verdict.gap_start is None
        guard.accept(offset)
    assert guard.next_offset == 15


def test_records_below_the_expected_offset_are_skipped() -> None:
    guard = OffsetGuard(10)
    assert [guard.check(offset).skip for offset in (7, 8, 9, 10)] == [True, True, True, False]
    assert guard.next_offset == 10  # skipping does not move it


def test_a_record_past_the_expected_offset_reports_the_hole_before_it() -> None:
    guard = OffsetGuard(10)
    verdict = guard.check(25)
    assert not verdict.skip and verdict.gap_start == 10  # records 10..24 are missing
    guard.accept(25)
    assert guard.check(26).gap_start is None


def test_an_expectation_past_the_end_of_the_log_is_forgotten() -> None:
    # The topic was deleted and created again: offsets restart from 0.
    guard = OffsetGuard(5_000)
    assert guard.check(3).skip
    assert not guard.reset_if_beyond(log_end=6_000)  # a real redelivery: keep skipping
    assert guard.reset_if_beyond(log_end=40)
    assert guard.next_offset is None and not guard.check(3).skip


def test_an_unknown_log_end_changes_nothing() -> None:
    guard = OffsetGuard(5_000)
    assert not guard.reset_if_beyond(log_end=None)
    assert guard.next_offset == 5_000
