"""Scenario generator: weeks of per-minute mentions per entity, with labelled injected events.

Everything is deterministic for a given (seed, entity index): the per-minute counts come from one
random stream (`generate_entity`, cheap: numpy only) and the mentions themselves (ids, texts,
authors, languages, sentiment, reposts, re-sent duplicates) from a second one (`iter_mentions`),
so the baselines can be tuned on counts alone and the engine sees exactly those counts.

Background (per entity, event time UTC, the series starts on a Monday 00:00):
- seasonality: weekday curve with a late-morning peak, an afternoon peak and an evening bump,
  quiet nights (a floor of 3-10% of the peak), weekends at 40-70% of weekdays and later in the
  day, small day-of-week factors (Monday busiest, Friday and Sunday quieter);
- noise: a day factor (lognormal, sd 0.12), an hour factor (gamma, cv 0.25) and a per-minute
  gamma-Poisson (negative binomial) draw whose shape sets the overdispersion;
- tiers: busy (peak 10-25/min), medium (3-8/min), quiet (0.1-0.8/min: most minutes are empty);
- unlabelled bursts, about 1.5 a week, 1.5-3x for 10-45 minutes, away from the events: half
  are "chatter" (ordinary sentiment), half "grumbles" (a complaint thread: 20-35% negative).
  Neither is an event: a page on one counts as a false page;
- sentiment: a VADER-like compound per mention, 5-10% negative (<= -0.05; the share drifts from
  hour to hour, lognormal sd 0.25, within 2-20%), 35-55% positive, the rest neutral (0.0);
  English and French; authors from a per-entity pool with heavy-tailed followers (lognormal) and
  a few very active accounts; every original post is a distinct short text (so copy discounting
  sees real copies only); 10-25% reposts (same text and sentiment as one of the recent originals
  of the same theme and language, once there are a few).

Injected events (one of each kind per entity by default, in separate slots after a learning
period of a week, or a quarter of the series if shorter), as extra mentions on top of the
background. The extra rate is (magnitude - 1) x the normal level at that minute, where the
normal level is at least the entity's mean rate and at least 0.5/min (a firestorm on a sparse
entity is still dozens of posts), times a ramp/plateau/decay shape:
- sudden:          ramp 2-10 min, 10-50x, plateau 20-60 min, exponential decay; 70-90% negative.
- slow_burn:       accelerating ramp over 2-6 h, 3-6x, plateau 1-3 h; 60-80% negative.
- neg_shift:       1.5-2x volume, ramp 15-45 min, 1.5-4 h; every mention in the span (background
                   included) is negative with probability 62-80%.
- positive_spike:  ramp 3-15 min, 10-30x, 80-90% positive: must not page (info is fine).
- campaign:        starts on a weekday between 08:00 and 16:00, ramp 10-30 min, 5-10x for 2-6 h,
                   neutral/positive, declared as a planned event
                   (a window a little wider than the campaign and an uplift estimate within
                   -20%/+25% of the truth): must not page.
- bot_burst:       one negative post copied 2,000-6,000 times as reposts (same text, fresh
                   low-follower accounts) in 10-40 minutes, and 20-50% of the copies re-sent
                   with the same id (exact duplicates).
The label is [onset, end): onset is the first minute with extra mentions, end the minute after
the last one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from firestorm.models.records import Author, Mention
from firestorm.models.sentiment import Sentiment

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MINUTE_MS = 60_000
HOUR_MINUTES = 60
DAY_MINUTES = 1_440
WEEK_MINUTES = 7 * DAY_MINUTES
START_MS = 1_767_571_200_000  # 2026-01-05T00:00:00Z, a Monday

SUDDEN = "sudden"
SLOW_BURN = "slow_burn"
NEG_SHIFT = "neg_shift"
POSITIVE_SPIKE = "positive_spike"
CAMPAIGN = "campaign"
BOT_BURST = "bot_burst"
STORM = "storm"
EVENT_KINDS: tuple[str, ...] = (SUDDEN, STORM, SLOW_BURN, NEG_SHIFT, POSITIVE_SPIKE, CAMPAIGN, BOT_BURST)
PAGE_KINDS = frozenset({SUDDEN, STORM, SLOW_BURN, NEG_SHIFT})  # a detector should page for these
QUIET_KINDS = frozenset({POSITIVE_SPIKE, CAMPAIGN, BOT_BURST})  # and not for these

TIERS: tuple[str, ...] = ("busy", "medium", "quiet")
TIER_CYCLE: tuple[str, ...] = ("busy", "medium", "quiet", "medium", "quiet", "busy", "quiet", "medium")
BRANDS: tuple[str, ...] = (
    "skyway",
    "northbank",
    "maison",
    "velora",
    "lumen",
    "orbitel",
    "kappa",
    "tessera",
    "novacare",
    "brio",
    "pando",
    "quillon",
)
REFERENCE_FLOOR = 0.5  # mentions/min: the least "normal level" an event is a multiple of
DOW_FACTOR = (1.05, 1.0, 1.0, 0.97, 0.9, 1.0, 0.9)  # Monday .. Sunday (weekend days also scaled below)
BURSTS_PER_WEEK = 1.5
# Entity groups: the regular mix, steady high-negative entities (no event), bursty entities (cascades).
REGULAR = "regular"
HIGH_NEGATIVE = "high_negative"
BURSTY = "bursty"
GROUPS: tuple[str, ...] = (REGULAR, HIGH_NEGATIVE, BURSTY)
GROUP_CODE = {REGULAR: 0, HIGH_NEGATIVE: 1, BURSTY: 2}
HIGH_NEGATIVE_SHARES: tuple[float, ...] = (0.20, 0.40, 0.60)
STEADY_RATES: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0, 30.0)  # mentions/min at the daily mean
PARENT_CASCADES_PER_WEEK = 2.0  # bursty entities: cascades that start on their own ...
CASCADE_BRANCHING = 0.5  # ... each of which sets off this many more on average (a Hawkes-like cluster)
CASCADE_CHILD_DELAY_MIN = 60.0  # mean delay of a set-off cascade after its parent
CASCADE_FACTOR = (3.0, 15.0)  # peak volume / usual volume
CASCADE_MINUTES = (5, 30)
CASCADE_PARETO_ALPHA = 1.2  # heavy-tailed peak factors within CASCADE_FACTOR
MIN_ORIGINALS_FOR_REPOSTS = 8  # a repost copies one of the recent originals once there are a few


@dataclass(frozen=True, slots=True)
class TierSpec:
    peak: tuple[float, float]  # weekday peak rate, mentions per minute
    dispersion: tuple[float, float]  # gamma shape of the per-minute noise (smaller: more overdispersed)
    authors: int  # size of the entity's regular author pool


TIER_SPECS: dict[str, TierSpec] = {
    "busy": TierSpec(peak=(10.0, 25.0), dispersion=(4.0, 10.0), authors=20_000),
    "medium": TierSpec(peak=(3.0, 8.0), dispersion=(3.0, 8.0), authors=5_000),
    "quiet": TierSpec(peak=(0.1, 0.8), dispersion=(1.5, 4.0), authors=800),
}


@dataclass(frozen=True, slots=True)
class EntityProfile:
    """The drawn character of one entity."""

    name: str
    index: int
    tier: str
    peak_rate: float
    night_floor: float
    weekend_factor: float
    phase_h: float
    dispersion: float
    fr_share: float
    negative_share: float
    positive_share: float
    repost_share: float
    authors: int
    group: str = REGULAR
    mean_rate: float = 0.0  # the target daily-mean rate (high-negative entities); 0: drawn from the tier


@dataclass(frozen=True, slots=True)
class InjectedEvent:
    """One labelled event: [onset_ms, end_ms) in event time, and how it was made."""

    entity: str
    kind: str
    onset_ms: int
    end_ms: int
    magnitude: float  # peak volume / normal level (bot bursts: copies per minute / normal level)
    peak_extra_per_min: float
    negative_prob: float
    positive_prob: float
    new_author_share: float
    repost_share: float
    duplicate_share: float = 0.0  # bot bursts: share of copies re-sent with the same id
    planned_start_ms: int | None = None  # campaigns: the declared planned window and uplift
    planned_end_ms: int | None = None
    planned_uplift: float | None = None
    second_wave_min: int | None = None  # storms: minutes from the onset to the second wave's start

    @property
    def pages_expected(self) -> bool:
        return self.kind in PAGE_KINDS


@dataclass(frozen=True, slots=True)
class Burst:
    """An unlabelled background bump: `chatter` (ordinary sentiment) or `grumble` (a complaint thread)."""

    kind: str
    start_min: int
    end_min: int
    factor: float
    negative_share: float


@dataclass(frozen=True, slots=True)
class Cascade:
    """An unlabelled heavy-tailed burst on a bursty entity: usual sentiment, `factor` x the usual volume
    at its peak, then an Omori-like decay; `parent` is the index of the cascade that set it off (or -1)."""

    start_min: int
    end_min: int
    factor: float
    parent: int


@dataclass(slots=True)
class EntitySeries:
    """Per-minute counts of one entity (unique mentions) and the events injected into it."""

    seed: int
    profile: EntityProfile
    start_ms: int
    rate: FloatArray  # the clean seasonal rate (mentions/min), without noise or events
    background: IntArray  # background mentions per minute
    extra: IntArray  # injected event mentions per minute
    event_of_minute: IntArray  # index into events for minutes inside an event, else -1
    events: list[InjectedEvent]
    background_negative: FloatArray  # probability that a background mention is negative, per minute
    bursts: list[Burst]  # unlabelled background bursts (not events)
    learn_minutes: int  # no event starts before this minute
    cascades: list[Cascade] = field(default_factory=list)  # bursty entities: unlabelled cascades (not events)

    @property
    def minutes(self) -> int:
        return int(self.background.shape[0])

    @property
    def counts(self) -> IntArray:
        return self.background + self.extra

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.minutes * MINUTE_MS


def tier_of(index: int) -> str:
    return TIER_CYCLE[index % len(TIER_CYCLE)]


def entity_name(index: int) -> str:
    base = BRANDS[index % len(BRANDS)]
    return base if index < len(BRANDS) else f"{base}{index // len(BRANDS)}"


def make_profile(
    rng: np.random.Generator, index: int, tier: str | None = None, name: str | None = None, group: str = REGULAR
) -> EntityProfile:
    tier = tier or tier_of(index)
    spec = TIER_SPECS[tier]
    return EntityProfile(
        group=group,
        name=name or entity_name(index),
        index=index,
        tier=tier,
        peak_rate=float(rng.uniform(*spec.peak)),
        night_floor=float(rng.uniform(0.03, 0.10)),
        weekend_factor=float(rng.uniform(0.4, 0.7)),
        phase_h=float(rng.uniform(-1.0, 1.0)),
        dispersion=float(rng.uniform(*spec.dispersion)),
        fr_share=float(rng.choice([0.1, 0.4, 0.8])),
        negative_share=float(rng.uniform(0.05, 0.10)),
        positive_share=float(rng.uniform(0.35, 0.55)),
        repost_share=float(rng.uniform(0.10, 0.25)),
        authors=spec.authors,
    )


def high_negative_rate(seed: int, index: int) -> float:
    """The daily-mean rate of high-negative entity `index` of `seed`: over 5 consecutive seeds each
    of the shares 20/40/60% meets every rate of STEADY_RATES once."""
    return STEADY_RATES[(seed + index // len(HIGH_NEGATIVE_SHARES) + index) % len(STEADY_RATES)]


def bursty_tier(seed: int, index: int) -> str:
    """Bursty entities are busy or medium, alternating over seeds and indices."""
    return ("busy", "medium")[(seed + index) % 2]


def make_high_negative_profile(rng: np.random.Generator, seed: int, index: int) -> EntityProfile:
    """A steady entity whose usual mentions are 20%, 40% or 60% negative, at a daily mean of 0.3-30/min."""
    share = HIGH_NEGATIVE_SHARES[index % len(HIGH_NEGATIVE_SHARES)]
    mean = high_negative_rate(seed, index)
    tier = "quiet" if mean < 1.0 else ("medium" if mean < 5.0 else "busy")
    unit = EntityProfile(
        name=f"telco{index}",
        index=index,
        tier=tier,
        peak_rate=1.0,
        night_floor=float(rng.uniform(0.03, 0.10)),
        weekend_factor=float(rng.uniform(0.4, 0.7)),
        phase_h=float(rng.uniform(-1.0, 1.0)),
        dispersion=float(rng.uniform(1.5, 6.0)),
        fr_share=float(rng.choice([0.1, 0.4, 0.8])),
        negative_share=share,
        positive_share=(1.0 - share) * float(rng.uniform(0.4, 0.6)),
        repost_share=float(rng.uniform(0.10, 0.25)),
        authors=int(min(60_000, max(800, 2_000 * mean))),
        group=HIGH_NEGATIVE,
        mean_rate=mean,
    )
    unit_mean = float(seasonal_rate(unit, WEEK_MINUTES).mean())
    return replace(unit, peak_rate=mean / unit_mean)


def cascade_shape(rng: np.random.Generator, length: int) -> FloatArray:
    """Relative extra intensity of a cascade (peak 1): a fast rise, an Omori-like (1 + t/c)^-1.5 decay,
    sometimes a self-excited jolt on the way down."""
    rise = max(1, length // 6)
    c = max(1.0, length / 8.0)
    decay = (1.0 + np.arange(length - rise, dtype=np.float64) / c) ** -1.5
    shape = np.concatenate([_linear_ramp(rise), decay])
    if length >= 8 and rng.random() < 0.5:
        at = int(rng.integers(rise + 2, length - 2))
        width = min(int(rng.integers(2, 5)), length - at)
        shape[at : at + width] += float(rng.uniform(0.3, 0.6))
    result: FloatArray = np.minimum(shape, 1.0)
    return result


def draw_cascades(
    rng: np.random.Generator, minutes: int, weeks: float, spans: list[tuple[int, int]]
) -> list[tuple[Cascade, FloatArray]]:
    """Hawkes-like clusters of cascades: parents at random, each setting off Poisson(0.5) children an
    exponential delay (mean 1 h) after it ends, with a lower peak; none within an hour of an event
    nor overlapping another cascade."""
    lo, hi = CASCADE_FACTOR
    tail = 1.0 - (lo / hi) ** CASCADE_PARETO_ALPHA
    queue: list[tuple[int, int, float]] = [
        (int(rng.integers(0, minutes)), -1, hi) for _ in range(int(rng.poisson(PARENT_CASCADES_PER_WEEK * weeks)))
    ]
    drawn: list[tuple[Cascade, FloatArray]] = []
    while queue:
        start, parent, ceiling = queue.pop(0)
        factor = lo * (1.0 - float(rng.random()) * tail) ** (-1.0 / CASCADE_PARETO_ALPHA)  # Pareto on [lo, hi]
        factor = min(factor, ceiling)
        length = int(rng.integers(CASCADE_MINUTES[0], CASCADE_MINUTES[1] + 1))
        shape = cascade_shape(rng, length)
        children = int(rng.poisson(CASCADE_BRANCHING))
        delays = [int(rng.exponential(CASCADE_CHILD_DELAY_MIN)) for _ in range(children)]
        end = start + length
        if end > minutes or any(start < e + HOUR_MINUTES and s - HOUR_MINUTES < end for s, e in spans):
            continue
        if any(start < c.end_min + 10 and c.start_min - 10 < end for c, _ in drawn):
            continue
        drawn.append((Cascade(start, end, round(factor, 3), parent), shape))
        queue += [(end + delay, start, factor) for delay in delays]
    return sorted(drawn, key=lambda d: d[0].start_min)


def _bump(hours: FloatArray, centre: float, width: float) -> FloatArray:
    """A bell on the 24-hour circle."""
    distance = (hours - centre + 12.0) % 24.0 - 12.0
    result: FloatArray = np.exp(-0.5 * (distance / width) ** 2)
    return result


def seasonal_rate(profile: EntityProfile, minutes: int) -> FloatArray:
    """Expected mentions per minute, from the daily and weekly rhythm alone."""
    t = np.arange(minutes, dtype=np.int64)
    hours = (t % DAY_MINUTES).astype(np.float64) / 60.0
    dow = (t // DAY_MINUTES) % 7
    p = profile.phase_h
    weekday = _bump(hours, 10.5 + p, 2.0) + 0.85 * _bump(hours, 15.0 + p, 2.3) + 0.5 * _bump(hours, 20.5 + p, 1.8)
    weekend = _bump(hours, 13.0 + p, 3.0) + 0.8 * _bump(hours, 20.5 + p, 2.2)
    day_hours = np.arange(DAY_MINUTES, dtype=np.float64) / 60.0
    weekday_peak = float(
        (
            _bump(day_hours, 10.5 + p, 2.0)
            + 0.85 * _bump(day_hours, 15.0 + p, 2.3)
            + 0.5 * _bump(day_hours, 20.5 + p, 1.8)
        ).max()
    )
    weekend_peak = float((_bump(day_hours, 13.0 + p, 3.0) + 0.8 * _bump(day_hours, 20.5 + p, 2.2)).max())
    curve = np.where(dow < 5, weekday / weekday_peak, profile.weekend_factor * weekend / weekend_peak)
    shape = profile.night_floor + (1.0 - profile.night_floor) * curve
    rate: FloatArray = profile.peak_rate * shape * np.asarray(DOW_FACTOR)[dow]
    return rate


def _linear_ramp(n: int) -> FloatArray:
    return np.arange(1, n + 1, dtype=np.float64) / n


def _linear_decay(n: int) -> FloatArray:
    return 1.0 - np.arange(1, n + 1, dtype=np.float64) / (n + 1)


def _exp_decay(tau: float) -> FloatArray:
    n = max(1, math.ceil(tau * math.log(10.0)))  # down to 10% of the peak
    return np.exp(-np.arange(1, n + 1, dtype=np.float64) / tau)


@dataclass(frozen=True, slots=True)
class _Plan:
    shape: FloatArray  # relative intensity per minute from the onset, peak 1
    magnitude: float
    negative_prob: float
    positive_prob: float
    new_author_share: float
    repost_share: float
    copies: int = 0  # bot bursts: total copies
    duplicate_share: float = 0.0
    second_wave: int | None = None  # storms: minute of the second wave's start, from the onset


@dataclass(frozen=True, slots=True)
class StormShape:
    """One storm's relative intensity per minute from the onset (peak 1) and how it was built."""

    shape: FloatArray
    tail_start: int  # first minute of the main shock's decaying tail
    tail_tau: float  # its decay time constant, minutes
    aftershocks: tuple[int, ...]  # minutes (from the onset) where an aftershock starts
    second_wave: int  # minute where the second wave starts (<= 6 h after the onset)
    second_wave_peak: float  # its peak relative to the main shock's


TAIL_FLOOR = 0.05  # a storm's tail is drawn down to 5% of its peak
SECOND_WAVE_MIN = (120, 360)  # 2-6 hours after the onset


def storm_shape(rng: np.random.Generator) -> StormShape:
    """A storm: sharp ramp, plateau, a long exponential tail with aftershocks, and a second wave 2-6 h in."""
    ramp = int(rng.integers(2, 9))
    plateau = int(rng.integers(15, 46))
    tau = float(rng.uniform(60.0, 150.0))
    tail_len = math.ceil(tau * math.log(1.0 / TAIL_FLOOR))
    main = np.concatenate([_linear_ramp(ramp), np.ones(plateau), np.exp(-np.arange(1, tail_len + 1) / tau)])
    wave_at = int(rng.integers(SECOND_WAVE_MIN[0], SECOND_WAVE_MIN[1] + 1))
    wave_peak = float(rng.uniform(0.3, 0.8))
    wave_tau = float(rng.uniform(20.0, 60.0))
    wave = wave_peak * np.concatenate(
        [
            _linear_ramp(int(rng.integers(5, 21))),
            np.ones(int(rng.integers(10, 31))),
            np.exp(-np.arange(1, math.ceil(wave_tau * math.log(1.0 / 0.1)) + 1) / wave_tau),
        ]
    )
    length = max(main.shape[0], wave_at + wave.shape[0])
    shape = np.zeros(length)
    shape[: main.shape[0]] += main
    shape[wave_at : wave_at + wave.shape[0]] += wave
    tail_start = ramp + plateau
    aftershocks: list[int] = []
    for _ in range(int(rng.integers(2, 5))):  # jolts in the tail: +20-50% of the peak for 5-15 minutes
        at = int(rng.integers(tail_start + 10, tail_start + tail_len // 2))
        width = int(rng.integers(5, 16))
        shape[at : at + width] += float(rng.uniform(0.2, 0.5)) * np.sin(np.pi * (np.arange(width) + 0.5) / width)
        aftershocks.append(at)
    shape = np.minimum(shape, 1.0)
    return StormShape(shape, tail_start, tau, tuple(sorted(aftershocks)), wave_at, wave_peak)


def _plan(kind: str, rng: np.random.Generator) -> _Plan:
    def u(lo: float, hi: float) -> float:
        return float(rng.uniform(lo, hi))

    def n(lo: float, hi: float) -> int:
        return round(u(lo, hi))

    if kind == SUDDEN:
        shape = np.concatenate([_linear_ramp(n(2, 10)), np.ones(n(20, 60)), _exp_decay(u(15, 40))])
        return _Plan(shape, u(10, 50), u(0.7, 0.9), 0.03, 0.6, 0.4)
    if kind == STORM:
        storm = storm_shape(rng)
        return _Plan(storm.shape, u(8, 30), u(0.7, 0.9), 0.03, 0.5, 0.4, second_wave=storm.second_wave)
    if kind == SLOW_BURN:
        ramp = n(120, 360)
        x = _linear_ramp(ramp)
        growth = (np.exp(3.0 * x) - 1.0) / (math.exp(3.0) - 1.0)  # slow at first, accelerating
        shape = np.concatenate([growth, np.ones(n(60, 180)), _linear_decay(n(60, 180))])
        return _Plan(shape, u(3, 6), u(0.6, 0.8), 0.05, 0.5, 0.3)
    if kind == NEG_SHIFT:
        shape = np.concatenate([_linear_ramp(n(15, 45)), np.ones(n(90, 240)), _linear_decay(n(30, 60))])
        return _Plan(shape, u(1.5, 2.0), u(0.62, 0.8), 0.08, 0.2, 0.2)
    if kind == POSITIVE_SPIKE:
        shape = np.concatenate([_linear_ramp(n(3, 15)), np.ones(n(20, 60)), _exp_decay(u(20, 60))])
        return _Plan(shape, u(10, 30), 0.03, u(0.8, 0.9), 0.6, 0.5)
    if kind == CAMPAIGN:
        shape = np.concatenate([_linear_ramp(n(10, 30)), np.ones(n(120, 360)), _linear_decay(n(30, 90))])
        return _Plan(shape, u(5, 10), 0.04, u(0.5, 0.65), 0.4, 0.35)
    if kind == BOT_BURST:
        shape = np.concatenate([_linear_ramp(2), np.ones(n(10, 40)), _linear_decay(2)])
        return _Plan(shape, 0.0, 1.0, 0.0, 1.0, 1.0, copies=n(2_000, 6_000), duplicate_share=u(0.2, 0.5))
    raise ValueError(f"unknown event kind {kind!r}")


def generate_entity(
    seed: int,
    index: int,
    weeks: float = 4.0,
    events_per_kind: int = 1,
    kinds: tuple[str, ...] = EVENT_KINDS,
    start_ms: int = START_MS,
    group: str = REGULAR,
) -> EntitySeries:
    """Draw one entity's per-minute series and its labelled events (deterministic per seed, group and index).

    `group`: REGULAR (the tiers cycle), HIGH_NEGATIVE (steady, 20-60% negative, no event) or BURSTY
    (busy and medium entities with the regular events and Hawkes-like cascades)."""
    if weeks <= 0:
        raise ValueError("weeks must be positive")
    if group not in GROUP_CODE:
        raise ValueError(f"unknown entity group {group!r} (choose from {', '.join(GROUPS)})")
    rng = np.random.default_rng([seed, index, 0] if group == REGULAR else [seed, index, 0, GROUP_CODE[group]])
    if group == HIGH_NEGATIVE:
        profile = make_high_negative_profile(rng, seed, index)
        kinds = ()
    elif group == BURSTY:
        profile = make_profile(rng, index, tier=bursty_tier(seed, index), name=f"buzz{index}", group=BURSTY)
    else:
        profile = make_profile(rng, index)
    minutes = round(weeks * WEEK_MINUTES)
    days = math.ceil(minutes / DAY_MINUTES)
    hours = math.ceil(minutes / HOUR_MINUTES)
    rate = seasonal_rate(profile, minutes)
    mean_rate = float(rate.mean())

    day_factor = np.repeat(rng.lognormal(0.0, 0.12, days), DAY_MINUTES)[:minutes]
    hour_factor = np.repeat(rng.gamma(16.0, 1.0 / 16.0, hours), HOUR_MINUTES)[:minutes]
    minute_factor = rng.gamma(profile.dispersion, 1.0 / profile.dispersion, minutes)
    intensity = rate * day_factor * hour_factor * minute_factor

    # Events: one slot each, in shuffled order, after the learning period.
    order = [k for k in kinds for _ in range(events_per_kind)]
    rng.shuffle(order)
    learn = min(WEEK_MINUTES, minutes // 4)
    usable_end = minutes - HOUR_MINUTES
    slot = (usable_end - learn) // max(1, len(order))
    extra_rate = np.zeros(minutes)
    event_of_minute = np.full(minutes, -1, dtype=np.int64)
    events: list[InjectedEvent] = []
    bot_copies: list[tuple[int, FloatArray]] = []
    spans: list[tuple[int, int]] = []
    for i, kind in enumerate(order):
        plan = _plan(kind, rng)
        length = int(plan.shape.shape[0])
        lo = learn + i * slot + 30
        hi = learn + (i + 1) * slot - length - HOUR_MINUTES
        if hi < lo:
            raise ValueError(
                f"{weeks} weeks are too short for {len(order)} events (a {kind} lasts {length} min): "
                "use more weeks or fewer events per kind"
            )
        candidates = np.arange(lo, hi + 1)
        if kind == CAMPAIGN:  # campaigns are launched on weekdays during office hours
            office = candidates[(candidates // DAY_MINUTES % 7 < 5) & (candidates % DAY_MINUTES // 60 >= 8)]
            office = office[office % DAY_MINUTES // 60 < 16]
            candidates = office if office.shape[0] else candidates
        onset = int(candidates[int(rng.integers(0, candidates.shape[0]))])
        end = onset + length
        level = np.maximum(rate[onset:end], max(mean_rate, REFERENCE_FLOOR))
        if kind == BOT_BURST:
            per_minute = plan.copies * plan.shape / float(plan.shape.sum())
            bot_copies.append((onset, per_minute))
            magnitude = float(per_minute.max() / level.max())
            peak_extra = float(per_minute.max())
        else:
            curve = (plan.magnitude - 1.0) * level * plan.shape
            extra_rate[onset:end] += curve
            magnitude = plan.magnitude
            peak_extra = float(curve.max())
        event_of_minute[onset:end] = len(events)
        planned: tuple[int | None, int | None, float | None] = (None, None, None)
        if kind == CAMPAIGN:
            declared_start = max(0, onset - int(rng.integers(0, 61)))
            declared_end = min(minutes, end + int(rng.integers(30, 121)))
            planned = (
                start_ms + declared_start * MINUTE_MS,
                start_ms + declared_end * MINUTE_MS,
                round(plan.magnitude * float(rng.uniform(0.8, 1.25)), 1),
            )
        events.append(
            InjectedEvent(
                entity=profile.name,
                kind=kind,
                onset_ms=start_ms + onset * MINUTE_MS,
                end_ms=start_ms + end * MINUTE_MS,
                magnitude=round(magnitude, 3),
                peak_extra_per_min=round(peak_extra, 3),
                negative_prob=round(plan.negative_prob, 4),
                positive_prob=round(plan.positive_prob, 4),
                new_author_share=plan.new_author_share,
                repost_share=plan.repost_share,
                duplicate_share=round(plan.duplicate_share, 4),
                planned_start_ms=planned[0],
                planned_end_ms=planned[1],
                planned_uplift=planned[2],
                second_wave_min=plan.second_wave,
            )
        )
        spans.append((onset, end))

    # The background's negative share drifts from hour to hour.
    if group == HIGH_NEGATIVE:  # drift on the log-odds: a 60% share stays a share
        logit = math.log(profile.negative_share / (1.0 - profile.negative_share)) + rng.normal(0.0, 0.25, hours)
        hour_negative = 1.0 / (1.0 + np.exp(-logit))
        background_negative = np.clip(np.repeat(hour_negative, HOUR_MINUTES)[:minutes], 0.01, 0.95)
    else:
        hour_negative = profile.negative_share * rng.lognormal(0.0, 0.25, hours)
        background_negative = np.clip(np.repeat(hour_negative, HOUR_MINUTES)[:minutes], 0.02, 0.20)

    # Unlabelled bursts (chatter and grumbles), away from the events.
    bursts: list[Burst] = []
    for _ in range(int(rng.poisson(BURSTS_PER_WEEK * weeks))):
        length = int(rng.integers(10, 46))
        start = int(rng.integers(0, max(1, minutes - length)))
        factor = float(rng.uniform(1.5, 3.0))
        grumble = bool(rng.random() < 0.5)
        negative = float(rng.uniform(0.20, 0.35)) if grumble else 0.0
        if grumble and group == HIGH_NEGATIVE:  # a complaint thread is more negative than the usual
            negative = profile.negative_share + (1.0 - profile.negative_share) * (negative - 0.05)
        if any(start < e + HOUR_MINUTES and s - HOUR_MINUTES < start + length for s, e in spans):
            continue
        intensity[start : start + length] *= factor
        if grumble:
            background_negative[start : start + length] = negative
        bursts.append(Burst("grumble" if grumble else "chatter", start, start + length, round(factor, 3), negative))

    cascades: list[Cascade] = []
    if group == BURSTY:
        for cascade, shape in draw_cascades(rng, minutes, weeks, spans):
            intensity[cascade.start_min : cascade.end_min] *= 1.0 + (cascade.factor - 1.0) * shape
            cascades.append(cascade)

    background = rng.poisson(intensity).astype(np.int64)
    event_noise = rng.gamma(8.0, 1.0 / 8.0, minutes)
    extra = rng.poisson(extra_rate * event_noise).astype(np.int64)
    for onset, per_minute in bot_copies:
        extra[onset : onset + per_minute.shape[0]] += rng.poisson(per_minute).astype(np.int64)
    return EntitySeries(
        seed=seed,
        profile=profile,
        start_ms=start_ms,
        rate=rate,
        background=background,
        extra=extra,
        event_of_minute=event_of_minute,
        events=events,
        background_negative=background_negative,
        bursts=sorted(bursts, key=lambda b: b.start_min),
        learn_minutes=learn,
        cascades=cascades,
    )


# --- Mentions -----------------------------------------------------------------------------------

_WORDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("bg", "en"): ("order", "delivery", "store", "app", "update", "account", "team", "booking", "support", "shop"),
    ("bg", "fr"): ("commande", "livraison", "magasin", "appli", "compte", "équipe", "boutique", "carte", "agence"),
    (SUDDEN, "en"): ("outage", "scandal", "refund", "boycott", "leak", "cancelled", "hacked", "stranded"),
    (SUDDEN, "fr"): ("panne", "scandale", "remboursement", "boycott", "fuite", "annulé", "piratage", "bloqués"),
    (STORM, "en"): ("outage", "breach", "strike", "crash", "delays", "apology", "statement", "backlash"),
    (STORM, "fr"): ("panne", "fuite", "grève", "accident", "retards", "excuses", "communiqué", "polémique"),
    (SLOW_BURN, "en"): ("recall", "defect", "lawsuit", "unsafe", "investigation", "complaints", "batch"),
    (SLOW_BURN, "fr"): ("rappel", "défaut", "procès", "dangereux", "enquête", "plaintes", "lot"),
    (NEG_SHIFT, "en"): ("price", "hike", "subscription", "fees", "changes", "terms", "plan"),
    (NEG_SHIFT, "fr"): ("hausse", "abonnement", "tarifs", "frais", "changement", "conditions", "forfait"),
    (POSITIVE_SPIKE, "en"): ("launch", "amazing", "winner", "award", "finally", "release", "keynote"),
    (POSITIVE_SPIKE, "fr"): ("lancement", "incroyable", "gagnant", "récompense", "enfin", "sortie", "annonce"),
    (CAMPAIGN, "en"): ("promo", "sale", "offer", "contest", "giveaway", "discount", "deal"),
    (CAMPAIGN, "fr"): ("promo", "soldes", "offre", "concours", "cadeau", "réduction", "bon"),
}
_POLARITY: dict[tuple[str, int], tuple[str, ...]] = {
    ("en", 0): ("awful", "terrible", "angry", "disappointed", "worst", "shameful", "broken"),
    ("en", 1): ("today", "again", "week", "morning", "news", "people"),
    ("en", 2): ("great", "love", "thanks", "happy", "excellent", "recommend", "brilliant"),
    ("fr", 0): ("nul", "honteux", "énervé", "déçu", "pire", "scandaleux", "inadmissible"),
    ("fr", 1): ("aujourd'hui", "encore", "semaine", "matin", "nouvelles", "gens"),
    ("fr", 2): ("super", "merci", "génial", "content", "excellent", "recommande", "bravo"),
}


def _split(words: str) -> tuple[str, ...]:
    return tuple(words.split())


_FILLER: dict[str, tuple[str, ...]] = {
    "en": _split(
        "customer friend family phone email online city home work line call message website year month night "
        "weekend staff manager question answer experience kids office train lunch evening screen queue colleague"
    ),
    "fr": _split(
        "client ami famille téléphone courriel ligne ville maison travail appel message site année mois soir "
        "weekend personnel responsable question réponse expérience enfants bureau train déjeuner soirée écran "
        "file collègue quartier"
    ),
}
_HASHTAG = {
    SUDDEN: "fail",
    STORM: "down",
    SLOW_BURN: "recall",
    NEG_SHIFT: "prices",
    POSITIVE_SPIKE: "love",
    CAMPAIGN: "promo",
}
RECENT_ORIGINALS = 32
NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2


class TextBank:
    """Short synthetic posts: the entity, two theme words, a polarity word, two everyday words.

    Each original post gets its own combination (tens of millions are possible), so, as in real
    traffic, distinct posts are distinct texts and only reposts and bot copies repeat a text.
    """

    def __init__(self, entity: str) -> None:
        self.entity = entity

    def compose(self, theme: str, lang: str, polarity: int, draw: int) -> str:
        themed = _WORDS[(theme, lang)]
        feeling = _POLARITY[(lang, polarity)]
        filler = _FILLER[lang]
        d = draw
        first, d = themed[d % len(themed)], d // len(themed)
        second, d = themed[(themed.index(first) + 1 + d % (len(themed) - 1)) % len(themed)], d // (len(themed) - 1)
        mood, d = feeling[d % len(feeling)], d // len(feeling)
        word_a, d = filler[d % len(filler)], d // len(filler)
        word_b, d = filler[d % len(filler)], d // len(filler)
        words = [first, word_a, mood, second, word_b] if d % 2 else [word_a, first, second, mood, word_b]
        text = f"{self.entity} " + " ".join(words)
        suffix = _HASHTAG.get(theme)
        if suffix is not None and d % 5 < 3:
            text += f" #{self.entity}{suffix}"
        elif d % 10 == 9:
            text += f" #{self.entity}"
        return text

    def bot_text(self, lang: str) -> str:
        if lang == "fr":
            return f"{self.entity} arnaque fraude exposée, boycott maintenant #boycott{self.entity}"
        return f"{self.entity} exposed: scam and fraud, boycott now #boycott{self.entity}"


def _followers(rng: np.random.Generator, n: int) -> IntArray:
    return np.minimum(rng.lognormal(4.5, 2.0, n), 20_000_000).astype(np.int64)


@dataclass(slots=True)
class MentionStats:
    """What `iter_mentions` produced (filled in as it goes)."""

    unique: int = 0
    resent_duplicates: int = 0
    reposts: int = 0
    negative: int = 0


def iter_mentions(series: EntitySeries, stats: MentionStats | None = None) -> Iterator[tuple[Mention, Sentiment]]:
    """The series as scored mentions in event-time order; re-sent duplicates follow their original."""
    profile = series.profile
    name = profile.name
    code = GROUP_CODE[profile.group]
    rng = np.random.default_rng([series.seed, profile.index, 1] if code == 0 else [series.seed, profile.index, 1, code])
    texts = TextBank(name)
    stats = stats if stats is not None else MentionStats()
    counts = series.counts
    total = int(counts.sum())
    minutes = np.arange(series.minutes, dtype=np.int64)

    minute_of = np.repeat(minutes, counts)
    first = np.cumsum(counts) - counts
    position = np.arange(total, dtype=np.int64) - np.repeat(first, counts)
    is_event = position >= np.repeat(series.background, counts)
    event_index = np.repeat(series.event_of_minute, counts)
    ts = series.start_ms + minute_of * MINUTE_MS + rng.integers(0, MINUTE_MS, total)

    # Per-mention class (0 = background, i + 1 = event i) and the probabilities it draws from.
    klass = np.zeros(total, dtype=np.int64)
    p_negative = np.repeat(series.background_negative, counts)
    p_positive = np.full(total, profile.positive_share)
    p_new = np.full(total, 1.0 if profile.group == HIGH_NEGATIVE else 0.0)  # high-negative: distinct authors
    p_repost = np.full(total, profile.repost_share)
    for i, event in enumerate(series.events):
        inside = event_index == i
        mask = inside if event.kind == NEG_SHIFT else inside & is_event
        klass[mask] = i + 1
        p_negative[mask] = event.negative_prob
        p_positive[mask] = event.positive_prob
        p_new[mask] = event.new_author_share
        p_repost[mask] = event.repost_share

    u_sentiment = rng.random(total)
    magnitude = 0.06 + 0.89 * rng.random(total)
    compound = np.where(
        u_sentiment < p_negative,
        -magnitude,
        np.where(u_sentiment < p_negative + p_positive, magnitude, 0.0),
    ).round(4)
    french = rng.random(total) < profile.fr_share
    pool_index = np.minimum((profile.authors * rng.random(total) ** 3).astype(np.int64), profile.authors - 1)
    new_author = rng.random(total) < p_new
    new_followers = _followers(rng, total)
    repost = rng.random(total) < p_repost
    draw = rng.integers(0, 1 << 40, total)
    resend = rng.random(total)

    order = np.argsort(ts, kind="stable")
    pool_followers = _followers(rng, profile.authors).tolist()
    pool = [Author(f"{name}-u{i}", int(f)) for i, f in enumerate(pool_followers)]
    theme = ["bg"] + [e.kind for e in series.events]
    is_bot = [False] + [e.kind == BOT_BURST for e in series.events]
    dup_share = [0.0] + [e.duplicate_share for e in series.events]
    recent: dict[tuple[int, bool], list[tuple[str, str, float]]] = {}
    bot_original: dict[int, tuple[str, str, float, str]] = {}

    for seq, (k, ts_k, cls, comp, fr, pidx, new, fol, rep, dr, rs) in enumerate(
        zip(
            order.tolist(),
            ts[order].tolist(),
            klass[order].tolist(),
            compound[order].tolist(),
            french[order].tolist(),
            pool_index[order].tolist(),
            new_author[order].tolist(),
            new_followers[order].tolist(),
            repost[order].tolist(),
            draw[order].tolist(),
            resend[order].tolist(),
            strict=True,
        ),
        start=1,
    ):
        mention_id = f"{name}-{seq}"
        lang = "fr" if fr else "en"
        repost_of: str | None = None
        resent = False
        if is_bot[cls]:
            original = bot_original.get(cls)
            if original is None:
                text = texts.bot_text(lang)
                comp = -round(0.5 + 0.4 * (dr % 1000) / 1000, 4)
                author = pool[pidx]
                bot_original[cls] = (mention_id, text, comp, lang)
            else:
                repost_of, text, comp, lang = original
                author = Author(f"{name}-bot{k}", fol % 30)
                resent = rs < dup_share[cls]
        else:
            author = Author(f"{name}-n{k}", fol) if new else pool[pidx]
            bucket = recent.setdefault((cls, fr), [])
            if rep and len(bucket) >= MIN_ORIGINALS_FOR_REPOSTS:
                repost_of, text, comp = bucket[dr % len(bucket)]
            else:
                polarity = NEGATIVE if comp < 0 else (POSITIVE if comp > 0 else NEUTRAL)
                text = texts.compose(theme[cls], lang, polarity, dr)
                if len(bucket) < RECENT_ORIGINALS:
                    bucket.append((mention_id, text, comp))
                else:
                    bucket[dr % RECENT_ORIGINALS] = (mention_id, text, comp)
        mention = Mention(
            id=mention_id, entity=name, ts_ms=ts_k, text=text, lang=lang, author=author, repost_of=repost_of
        )
        sentiment = Sentiment(lang, comp)
        stats.unique += 1
        stats.reposts += repost_of is not None
        stats.negative += comp <= -0.05
        yield mention, sentiment
        if resent:
            stats.resent_duplicates += 1
            yield mention, sentiment
