"""`python -m bench.perf` end to end at its smallest: the tables it prints and writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.perf.month import DrillResult, firestorm_command, run_drill
from bench.perf.run import main
from bench.perf.workload import Shape, write


def test_smallest_run_writes_the_ratio_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "perf.md"
    args = ["--runs", "1", "--mentions", "3000", "--entities", "20", "--days", "0.5", "--skip", "windows"]
    args += ["--skip", "scale"]  # tests/bench/perf/test_scale.py
    assert main([*args, "--cache-dir", str(tmp_path / "cache"), "--markdown", str(out)]) == 0
    text = out.read_text()
    assert text.strip() == capsys.readouterr().out.strip()
    for row in (
        "| naive loop (json.loads + stock VADER + (entity, minute) dict) |",
        "| raw loop (orjson + fast VADER scorer) |",
        "| embedded replay (default EngineSettings) |",
        "| replay / naive |",
        "| replay / raw |",
        "| embedded replay | ",  # the phase table
        "load average (1/5/15 min) before",
        "Python 3.",
        "3,000 mentions, 20 entities",
        "3,000 consumed",
    ):
        assert row in text, row
    assert ">= 1.0x |" in text and ">= 0.5x |" in text
    assert "us/window" not in text  # windows skipped
    assert len(list((tmp_path / "cache").glob("mentions-*.jsonl"))) == 1


def test_window_costs_only(tmp_path: Path) -> None:
    out = tmp_path / "windows.md"
    skips = ["--skip", "naive", "--skip", "raw", "--skip", "replay", "--skip", "scale"]
    args = ["--runs", "1", "--mentions", "200", "--entities", "4", "--days", "0.1", *skips]
    sizes = ["--idle-entities", "300", "--idle-minutes", "1"]
    assert main([*args, *sizes, "--cache-dir", str(tmp_path), "--markdown", str(out)]) == 0
    text = out.read_text()
    for row in (
        "| busy window (4 warm entities, 3 mentions/min) |",
        "| empty window (4 entities fed 2 h first, every window closed) |",
        "| 300 idle entities, per minute of event time |",
        "| 300 entities compressed 10 windows into a sleep, once |",
        "| idle run: 1,000 empty windows in one advance and catch-up |",
        "catch-up) learns 1,000 windows",
    ):
        assert row in text, row
    assert "replay / naive" not in text


def test_month_drill_at_its_smallest(tmp_path: Path) -> None:
    out = tmp_path / "month.md"
    args = ["--month", "--month-mentions", "2000", "--month-entities", "5", "--month-days", "0.5"]
    assert main([*args, "--cache-dir", str(tmp_path), "--markdown", str(out)]) == 0
    text = out.read_text()
    for row in (
        "| wall time |",
        "| peak RSS |",
        "| RSS at 25% of the run |",
        "| RSS at 100% / at 25% |",
        "projected to 20M",
    ):
        assert row in text, row
    assert "did not finish" not in text
    assert "- command: " in text and " replay " in text and "-q --no-progress" in text
    assert "replayed 2000 mentions" in text  # the child's own summary


def test_drill_samples_the_child_and_reads_its_rusage(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    write(Shape(mentions=500, entities=3, days=0.1), path)
    result = run_drill(path, 500, tmp_path / "drill.log")
    assert result.returncode == 0
    assert result.samples and all(rss > 0 for _t, rss in result.samples)
    assert result.peak_rss_kib >= max(rss for _t, rss in result.samples)
    assert result.cpu_s > 0 and result.rate > 0
    assert result.command == firestorm_command(path)


def test_rss_at_fractions_and_flatness() -> None:
    result = DrillResult([], 100, 10.0, 9.0, 2000, 0, samples=[(0.5, 100), (3.0, 1000), (6.0, 1100), (9.9, 1200)])
    assert [result.rss_at(f) for f in (0.0, 0.25, 0.5, 0.75, 1.0)] == [100, 100, 1000, 1100, 1200]
    assert result.flat_ratio == 12.0 and not result.flat
    steady = DrillResult([], 100, 10.0, 9.0, 2000, 0, samples=[(1.0, 1000), (5.0, 1050), (9.0, 1100)])
    assert steady.flat and steady.projected_s(1_000) == 100.0


def test_the_month_drill_sees_how_far_the_replay_has_read(tmp_path: Path) -> None:
    import subprocess
    import sys

    from bench.perf.month import read_fraction

    path = tmp_path / "data.jsonl"
    path.write_bytes(b"x" * 1000)
    code = f"f = open({str(path)!r}, 'rb', buffering=0); f.read(250); print('ready', flush=True); input()"
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        assert read_fraction(child.pid, path) == 0.25
        assert read_fraction(child.pid, tmp_path / "other") is None
    finally:
        child.communicate(b"\n", timeout=10)
