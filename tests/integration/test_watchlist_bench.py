"""bench/perf/watchlist.py on the real broker at its smallest: it runs, and what it reports holds."""

from __future__ import annotations

import pytest

from bench.perf.watchlist import main


def test_the_watch_list_bench_reports_rate_changelog_and_restart(
    kafka: int, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--watched", "60", "--speaking", "10", "--minutes", "5", "--port", str(kafka)]
    assert main(args) == 0
    out = capsys.readouterr().out
    for row in (
        "| 60 watched: event time / wall time, start-up included |",
        "| 60 watched: changelog per minute of event time |",
        "| 60 watched: restart until a mention of each partition is processed |",
    ):
        assert row in out, out
    assert "restart resumed 60 entities on 4 partitions" in out, out
    assert "changelog records compacted away by the broker" in out, out
