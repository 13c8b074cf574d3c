"""bench/perf/scale.py (issue 23): the entity-scale table at its smallest, and what it measures."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bench.perf.run import main
from bench.perf.scale import (
    DORMANT_RESIDENT_GOAL,
    DORMANT_SERIALIZED_GOAL,
    SPEAKS,
    changelog_bytes,
    dormant_entity_bytes,
    quiet_lines,
    replay_child,
    with_quiet,
)
from bench.perf.workload import Shape, cached


def test_quiet_entities_are_merged_into_the_perf_file(tmp_path: Path) -> None:
    base = cached(Shape(mentions=500, entities=5, days=0.5), tmp_path)
    merged = with_quiet(base, 40, tmp_path)
    objs = [orjson.loads(line) for line in merged.read_bytes().splitlines()]
    assert len(objs) == 500 + 40 * SPEAKS
    # The perf file's own order (late mentions included) is kept; the quiet ones are in time order.
    assert [o for o in objs if not o["entity"].startswith("watched-")] == [
        orjson.loads(line) for line in base.read_bytes().splitlines()
    ]
    quiet = [int(o["ts"]) for o in objs if o["entity"].startswith("watched-")]
    assert quiet == sorted(quiet)
    assert len({o["entity"] for o in objs if o["entity"].startswith("watched-")}) == 40
    assert quiet_lines(3, 0) == quiet_lines(3, 0)  # seeded: the same file every run


def test_the_changelog_follows_the_speaking_entities_not_the_watched_ones() -> None:
    few = changelog_bytes(200, speaking=20, minutes=4, warm=3)
    many = changelog_bytes(2_000, speaking=20, minutes=4, warm=3)
    # A speaking entity is written when it speaks and when its window closes, then sleeps.
    assert few["entities_written_per_minute"] == many["entities_written_per_minute"] <= 2 * 20
    assert many["dormant"] >= 2_000 - 2 * 20
    assert many["bytes_per_minute"] < 2 * few["bytes_per_minute"]


def test_a_dormant_entity_is_small_in_memory_and_in_the_changelog() -> None:
    res = dormant_entity_bytes(entities=100, days=0.6)
    assert res["dormant"] == 100
    assert 0 < res["serialized_bytes"] <= res["serialized_max"] <= DORMANT_SERIALIZED_GOAL
    assert 0 < res["resident_bytes"] <= DORMANT_RESIDENT_GOAL


def test_a_replay_child_reports_rate_memory_and_windows(tmp_path: Path) -> None:
    path = with_quiet(cached(Shape(mentions=400, entities=4, days=0.2), tmp_path), 10, tmp_path)
    res = replay_child(path)
    assert res["mentions"] == 400 + 10 * SPEAKS
    assert res["rate"] > 0 and res["peak_rss_mib"] >= res["rss_before_mib"] > 0
    assert res["windows_closed"] > 0


def test_bench_perf_prints_the_entity_scale_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    skips = ["--skip", "naive", "--skip", "raw", "--skip", "replay", "--skip", "windows"]
    args = ["--runs", "1", "--mentions", "300", "--entities", "4", "--days", "0.2", *skips]
    sizes = [
        "--quiet",
        "30",
        "--watched",
        "100",
        "--speaking",
        "10",
        "--dormant-entities",
        "20",
        "--dormant-days",
        "0.3",
    ]
    assert main([*args, *sizes, "--cache-dir", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    for row in (
        "### Entity scale (issue 23)",
        "| replay, 4 busy entities alone |",
        "| peak RSS, 4 busy entities + 30 quiet |",
        "| rate with 30 quiet / alone |",
        "| more peak RSS with 30 quiet |",
        "| changelog, 100 watched, 10 speaking a minute |",
        "| a dormant entity, resident |",
    ):
        assert row in text, row


def test_a_child_reports_its_own_peak_memory_not_its_parents() -> None:
    """ru_maxrss survives fork and exec: a replay child of a big benchmark process would report the
    parent's peak (every row of the scale table read 1,599 MiB once). VmHWM is the child's own."""
    import subprocess
    import sys

    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    code = "from bench.perf.scale import peak_rss_kib; print(peak_rss_kib() / 1024)"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(child.stdout) < 200, child.stdout
    del ballast
