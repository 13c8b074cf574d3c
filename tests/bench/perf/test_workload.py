"""The many-entity workload: seeded bytes, exact size, skew, languages, copies, storms."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.perf.workload import (
    LATE_MAX_MS,
    MINUTE_MS,
    Shape,
    cached,
    events,
    iter_lines,
    iter_mentions,
    main,
    summary,
    write,
)
from bench.throughput.data import entity_names
from firestorm.models.records import decode_mention
from firestorm.models.vader_fast import EnglishVader, FrenchVader

ROOT = Path(__file__).resolve().parents[3]
SMALL = Shape(mentions=6_000, entities=40, days=1.0, seed=5)


@pytest.fixture(scope="module")
def small() -> list[dict[str, Any]]:
    return list(iter_mentions(SMALL))


def test_same_arguments_same_bytes_and_another_seed_other_bytes() -> None:
    shape = Shape(mentions=1_500, entities=12, days=0.5, seed=3)
    first = b"\n".join(iter_lines(shape))
    assert first == b"\n".join(iter_lines(shape))
    assert first != b"\n".join(iter_lines(Shape(mentions=1_500, entities=12, days=0.5, seed=4)))


def test_the_cli_writes_the_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    shape = Shape(mentions=800, entities=9, days=0.25, seed=8)
    expected = tmp_path / "here.jsonl"
    assert write(shape, expected) == 800
    for hash_seed in ("1", "2"):
        out = tmp_path / f"cli-{hash_seed}.jsonl"
        args = ["--mentions", "800", "--entities", "9", "--days", "0.25", "--seed", "8", str(out)]
        done = subprocess.run(
            [sys.executable, "-m", "bench.perf.workload", *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert "800 mentions, 9 entities" in done.stdout
        assert out.read_bytes() == expected.read_bytes()


def test_exact_count_valid_mentions_unique_ids_and_nearly_ordered(small: list[dict[str, Any]]) -> None:
    assert len(small) == SMALL.mentions
    assert len({m["id"] for m in small}) == len(small)
    for obj in small[:500]:
        decode_mention(orjson.dumps(obj))  # the mention contract accepts them
    latest, late = 0, 0
    for obj in small:
        assert obj["ts"] >= latest - LATE_MAX_MS  # never later than the engine's lateness allows
        late += obj["ts"] < latest
        latest = max(latest, obj["ts"])
    assert 0 < late < 0.03 * len(small)
    span = max(m["ts"] for m in small) - min(m["ts"] for m in small)
    assert 0.9 * 1440 * MINUTE_MS < span <= 1440 * MINUTE_MS


def test_popularity_is_skewed_with_a_sparse_tail(small: list[dict[str, Any]]) -> None:
    per_entity = Counter(m["entity"] for m in small)
    counts = sorted(per_entity.values(), reverse=True)
    assert counts[0] > 8 * statistics.median(counts)
    times: dict[str, list[int]] = defaultdict(list)
    for m in small:
        times[m["entity"]].append(m["ts"])
    longest = {
        e: max(b - a for a, b in zip(sorted(t), sorted(t)[1:], strict=False)) for e, t in times.items() if len(t) > 1
    }
    hours_long = [e for e, gap in longest.items() if gap > 60 * MINUTE_MS]
    assert len(hours_long) >= 5  # sparse entities: hours without a mention


def test_daily_cycle_nights_are_quieter(small: list[dict[str, Any]]) -> None:
    by_hour = Counter((m["ts"] // 3_600_000) % 24 for m in small)
    assert by_hour[16] > 2.5 * by_hour[4]


def test_languages_and_lang_field(small: list[dict[str, Any]]) -> None:
    about = summary(orjson.dumps(m) for m in small)
    assert 0.45 < about["lang_present"] < 0.55
    assert 0.15 < about["french_of_lang"] < 0.25
    assert about["entities"] == 40


def test_copies_share_roughly_as_asked_and_other_texts_are_mostly_distinct(small: list[dict[str, Any]]) -> None:
    def copies(mentions: list[dict[str, Any]]) -> float:
        seen: dict[str, set[str]] = defaultdict(set)
        copied = 0
        for m in mentions:
            copied += m["text"] in seen[m["entity"]]
            seen[m["entity"]].add(m["text"])
        return copied / len(mentions)

    assert 0.17 < copies(small) < 0.27  # 20% asked, plus the few originals that repeat by chance
    assert 0.12 < sum("repost_of" in m for m in small) / len(small) < 0.18  # three in four copies say so
    originals = [m["text"] for m in small if "repost_of" not in m]
    assert len(set(originals)) > 0.8 * len(originals)
    none = list(iter_mentions(Shape(mentions=2_000, entities=10, days=0.5, seed=5, copy_share=0.0)))
    assert not any("repost_of" in m for m in none)
    assert copies(none) < 0.1


def test_storms_bring_a_surge_of_negative_texts() -> None:
    shape = Shape(mentions=20_000, entities=30, days=1.0, seed=2, storms=1)
    (storm,) = [e for e in events(shape) if e.kind == "storm"]
    name = entity_names(shape.entities)[storm.entity]
    en, fr = EnglishVader(), FrenchVader()
    per_minute: Counter[int] = Counter()
    inside, outside = [], []
    top = shape.start_ms + (storm.start + storm.ramp) * MINUTE_MS
    for m in iter_mentions(shape):
        if m["entity"] != name:
            continue
        minute = (m["ts"] - shape.start_ms) // MINUTE_MS
        per_minute[minute] += 1
        score = (fr if m.get("lang") == "fr" else en).compound(m["text"])
        (inside if top <= m["ts"] < top + storm.plateau * MINUTE_MS else outside).append(score)
    quiet = statistics.median(per_minute[m] for m in range(storm.start - 120, storm.start))
    peak = max(per_minute[m] for m in range(storm.start, storm.end))
    assert peak >= max(15, 5 * quiet)
    assert sum(s <= -0.05 for s in inside) / len(inside) > 2 * sum(s <= -0.05 for s in outside) / len(outside)


def test_a_few_storms_and_many_bursts_by_default() -> None:
    plan = events(Shape(mentions=1_000, entities=200, days=2.0))
    assert sum(e.kind == "storm" for e in plan) == 3
    assert sum(e.kind == "burst" for e in plan) == 100


def test_shape_checks_and_cache_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Shape(mentions=10, entities=0)
    with pytest.raises(ValueError):
        Shape(mentions=10, lang_share=1.5)
    keys = {
        Shape(10).key(),
        Shape(11).key(),
        Shape(10, entities=3).key(),
        Shape(10, days=1.5).key(),
        Shape(10, seed=2).key(),
    }
    assert len(keys) == 5
    shape = Shape(mentions=300, entities=4, days=0.1)
    path = cached(shape, tmp_path)
    stamp = path.stat().st_mtime_ns
    assert cached(shape, tmp_path) == path and path.stat().st_mtime_ns == stamp  # generated once
    assert len(path.read_bytes().splitlines()) == 300
    assert not list(tmp_path.glob("*.partial-*"))


def test_main_writes_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "w.jsonl"
    assert main(["--mentions", "200", "--entities", "3", "--days", "0.1", str(out)]) == 0
    assert len(out.read_bytes().splitlines()) == 200
    assert "200 mentions, 3 entities" in capsys.readouterr().out
