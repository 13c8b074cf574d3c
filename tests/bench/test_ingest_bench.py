"""bench/ingest.py runs and counts what it matched (its speed is reported by the benchmark, not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from bench.ingest import brands, frames, watch_list
from firestorm.streams.ingest.jetstream import post_from_event

ROOT = Path(__file__).resolve().parents[2]


def test_generated_frames_are_jetstream_posts_and_some_name_a_brand() -> None:
    names = brands(100)
    data = frames(500, names, match_share=0.2)
    matcher = watch_list(names)
    posts = [post_from_event(orjson.loads(f)) for f in data]
    assert all(p is not None and not isinstance(p, str) for p in posts)
    named = sum(1 for p in posts if matcher.match(p.text, p.lang))  # type: ignore[union-attr]
    assert 60 <= named <= 140  # about a fifth (seeded), a few dropped by their language


def test_the_benchmark_command_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.ingest", "--frames", "2000", "--entities", "200"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "posts/s" in result.stdout and "200 watched entities" in result.stdout
