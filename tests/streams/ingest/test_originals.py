"""The matched posts remembered for their reposts: kept across a restart, bounded on disk."""

from __future__ import annotations

from pathlib import Path

from firestorm.streams.ingest.originals import FILE_NAME, RecentOriginals


def test_what_was_flushed_is_remembered_by_the_next_process_and_what_was_not_is_not(tmp_path: Path) -> None:
    first = RecentOriginals(10, tmp_path)
    first.remember("a", ("skyway",), "SkyWay cancelled my flight", "en")
    first.flush()
    first.remember("b", ("lumiere",), "pas encore flushé", "fr")  # its batch was never acked
    second = RecentOriginals(10, tmp_path)
    assert second.get("a") == (("skyway",), "SkyWay cancelled my flight", "en")
    assert "b" not in second


def test_a_line_cut_by_a_crash_is_skipped(tmp_path: Path) -> None:
    first = RecentOriginals(10, tmp_path)
    first.remember("a", ("skyway",), "one", None)
    first.flush()
    with (tmp_path / FILE_NAME).open("ab") as file:
        file.write(b'["b",["skyw')
    second = RecentOriginals(10, tmp_path)
    assert len(second) == 1 and second.get("a") == (("skyway",), "one", None)


def test_the_file_is_rewritten_with_the_newest_entries_once_it_holds_twice_the_capacity(tmp_path: Path) -> None:
    originals = RecentOriginals(3, tmp_path)
    for i in range(20):
        originals.remember(str(i), ("skyway",), f"post {i}", "en")
        originals.flush()
        assert len((tmp_path / FILE_NAME).read_bytes().splitlines()) <= 6
    again = RecentOriginals(3, tmp_path)
    assert [again.get(str(i)) is not None for i in range(20)] == [False] * 17 + [True] * 3


def test_without_a_directory_nothing_is_written(tmp_path: Path) -> None:
    originals = RecentOriginals(2)
    originals.remember("a", ("skyway",), "one", "en")
    originals.flush()
    assert originals.get("a") is not None and list(tmp_path.iterdir()) == []
