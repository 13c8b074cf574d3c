"""The seasonal detector on traffic shaped like the real thing: the three ways it cried wolf.

Each series is crafted (seeded) and replayed window by window through the detector and the
incident lifecycle with the engine's default settings: an entity whose ordinary mentions are
often negative, an entity with ordinary heavy bursts, and a storm with a long tail and a second wave.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from firestorm.models.engine import EngineSettings
from firestorm.models.incidents import IncidentState, step
from firestorm.models.windows import WindowStats
from tests.models.builders import MINUTE, T0, window_stats

HOUR = 60 * MINUTE
PAGE_STATUSES = ("triggered", "escalated")


@dataclass(frozen=True)
class Event:
    start_ms: int
    status: str
    severity: str
    incident: str
    count: int
    negative: int


def window(start_ms: int, size_ms: int, count: int, negative: int) -> WindowStats:
    """`count` distinct mentions from distinct authors, `negative` of them negative."""
    mean = 0.3 - 0.8 * negative / count if count else 0.0
    return window_stats(start_ms, count, size_ms=size_ms, negative=negative, authors=count, mean=mean)


def poisson(rng: random.Random, lam: float) -> int:
    if lam > 60:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def daily_rhythm(start_ms: int) -> float:
    hour = (start_ms // HOUR) % 24
    return 1.0 + 0.6 * math.sin((hour - 9) / 24 * 2 * math.pi)


def replay(windows: Iterator[WindowStats], size_ms: int) -> list[Event]:
    """Every lifecycle event of the series, through the default detector and lifecycle."""
    settings = EngineSettings(window_ms=size_ms)
    detector = settings.build_detector()
    lifecycle = settings.lifecycle_settings()
    state, incident = detector.initial_state(), IncidentState()
    events = []
    for w in windows:
        before = incident.incident_id
        status = step(incident, w, detector.assess(state, w), lifecycle, size_ms)
        if status:
            incident_id = incident.incident_id or before or ""
            events.append(Event(w.start_ms, status, incident.severity, incident_id, w.count, w.negative))
    return events


def pages(events: list[Event]) -> list[Event]:
    return [e for e in events if e.status in PAGE_STATUSES and e.severity != "info"]


def steady_negative(rng: random.Random, days: int, rate: float, share: float) -> Iterator[WindowStats]:
    for m in range(days * 24 * 60):
        start = T0 + m * MINUTE
        count = poisson(rng, rate * daily_rhythm(start))
        yield window(start, MINUTE, count, sum(rng.random() < share for _ in range(count)))


def test_a_sparse_entity_whose_mentions_are_mostly_negative_does_not_page() -> None:
    # 1 mention a minute at the daily mean, 60% of them negative, 3 days, no incident. The
    # per-window share of such an entity is 0 or 1 most minutes: its usual share must still be 60%.
    events = replay(steady_negative(random.Random(5), days=3, rate=1.0, share=0.6), MINUTE)
    assert pages(events) == []


def test_a_busy_entity_whose_mentions_are_often_negative_does_not_page() -> None:
    events = replay(steady_negative(random.Random(6), days=2, rate=20.0, share=0.4), MINUTE)
    assert pages(events) == []


def drifting_negative(rng: random.Random, days: int, rate: float, share: float) -> Iterator[WindowStats]:
    """Overdispersed minutes (variance about 4x the mean) and a usual share that drifts from hour to
    hour (log-odds, sd 0.25): a busy complaint-heavy entity's ordinary traffic, bumps included."""
    log_odds = math.log(share / (1 - share))
    hour_share = share
    for m in range(days * 24 * 60):
        start = T0 + m * MINUTE
        if m % 60 == 0:
            hour_share = 1 / (1 + math.exp(-(log_odds + rng.gauss(0.0, 0.25))))
        count = poisson(rng, rate * daily_rhythm(start) * rng.gammavariate(1 / 0.3, 0.3))
        yield window(start, MINUTE, count, sum(rng.random() < hour_share for _ in range(count)))


def test_the_ordinary_bumps_of_a_complaint_heavy_entity_do_not_page() -> None:
    # Its bumps bring many negatives at about its usual share: the share is not unusual for the count.
    events = replay(drifting_negative(random.Random(8), days=4, rate=10.0, share=0.4), MINUTE)
    assert pages(events) == []


def bursty(rng: random.Random, weeks: int, storm_at_ms: int | None) -> Iterator[WindowStats]:
    """5-minute counts around 20 with a daily rhythm and about 4 bursts a week (5-15x for 5-30
    minutes, usual sentiment: 10% negative); a negative storm (10x, 80% negative) at `storm_at_ms`."""
    size = 5 * MINUTE
    burst_left, burst_factor = 0, 1.0
    for i in range(weeks * 7 * 24 * 12):
        start = T0 + i * size
        if burst_left == 0 and rng.random() < 4 / (7 * 24 * 12):
            burst_left, burst_factor = rng.randint(1, 6), rng.uniform(5.0, 15.0)
        factor = burst_factor if burst_left else 1.0
        burst_left = max(0, burst_left - 1)
        share = 0.1
        if storm_at_ms is not None and storm_at_ms <= start < storm_at_ms + 30 * MINUTE:
            factor, share = 10.0, 0.8
        count = poisson(rng, 20 * daily_rhythm(start) * factor)
        yield window(start, size, count, sum(rng.random() < share for _ in range(count)))


def test_the_ordinary_bursts_of_a_bursty_entity_stop_alerting_once_learned() -> None:
    storm_at = T0 + 20 * 24 * HOUR + 10 * HOUR
    events = replay(bursty(random.Random(11), weeks=3, storm_at_ms=storm_at), 5 * MINUTE)
    opened = [e for e in events if e.status == "triggered"]
    after_first_week = [e for e in opened if T0 + 7 * 24 * HOUR <= e.start_ms < storm_at]
    # About 8 bursts in those 13 days (6 alerted before each entity learned its own bursts); only
    # one bigger than any it had lately may still alert.
    assert len(after_first_week) <= 3, after_first_week
    # A genuine storm on the same entity still pages, within 10 minutes.
    storm_pages = [e for e in pages(events) if storm_at <= e.start_ms]
    assert storm_pages and storm_pages[0].start_ms <= storm_at + 10 * MINUTE


def storm_with_tail_and_second_wave(rng: random.Random) -> Iterator[WindowStats]:
    """A sparse entity (0.5/min, 20% negative) learned for 2 days; a storm (20/min, 85% negative,
    15 min); a tail decaying from 4x over 2 hours at the usual sentiment; 3 hours later a second
    wave (15/min, 80% negative, 10 min); then quiet."""
    learn = 2 * 24 * 60
    storm, tail, gap, wave = 15, 120, 60, 10
    for m in range(learn + storm + tail + gap + wave + 6 * 60):
        start = T0 + m * MINUTE
        k = m - learn
        rate, share = 0.5, 0.2
        if 0 <= k < storm:
            rate, share = 20.0, 0.85
        elif storm <= k < storm + tail:
            rate = 0.5 * (1 + 3 * math.exp(-(k - storm) / 40))
        elif storm + tail + gap <= k < storm + tail + gap + wave:
            rate, share = 15.0, 0.8
        count = poisson(rng, rate)
        yield window(start, MINUTE, count, sum(rng.random() < share for _ in range(count)))


def test_a_storm_its_tail_and_its_second_wave_are_one_incident_paged_once() -> None:
    events = replay(storm_with_tail_and_second_wave(random.Random(3)), MINUTE)
    storm_start = T0 + 2 * 24 * HOUR
    episode = [e for e in events if e.start_ms >= storm_start]
    assert len({e.incident for e in episode}) == 1, episode
    assert len(pages(episode)) == 1, episode
    # Never a page whose own window contradicts it (say 3 mentions, 0% negative).
    assert all(e.negative > 0 for e in pages(events))
