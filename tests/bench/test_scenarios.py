"""The scenario generator: deterministic per seed, consistent labels, visible seasonality."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import numpy as np
import pytest

from bench.detection.scenarios import (
    BOT_BURST,
    CAMPAIGN,
    DAY_MINUTES,
    EVENT_KINDS,
    MINUTE_MS,
    NEG_SHIFT,
    START_MS,
    EntitySeries,
    MentionStats,
    generate_entity,
    iter_mentions,
    tier_of,
)
from firestorm.models.records import Mention
from firestorm.models.sentiment import Sentiment

BUSY, MEDIUM, QUIET = 0, 1, 2


@pytest.fixture(scope="module")
def busy() -> EntitySeries:
    return generate_entity(11, BUSY, weeks=2)


@pytest.fixture(scope="module")
def quiet_stream() -> tuple[EntitySeries, list[tuple[Mention, Sentiment]], MentionStats]:
    series = generate_entity(11, QUIET, weeks=1)
    stats = MentionStats()
    return series, list(iter_mentions(series, stats)), stats


def test_tiers_cycle() -> None:
    assert [tier_of(i) for i in range(3)] == ["busy", "medium", "quiet"]


def test_same_seed_same_series() -> None:
    a, b = generate_entity(5, MEDIUM, weeks=1), generate_entity(5, MEDIUM, weeks=1)
    assert a.profile == b.profile and a.events == b.events and a.bursts == b.bursts
    for field in ("background", "extra", "event_of_minute", "rate", "background_negative"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    other = generate_entity(6, MEDIUM, weeks=1)
    assert not np.array_equal(a.background, other.background)


def test_same_seed_same_mentions() -> None:
    series = generate_entity(5, QUIET, weeks=1)
    first = list(iter_mentions(series))
    second = list(iter_mentions(generate_entity(5, QUIET, weeks=1)))
    assert first == second


@pytest.mark.parametrize(("seed", "index", "weeks"), [(1, BUSY, 4), (2, MEDIUM, 2), (3, QUIET, 1), (4, 7, 1.5)])
def test_labels_are_consistent(seed: int, index: int, weeks: float) -> None:
    series = generate_entity(seed, index, weeks=weeks)
    assert sorted(e.kind for e in series.events) == sorted(EVENT_KINDS)
    spans = sorted((e.onset_ms, e.end_ms) for e in series.events)
    for (_, end), (onset, _) in pairwise(spans):
        assert end < onset, "events overlap"
    inside = np.zeros(series.minutes, dtype=bool)
    for i, event in enumerate(series.events):
        onset = (event.onset_ms - series.start_ms) // MINUTE_MS
        end = (event.end_ms - series.start_ms) // MINUTE_MS
        assert series.learn_minutes <= onset < end <= series.minutes
        assert event.end_ms + 30 * MINUTE_MS <= series.end_ms, "the scoring grace must fit in the series"
        assert (series.event_of_minute[onset:end] == i).all()
        assert series.extra[onset:end].sum() > 0
        inside[onset:end] = True
        if event.kind == CAMPAIGN:
            assert event.planned_start_ms is not None and event.planned_end_ms is not None
            assert event.planned_start_ms <= event.onset_ms and event.planned_end_ms >= event.end_ms
            assert event.planned_uplift is not None and event.planned_uplift > 1
            if weeks >= 4:  # launched on a weekday in office hours (slots of 3.5 days always have some)
                assert onset // DAY_MINUTES % 7 < 5 and 8 <= onset % DAY_MINUTES // 60 < 16
        else:
            assert event.planned_start_ms is None
    assert series.extra[~inside].sum() == 0
    assert (series.event_of_minute[~inside] == -1).all()
    for burst in series.bursts:
        assert not inside[burst.start_min : burst.end_min].any()


def test_too_many_events_for_the_period() -> None:
    with pytest.raises(ValueError, match="too short"):
        generate_entity(1, BUSY, weeks=0.5, events_per_kind=3)


def test_weekday_office_hours_busier_than_sunday_night(busy: EntitySeries) -> None:
    minute = np.arange(busy.minutes)
    day = minute // DAY_MINUTES
    hour = (minute % DAY_MINUTES) // 60
    weekday = day % 7
    quiet_time = busy.event_of_minute == -1
    counts = busy.counts
    weekday_10 = counts[(weekday < 5) & (hour == 10) & quiet_time]
    sunday_03 = counts[(weekday == 6) & (hour == 3) & quiet_time]
    saturday_10 = counts[(weekday == 5) & (hour == 10) & quiet_time]
    assert weekday_10.mean() > 5 * sunday_03.mean()
    assert weekday_10.mean() > saturday_10.mean()
    assert weekday_10.mean() >= 8  # a busy entity: tens per minute at the peak, give or take the noise


def test_counts_are_overdispersed(busy: EntitySeries) -> None:
    minute = np.arange(busy.minutes)
    slot = ((minute // DAY_MINUTES) % 7 < 5) & ((minute % DAY_MINUTES) // 60 == 11) & (busy.event_of_minute == -1)
    counts = busy.background[slot]
    assert counts.var() > 1.5 * counts.mean()


def test_quiet_entity_is_sparse() -> None:
    series = generate_entity(11, QUIET, weeks=1)
    assert (series.background == 0).mean() > 0.5


def test_mentions_follow_the_counts(
    quiet_stream: tuple[EntitySeries, list[tuple[Mention, Sentiment]], MentionStats],
) -> None:
    series, stream, stats = quiet_stream
    times = [m.ts_ms for m, _ in stream]
    assert times == sorted(times)
    unique = {m.id: m for m, _ in stream}
    assert len(unique) == stats.unique == int(series.counts.sum())
    per_minute = Counter((m.ts_ms - START_MS) // MINUTE_MS for m in unique.values())
    assert all(per_minute.get(i, 0) == c for i, c in enumerate(series.counts.tolist()))
    assert {s.lang for _, s in stream} <= {"en", "fr"} and {m.lang for m, _ in stream} <= {"en", "fr"}
    assert all(s.compound is not None and -1 <= s.compound <= 1 for _, s in stream)
    seen: set[str] = set()
    for mention, _ in stream:
        if mention.repost_of is not None:
            assert mention.repost_of in seen
        seen.add(mention.id)


def test_duplicates_are_bot_copies_sent_twice_in_a_row(
    quiet_stream: tuple[EntitySeries, list[tuple[Mention, Sentiment]], MentionStats],
) -> None:
    series, stream, stats = quiet_stream
    bot = next(e for e in series.events if e.kind == BOT_BURST)
    repeats = [i for i in range(1, len(stream)) if stream[i][0].id == stream[i - 1][0].id]
    assert len(repeats) == stats.resent_duplicates > 0
    assert len(stream) == stats.unique + stats.resent_duplicates
    for i in repeats:
        mention = stream[i][0]
        assert bot.onset_ms <= mention.ts_ms < bot.end_ms and mention.repost_of is not None
    original = next(m for m, _ in stream if bot.onset_ms <= m.ts_ms and "boycott" in m.text)
    copies = {m.id: m for m, _ in stream if m.repost_of == original.id}
    assert len(copies) >= 1_800  # 2,000-6,000 copies, give or take the Poisson noise
    assert {m.text for m in copies.values()} == {original.text}  # one post, copied
    assert all(bot.onset_ms <= m.ts_ms < bot.end_ms for m in copies.values())
    assert all(m.author is not None and m.author.followers < 30 for m in copies.values())


def test_sentiment_mix(quiet_stream: tuple[EntitySeries, list[tuple[Mention, Sentiment]], MentionStats]) -> None:
    series, stream, _ = quiet_stream
    outside = [s for m, s in stream if all(not e.onset_ms <= m.ts_ms < e.end_ms for e in series.events)]
    negative = sum(s.negative for s in outside) / len(outside)
    assert 0.02 <= negative <= 0.16
    shift = next(e for e in series.events if e.kind == NEG_SHIFT)
    during = [s for m, s in stream if shift.onset_ms <= m.ts_ms < shift.end_ms]
    share, p = sum(s.negative for s in during) / len(during), shift.negative_prob  # p: 62-80%
    assert share >= p - 3 * (p * (1 - p) / len(during)) ** 0.5  # within 3 binomial sd below p ...
    assert share > 0.3  # ... and far above the background's 2-20%


def test_originals_are_distinct_texts() -> None:
    series = generate_entity(3, MEDIUM, weeks=1)
    originals = [m.text for m, _ in iter_mentions(series) if m.repost_of is None]
    assert len(set(originals)) > 0.97 * len(originals)
