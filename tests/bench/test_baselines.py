"""The comparison detectors: episodes, thresholds, and the engine feed's bookkeeping."""

from __future__ import annotations

import numpy as np

from bench.detection.baselines import HourVsHalfDay, StaticThreshold, baseline_alerts, episode_starts
from bench.detection.cli import parse_seeds
from bench.detection.engine_feed import engine_detectors, run_engines
from bench.detection.scenarios import MINUTE_MS, generate_entity


def test_episodes_rearm_after_30_quiet_minutes() -> None:
    condition = np.zeros(200, dtype=bool)
    condition[[1, 2, 3]] = True
    condition[3 + 30] = True  # 29 false minutes between: same episode
    condition[33 + 31] = True  # 30 false minutes between: a new page
    assert episode_starts(condition) == [1, 64]
    assert episode_starts(np.zeros(5, dtype=bool)) == []


def test_static_threshold_and_hourly_rule() -> None:
    series = generate_entity(3, 1, weeks=1)
    static = StaticThreshold(2.0)
    k = static.threshold(series.counts, series.learn_minutes)
    assert k >= 3 and k == max(3, int(np.ceil(2.0 * np.quantile(series.counts[: series.learn_minutes], 0.999))))
    assert not static.condition(series)[: series.learn_minutes].any()
    series.background[:] = 2
    series.extra[:] = 0
    series.background[3000:3030] = 40
    fired = np.flatnonzero(HourVsHalfDay(ratio=3.0, min_volume=20).condition(series))
    assert fired.size and fired[0] >= 3000 and fired[-1] < 3000 + 60 + 30
    alerts = baseline_alerts(HourVsHalfDay(ratio=3.0, min_volume=20), series, "k")
    assert len(alerts) == 1 and alerts[0].time_ms == series.start_ms + (fired[0] + 1) * MINUTE_MS + 30_000


def test_parse_seeds() -> None:
    assert parse_seeds("101-105") == [101, 102, 103, 104, 105]
    assert parse_seeds("1,3..5, 2") == [1, 2, 3, 4, 5]


def test_engine_feed_counts_every_mention_once() -> None:
    series = generate_entity(4, 2, weeks=1)
    detector = engine_detectors()[0]
    run = run_engines(series, "s4/quiet", [detector])
    engine = run.engines[detector]
    assert engine.outcomes.get("accepted", 0) == run.mentions.unique == int(series.counts.sum())
    assert engine.outcomes.get("duplicate", 0) == run.mentions.resent_duplicates
    assert engine.outcomes.get("late", 0) == 0
    assert all(a.entity == "s4/quiet" for a in engine.alerts)
