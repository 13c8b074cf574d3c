"""Two simple comparison detectors over the same per-minute counts, and how they are tuned.

Both look at volume only (unique mentions per 1-minute window, duplicates already removed), as
the simple alert rules of social-listening tools do, and page with severity `warning`:
- `static`: page when a minute has at least K mentions. K is set per entity once, from its own
  learning period (the first week, before any injected event): K = max(3, ceil(factor x the
  99.9th percentile of its per-minute counts)). It is silent during that learning period.
- `hour_vs_12h`: page when the last 60 minutes hold at least `min_volume` mentions and at least
  `ratio` x the hourly mean of the 12 hours before them (evaluated every minute, which is kinder
  to it than the hourly checks of the commercial tools).
An episode pages once; the rule re-arms after 30 consecutive minutes without the condition.
A page's event time is the window end plus 30 s, the engine's default allowed lateness.

Tuning (`tune`): on the tuning seeds only, every point of a small grid is scored and the one with
the best recall on the kinds that should page is kept among those with at most 0.5 false pages per
entity per 4 weeks (FALSE_PAGE_BUDGET; ties: the lower median delay); the engine's defaults are never tuned here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from bench.detection.scenarios import MINUTE_MS, PAGE_KINDS, BoolArray, EntitySeries, IntArray
from bench.detection.scoring import AlertRecord, Score, labels_of, score

REARM_MINUTES = 30
LATENESS_MS = 30_000
FALSE_PAGE_BUDGET = 0.5  # per entity per 4 weeks (the issue's target, also the baselines' tuning budget)
STATIC_FACTORS: tuple[float, ...] = tuple(round(1.0 + 0.1 * i, 1) for i in range(31))  # 1.0 .. 4.0
HOURLY_RATIOS: tuple[float, ...] = (1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
HOURLY_MIN_VOLUMES: tuple[int, ...] = (10, 20, 40, 80, 160)


class Baseline(Protocol):
    @property
    def name(self) -> str: ...

    def condition(self, series: EntitySeries) -> BoolArray: ...

    def params(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class StaticThreshold:
    factor: float
    quantile: float = 0.999
    floor: int = 3
    name: str = "static"

    def threshold(self, counts: IntArray, learn_minutes: int) -> int:
        learned = float(np.quantile(counts[: max(1, learn_minutes)], self.quantile))
        return max(self.floor, math.ceil(self.factor * learned - 1e-9))

    def condition(self, series: EntitySeries) -> BoolArray:
        counts = series.counts
        result: BoolArray = counts >= self.threshold(counts, series.learn_minutes)
        result[: series.learn_minutes] = False
        return result

    def params(self) -> dict[str, Any]:
        return {"factor": self.factor, "quantile": self.quantile, "floor": self.floor}


@dataclass(frozen=True, slots=True)
class HourVsHalfDay:
    ratio: float
    min_volume: int
    name: str = "hour_vs_12h"

    def condition(self, series: EntitySeries) -> BoolArray:
        counts = series.counts
        cumulative = np.concatenate([[0], np.cumsum(counts)])
        t1 = np.arange(1, counts.shape[0] + 1)
        hour_start = np.maximum(t1 - 60, 0)
        history_start = np.maximum(t1 - 60 - 12 * 60, 0)
        last_hour = cumulative[t1] - cumulative[hour_start]
        hourly_mean = (cumulative[hour_start] - cumulative[history_start]) / 12.0
        result: BoolArray = (t1 >= 13 * 60) & (last_hour >= self.min_volume) & (last_hour >= self.ratio * hourly_mean)
        return result

    def params(self) -> dict[str, Any]:
        return {"ratio": self.ratio, "min_volume": self.min_volume}


def episode_starts(condition: BoolArray, rearm: int = REARM_MINUTES) -> list[int]:
    """Minutes where a page starts: the first true minute, and each after `rearm` false minutes in a row."""
    true_minutes = np.flatnonzero(condition)
    if true_minutes.shape[0] == 0:
        return []
    gaps = np.diff(true_minutes, prepend=-(rearm + 2))
    starts: list[int] = true_minutes[gaps > rearm].tolist()
    return starts


def baseline_alerts(detector: Baseline, series: EntitySeries, key: str) -> list[AlertRecord]:
    return [
        AlertRecord(
            entity=key,
            time_ms=series.start_ms + (minute + 1) * MINUTE_MS + LATENESS_MS,
            status="triggered",
            severity="warning",
            incident_id=f"{key}-{detector.name}-{minute}",
        )
        for minute in episode_starts(detector.condition(series))
    ]


def score_baseline(detector: Baseline, runs: Sequence[tuple[str, EntitySeries]], weeks: float) -> Score:
    labels = [label for key, s in runs for label in labels_of(s, key)]
    alerts = [a for key, s in runs for a in baseline_alerts(detector, s, key)]
    return score(
        labels,
        alerts,
        len(runs),
        weeks,
        {key: s.profile.tier for key, s in runs},
        {key: s.profile.group for key, s in runs},
    )


def page_recall(result: Score) -> float:
    """Recall pooled over the kinds that should page."""
    outcomes = [o for o in result.outcomes if o.label.kind in PAGE_KINDS]
    return sum(o.paged for o in outcomes) / len(outcomes) if outcomes else 0.0


def pooled_median_delay(result: Score) -> float:
    delays = sorted(o.delay_min for o in result.outcomes if o.label.kind in PAGE_KINDS and o.delay_min is not None)
    return float(np.median(delays)) if delays else math.inf


@dataclass(slots=True)
class Tuned:
    detector: Baseline
    false_pages_per_entity_4wk: float
    recall: float
    within_budget: bool
    grid: list[dict[str, Any]] = field(default_factory=list)


def tune(candidates: Sequence[Baseline], runs: Sequence[tuple[str, EntitySeries]], weeks: float) -> Tuned:
    """Pick the candidate with the best page recall within the false-page budget, on these runs."""
    grid: list[dict[str, Any]] = []
    best: tuple[tuple[float, ...], Baseline, float, float] | None = None
    fallback: tuple[tuple[float, ...], Baseline, float, float] | None = None
    for detector in candidates:
        result = score_baseline(detector, runs, weeks)
        false_rate = result.false_pages_per_entity_4wk
        recall = page_recall(result)
        grid.append(
            {**detector.params(), "false_pages_per_entity_4wk": round(false_rate, 3), "recall": round(recall, 3)}
        )
        if false_rate <= FALSE_PAGE_BUDGET:
            key = (recall, -pooled_median_delay(result))
            if best is None or key > best[0]:
                best = (key, detector, false_rate, recall)
        fallback_key = (-false_rate, recall)
        if fallback is None or fallback_key > fallback[0]:
            fallback = (fallback_key, detector, false_rate, recall)
    chosen = best or fallback
    if chosen is None:
        raise ValueError("no candidates to tune")
    return Tuned(chosen[1], chosen[2], chosen[3], best is not None, grid)


def static_candidates() -> list[Baseline]:
    return [StaticThreshold(factor) for factor in STATIC_FACTORS]


def hourly_candidates() -> list[Baseline]:
    return [HourVsHalfDay(r, v) for r in HOURLY_RATIOS for v in HOURLY_MIN_VOLUMES]
