"""The throughput benchmark's pure parts: rates from offset samples, percentiles, the table, the data."""

from __future__ import annotations

import math
import sys

import orjson
import pytest

from bench.throughput.data import TextMaker, Workload, encoded, iter_mentions
from bench.throughput.stats import Row, percentile, sustained_rate, table
from firestorm.models.records import decode_mention


def test_sustained_rate_leaves_out_start_up_and_tail() -> None:
    # 10 s of start-up at 0, then 1,000/s for 100 s, then a slow tail
    samples = [(float(t), 0) for t in range(10)]
    samples += [(10.0 + t, 1000 * t) for t in range(101)]
    samples += [(111.0 + t, 100_000 + 10 * t) for t in range(10)]
    assert sustained_rate(samples, total=100_100) == pytest.approx(1000.0)


def test_sustained_rate_of_a_short_run_uses_the_samples_that_moved() -> None:
    samples = [(0.0, 0), (1.0, 0), (2.0, 500), (3.0, 1000)]
    assert sustained_rate(samples, total=1000, low=0.9, high=0.95) == pytest.approx(500.0)
    assert sustained_rate([(0.0, 0)], total=10) == 0.0


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 99) == 99.0
    assert percentile(values, 50) == 50.0
    assert percentile([3.0], 99) == 3.0
    assert math.isnan(percentile([], 99))


def test_table_has_median_runs_and_goal() -> None:
    row = Row("worker", "mentions/s", [5000.0, 7000.0, 6000.0], goal=">= 8,000/s", met=False)
    ratio = Row("ratio", "x", [1.5, 1.7])
    text = table([row, ratio])
    assert "| worker | 6,000 mentions/s | 5,000, 7,000, 6,000 | >= 8,000/s | **no** |" in text
    assert "| ratio | 1.60x | 1.50x, 1.70x |  |  |" in text


def test_workload_is_deterministic_valid_and_mostly_english() -> None:
    work = Workload(2000, entities=50, seed=3)
    values = encoded(work)
    assert values == encoded(work)
    mentions = [decode_mention(v) for v in values]
    english = sum(m.lang == "en" for m in mentions) / len(mentions)
    assert 0.75 < english < 0.85
    assert len({m.entity for m in mentions}) > 25
    times = [m.ts_ms for m in mentions]
    assert times == sorted(times)
    assert len({m.id for m in mentions}) == len(mentions)


def test_text_maker_renders_both_languages() -> None:
    maker = TextMaker(1)
    english, french = maker.texts("en", 50), maker.texts("fr", 50)
    assert all(isinstance(t, str) and t for t in english + french)
    assert len(set(english)) > 30
    assert sum(("le " in t or "la " in t or "les " in t) for t in french) > 5
    objs = list(iter_mentions(Workload(5)))
    assert orjson.loads(orjson.dumps(objs[0]))["lang"] in ("en", "fr")


def test_deep_size_counts_each_object_once() -> None:
    from array import array

    from bench.throughput.probes import deep_size

    floats = [1.5, 2.5]
    assert deep_size(floats) == sys.getsizeof(floats) + 2 * sys.getsizeof(1.5)
    shared = {"a": floats, "b": floats}
    assert deep_size(shared) == sys.getsizeof(shared) + 2 * sys.getsizeof("a") + deep_size(floats)
    assert deep_size(array("d", [0.0] * 168)) == sys.getsizeof(array("d", [0.0] * 168))
