"""The generators added for issue 13: high-negative steady entities, Hawkes-like cascades on bursty
entities, storms with long tails, aftershocks and a second wave."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest

from bench.detection.scenarios import (
    BURSTY,
    CASCADE_FACTOR,
    CASCADE_MINUTES,
    DAY_MINUTES,
    EVENT_KINDS,
    HIGH_NEGATIVE,
    HIGH_NEGATIVE_SHARES,
    HOUR_MINUTES,
    MINUTE_MS,
    STEADY_RATES,
    STORM,
    TAIL_FLOOR,
    WEEK_MINUTES,
    EntitySeries,
    cascade_shape,
    generate_entity,
    high_negative_rate,
    iter_mentions,
    storm_shape,
)


def test_each_share_meets_each_rate_over_five_seeds() -> None:
    for index, _share in enumerate(HIGH_NEGATIVE_SHARES):
        rates = sorted(high_negative_rate(seed, index) for seed in range(201, 206))
        assert rates == sorted(STEADY_RATES)


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("seed", [201, 203])
def test_high_negative_entities_rate_share_and_rhythm(seed: int, index: int) -> None:
    series = generate_entity(seed, index, weeks=2, group=HIGH_NEGATIVE)
    profile = series.profile
    assert profile.group == HIGH_NEGATIVE and series.events == [] and not series.extra.any()
    target = high_negative_rate(seed, index)
    assert profile.mean_rate == target
    assert series.rate.mean() == pytest.approx(target, rel=0.05)  # the daily mean, by construction
    assert series.background.mean() == pytest.approx(target, rel=0.25)  # give or take the day and hour noise
    share = HIGH_NEGATIVE_SHARES[index]
    assert profile.negative_share == share
    assert float(series.background_negative.mean()) == pytest.approx(share, abs=0.03)
    minute = np.arange(series.minutes)
    weekday_10 = series.rate[(minute // DAY_MINUTES % 7 < 5) & (minute % DAY_MINUTES // 60 == 10)]
    night_03 = series.rate[minute % DAY_MINUTES // 60 == 3]
    assert weekday_10.mean() > 4 * night_03.mean()


def test_high_negative_counts_are_overdispersed() -> None:
    series = generate_entity(202, 2, weeks=2, group=HIGH_NEGATIVE)  # 30/min at the daily mean
    minute = np.arange(series.minutes)
    slot = (minute // DAY_MINUTES % 7 < 5) & (minute % DAY_MINUTES // 60 == 11)
    counts = series.background[slot]
    assert counts.var() > 2 * counts.mean()


@pytest.mark.parametrize(("seed", "index"), [(201, 0), (205, 2), (204, 1)])  # rates 1, 0.3 and 0.3 per minute
def test_high_negative_mentions_have_the_usual_share_and_distinct_texts(seed: int, index: int) -> None:
    series = generate_entity(seed, index, weeks=1, group=HIGH_NEGATIVE)
    stream = list(iter_mentions(series))
    assert len(stream) == int(series.counts.sum()) > 1_000
    negative = sum(s.negative for _, s in stream) / len(stream)
    assert negative == pytest.approx(HIGH_NEGATIVE_SHARES[index], abs=0.04)
    originals = [m.text for m, _ in stream if m.repost_of is None]
    assert len(set(originals)) > 0.97 * len(originals)
    authors = {m.author.id for m, _ in stream if m.author is not None}
    assert len(authors) == len(stream)  # every mention from its own author, as in the repro


def _bursty(seeds: range) -> list[EntitySeries]:
    return [generate_entity(seed, index, weeks=4, group=BURSTY) for seed in seeds for index in (0, 1)]


@pytest.fixture(scope="module")
def bursty() -> list[EntitySeries]:
    return _bursty(range(301, 306))


def test_bursty_entities_keep_every_event(bursty: list[EntitySeries]) -> None:
    for series in bursty:
        assert series.profile.group == BURSTY and series.profile.tier in ("busy", "medium")
        assert sorted(e.kind for e in series.events) == sorted(EVENT_KINDS)


def test_cascades_sizes_durations_and_spacing(bursty: list[EntitySeries]) -> None:
    cascades = [c for s in bursty for c in s.cascades]
    per_week = len(cascades) / (4 * len(bursty))
    assert 1.5 <= per_week <= 6.0  # a few per week
    factors = np.array([c.factor for c in cascades])
    assert (factors >= CASCADE_FACTOR[0]).all() and (factors <= CASCADE_FACTOR[1]).all()
    assert np.median(factors) < factors.mean() < 8  # heavy-tailed: most are small, a few are big
    assert factors.max() > 9
    lengths = [c.end_min - c.start_min for c in cascades]
    assert min(lengths) >= CASCADE_MINUTES[0] and max(lengths) <= CASCADE_MINUTES[1]
    children = [c for c in cascades if c.parent >= 0]
    assert children, "some cascades set off others"
    for series in bursty:
        starts = {c.start_min: c for c in series.cascades}
        for child in (c for c in series.cascades if c.parent >= 0):
            parent = starts[child.parent]
            assert child.start_min >= parent.end_min and child.factor <= parent.factor
        for a, b in pairwise(series.cascades):
            assert a.end_min <= b.start_min
        for event in series.events:
            onset = (event.onset_ms - series.start_ms) // MINUTE_MS
            end = (event.end_ms - series.start_ms) // MINUTE_MS
            for c in series.cascades:
                assert c.end_min <= onset - HOUR_MINUTES or c.start_min >= end + HOUR_MINUTES


def test_cascades_raise_the_volume_3_to_15_times(bursty: list[EntitySeries]) -> None:
    peak_counts = peak_rate = 0.0
    for series in bursty:
        for c in series.cascades:
            rise = max(1, (c.end_min - c.start_min) // 6)
            peak_counts += float(series.background[c.start_min : c.start_min + rise].max())
            peak_rate += float(series.rate[c.start_min : c.start_min + rise].max())
    assert 3.0 <= peak_counts / peak_rate <= 15.0  # pooled peak counts / the usual rate


def test_cascades_keep_the_usual_sentiment() -> None:
    series = generate_entity(302, 0, weeks=2, group=BURSTY)
    reference = generate_entity(302, 0, weeks=2, group=BURSTY)
    assert series.cascades
    inside = np.zeros(series.minutes, dtype=bool)
    for c in series.cascades:
        inside[c.start_min : c.end_min] = True
    assert np.array_equal(series.background_negative, reference.background_negative)
    assert series.background_negative[inside].max() <= 0.35  # the entity's usual drift or a grumble at most
    mentions = list(iter_mentions(series))
    start = series.start_ms
    in_cascade = [s for m, s in mentions if inside[(m.ts_ms - start) // MINUTE_MS]]
    share = sum(s.negative for s in in_cascade) / len(in_cascade)
    assert share < 0.25


def test_cascade_shape_rises_fast_and_decays() -> None:
    rng = np.random.default_rng(5)
    for length in (5, 12, 30):
        shape = cascade_shape(rng, length)
        assert shape.shape == (length,)
        assert shape.max() == 1.0 and int(np.argmax(shape)) <= max(1, length // 6)
        assert shape[-1] < 0.5


def test_storm_tail_aftershocks_and_second_wave() -> None:
    for seed in range(40):
        storm = storm_shape(np.random.default_rng(seed))
        shape = storm.shape
        assert shape.max() == 1.0
        assert 120 <= storm.second_wave <= 360  # within 6 hours of the onset
        assert shape[storm.second_wave : storm.second_wave + 60].max() >= 0.3 * 0.5  # a real second wave
        assert 2 <= len(storm.aftershocks) <= 4
        shocked = set()
        for at in storm.aftershocks:
            shocked.update(range(at, at + 15))
        # away from aftershocks and the second wave the tail is exp(-t / tau), down to 5% of the peak
        tail_end = storm.tail_start + math.ceil(storm.tail_tau * math.log(1 / TAIL_FLOOR))
        for t in range(storm.tail_start, min(storm.second_wave, tail_end)):
            if t not in shocked:
                expected = math.exp(-(t - storm.tail_start + 1) / storm.tail_tau)
                assert shape[t] == pytest.approx(min(1.0, expected))
        assert tail_end <= shape.shape[0]
        assert shape[tail_end - 1] == pytest.approx(TAIL_FLOOR, rel=0.03) or tail_end - 1 >= storm.second_wave
        # an hour after the plateau a storm (magnitude >= 8) is still above 3.5x the usual level
        assert 1 + 7 * shape[storm.tail_start + 59] >= 1 + 7 * math.exp(-60 / storm.tail_tau) > 3.5


def test_storm_events_are_one_labelled_episode() -> None:
    for seed in (201, 202, 203):
        series = generate_entity(seed, 1, weeks=2)
        storm = next(e for e in series.events if e.kind == STORM)
        assert storm.second_wave_min is not None and 120 <= storm.second_wave_min <= 360
        onset = (storm.onset_ms - series.start_ms) // MINUTE_MS
        end = (storm.end_ms - series.start_ms) // MINUTE_MS
        assert end - onset > storm.second_wave_min + 15  # the label covers the second wave
        wave = onset + storm.second_wave_min
        assert series.extra[wave : wave + 60].sum() > 0
        assert 8 <= storm.magnitude <= 30
        assert series.minutes >= end + 30


def test_storm_fits_in_a_week_with_every_kind() -> None:
    series = generate_entity(7, 2, weeks=1)
    assert STORM in {e.kind for e in series.events} and series.minutes == WEEK_MINUTES
