"""The default detector: a seasonal, spike-robust baseline per entity and two count signals.

Baseline: the expected (copy-discounted) volume of a window is learned per hour of the week,
falling back to the hour of the day and then to the overall level while the entity is young,
so a Monday 9:00 is not judged like a Sunday 3:00. Windows that look anomalous, or fall in a
planned event, barely teach it, so past storms do not inflate it.

Signals, both judged as counts (a Poisson tail, widened by the entity's measured
overdispersion), never as z-scores:
- volume: effective mentions against the (planned-uplifted) baseline, and above the entity's own
  burst line (models/detectors/bursts.py): a surge the size of its ordinary bursts is not news;
- negative: negative mentions against the entity's usual negative share (decayed sums of its
  negative and scored mentions, unbiased at any volume), which catches a sentiment shift at
  modest volume; a burst with the usual sentiment does not move it;
- the same two signals on decayed sums over about 15 and 60 minutes, which see a slow burn
  or a storm on a sparse entity that no single window shows (the volume floor applies to the sum).
Copies count little: each distinct text is one voice, and n further copies count sqrt(n).
Bot-like bursts do not page: a surge that is mostly copies, or that few authors carry (its
distinct authors grew far less than its volume: models/detectors/authors.py), is at most "info".
A window is not normal while its short span is still clearly busy: a storm's long tail keeps its
incident open (models/incidents.py re-opens it for aftershocks and a second wave).

`score` runs the steps in order: baseline, window signals, bot filter, spans, severity; `learn` then
teaches the state what `score` worked out (`assess` does both); `learn_idle_run` learns a run of
empty windows at once for an entity on which nothing can fire (`can_fire`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from firestorm.models.detectors import authors as author_signal
from firestorm.models.detectors import bursts
from firestorm.models.detectors.base import Assessment, OnlineDetector, Severity, severity_rank
from firestorm.models.detectors.seasonal_state import EVENT_SPAN, EVENT_SUMS, HOURS_PER_DAY, SeasonalState, load
from firestorm.models.detectors.stats import binomial_tail_score, poisson_tail_score
from firestorm.models.sentiment import NEGATIVE_COMPOUND, POSITIVE_COMPOUND
from firestorm.models.windows import WindowStats


@dataclass(frozen=True, slots=True)
class SeasonalSettings:
    """Sensitivity knobs. Counts are per window; `windows_per_hour` comes from the window size."""

    windows_per_hour: float = 60.0
    warmup_windows: int = 60  # no alert before this much history
    min_volume: int = 10  # never alert below this many effective mentions in a window
    min_ratio: float = 3.0  # effective volume / expected needed for a volume alert
    trigger_score: float = 6.0  # -log10 tail probability needed by either signal
    min_expected: float = 0.5  # floor on the baseline, so sparse entities are not hair-triggers
    min_expected_negative: float = 0.3
    negative_ratio: float = 4.0  # negative mentions / expected negatives for a sentiment alert
    negative_margin: float = 0.2  # negative share must exceed the usual share by this much ...
    share_score: float = 3.0  # ... and be unlikely for the usual share (-log10 binomial tail) at this count,
    share_drift_mentions: float = 60.0  # counted as at most about this many mentions: the share drifts hour to hour
    far_negative_margin: float = 0.4  # a share this far above the usual needs no binomial evidence (a small storm)
    prior_negative_share: float = 0.1  # the usual negative share before anything is learned ...
    prior_negative_weight: float = 5.0  # ... with the weight of this many scored mentions
    min_usual_negative_share: float = 0.05  # floor on the usual share the signals use
    negative_memory_hours: float = 24.0  # decay of the usual negative share's sums
    max_negative_dispersion: float = (
        1.5  # negatives are a thinning of the volume: most of its overdispersion is not theirs
    )
    copy_dominated_share: float = 0.5  # distinct texts grew by less than this share of the surge: bot-like
    few_authors_share: float = 1 / 3  # authors grew less than this share of the volume's growth: bot-like
    bot_like_severity: Severity = "info"  # the most a bot-like burst (copies or few authors) can be
    short_span_minutes: float = 15.0  # decayed sums over about this long catch slow burns and sparse storms
    long_span_minutes: float = 60.0
    span_ratio: float = 2.5  # sum of effective volume / sum of expected needed for a span alert
    span_current_ratio: float = 1.5  # a longer span fires only while the shorter one is still this high
    span_busier_ratio: float = 1.25  # span negative signals need the volume this far above normal too
    burst_memory_days: float = 14.0  # how long the entity's past bursts raise its volume line
    burst_rare_count: float = 1.0  # a size fewer than this many recent (decayed) bursts reached is unusual
    burst_min_history_hours: float = 24.0  # the burst line needs this much history (before: min_ratio)
    clip_sigmas: float = 3.0  # how far above the baseline one window may pull it
    anomalous_learning: float = 0.1  # learning-rate factor for anomalous windows
    level_memory_hours: float = 24.0
    daily_memory_days: float = 7.0
    weekly_memory_weeks: float = 4.0
    max_dispersion: float = 4.0
    resolve_ratio: float = 1.5  # at most this x expected counts as back to normal
    warning_negative_share: float = 0.4
    critical_negative_share: float = 0.5
    critical_ratio: float = 10.0
    critical_score: float = 30.0
    # Crisis events: a not-positive, unplanned surge whose last ~15 minutes (short_span_minutes, every
    # window's full volume) hold this many times their expected volume pages whatever its compound
    # (docs/detection.md, "Crisis events").
    event_ratio: float = 4.0
    # ... once the entity has this much history: before, its level does not yet know its day (a morning
    # after a quiet night looks like a surge).
    event_min_history_hours: float = 12.0
    # ... and, unless it names crisis words, is not positive and not in the entity's usual tone: its
    # mean compound at least this far from the usual (a complaint-heavy entity's ordinary bursts read
    # "not positive" too; the negative signals judge those).
    event_tone_margin: float = 0.1
    new_term_share: float = 0.1  # a term in >= 10% of the window's mentions ...
    new_term_baseline_share: float = 0.02  # ... that is usually in < 2% is "new"
    term_learning: float = 0.05  # learning rate of the usual term shares
    term_min_count: int = 3  # windows with fewer mentions do not teach terms
    max_baseline_terms: int = 50


MAX_BASELINE_TERMS = SeasonalSettings().max_baseline_terms


def _crisis_share(event_sums: list[float]) -> float:
    """Crisis words per effective mention over the last ~15 minutes (a post with two counts twice; at most 1)."""
    return min(1.0, event_sums[4] / event_sums[0]) if event_sums[0] > 0 else 0.0


def _slots(start_ms: int) -> tuple[int, int]:
    """(hour of day, hour of week with Monday 00:00 UTC = 0) of a window start."""
    hours = start_ms // 3_600_000
    weekday = (hours // HOURS_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday
    return hours % HOURS_PER_DAY, weekday * HOURS_PER_DAY + hours % HOURS_PER_DAY


def effective_volume(window: WindowStats) -> float:
    """Distinct texts count 1 each; the n further copies count sqrt(n) together."""
    copies = window.count - window.distinct_texts
    if copies <= 0 or window.distinct_texts == 0:  # no copies, or a window from before texts were tracked
        return float(window.count)
    return window.distinct_texts + math.sqrt(copies)


@dataclass(frozen=True, slots=True)
class _Baseline:
    """What the window is judged against."""

    base: float  # the learned expected volume (floored), before any planned uplift
    raw: float  # the same, unfloored and uplifted: what spans add as expected
    expected: float  # floored and uplifted
    usual_negative: float
    dispersion: float


@dataclass(frozen=True, slots=True)
class _WindowSignals:
    """The single-window signals and the figures behind them."""

    volume: float
    volume_score: float
    negatives: float
    expected_negative: float
    negative_score: float
    negative_line: float
    share_elevated: bool
    volume_signal: bool
    negative_signal: bool


@dataclass(frozen=True, slots=True)
class _Spans:
    """What the spans step worked out for one window."""

    fired: list[str]
    best_negative: float
    short_busy: bool
    sums: list[list[float]]  # each span's decayed sums with the window added, in self._spans order
    ratios: list[float | None]  # the ratio each span's burst tail learns (None: not learned)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What `score` worked out that `learn` applies (Assessment.plan)."""

    hour: int
    week_hour: int
    base: float
    signals: _WindowSignals
    planned: bool
    span_sums: list[list[float]]
    span_ratios: list[float | None]
    event_sums: list[float]


class SeasonalDetector(OnlineDetector):
    """Seasonal baseline + volume and negative-sentiment count signals."""

    name = "seasonal"

    def __init__(self, settings: SeasonalSettings | None = None) -> None:
        self.settings = settings or SeasonalSettings()
        s = self.settings
        per_hour = max(s.windows_per_hour, 1e-9)
        self._per_day_slot = per_hour  # windows in one hour-of-day slot per day
        self._alpha_level = 1.0 / max(s.level_memory_hours * per_hour, 1.0)
        self._alpha_daily = 1.0 / max(s.daily_memory_days * per_hour, 1.0)
        self._alpha_weekly = 1.0 / max(s.weekly_memory_weeks * per_hour, 1.0)
        self._negative_keep = 1.0 - 1.0 / max(s.negative_memory_hours * per_hour, 1.0)
        self._burst_keep = 1.0 - 1.0 / max(s.burst_memory_days * 24 * per_hour, 1.0)
        self._burst_history = round(s.burst_min_history_hours * per_hour)
        self._spans = [
            (name, 1.0 - 1.0 / windows)
            for name, windows in (
                ("short", s.short_span_minutes / 60 * per_hour),
                ("long", s.long_span_minutes / 60 * per_hour),
            )
            if windows >= 3
        ]
        self._window_ms = round(3_600_000 / per_hour)
        self._event_windows = max(1, round(s.short_span_minutes / 60 * per_hour))
        self._event_history = round(s.event_min_history_hours * per_hour)
        # An idle run can be learned at once only where these make an empty window's signals moot
        # (no volume or negative signal, no elevated share, no terms to learn at a zero count).
        self._idle_runs_ok = (
            s.min_volume >= 1 and s.min_expected > 0 and s.warning_negative_share > 0 and s.term_min_count >= 1
        )

    def initial_state(self) -> SeasonalState:
        return SeasonalState()

    def load(self, data: SeasonalState | dict[str, Any]) -> SeasonalState:
        """A restored state (any version) in its working form."""
        return load(data)

    def expected(self, state: SeasonalState, start_ms: int) -> float:
        """The baseline for a window: weekly slot, else daily slot, else overall level, blended by evidence."""
        return self._expected_at(state, *_slots(start_ms))

    def _expected_at(self, state: SeasonalState, hour: int, week_hour: int) -> float:
        per_slot = self._per_day_slot
        daily_weight = min(1.0, state.daily_n[hour] / (2 * per_slot))
        daily = daily_weight * state.daily[hour] + (1 - daily_weight) * state.level
        weekly_weight = min(1.0, state.weekly_n[week_hour] / (2 * per_slot))
        return float(weekly_weight * state.weekly[week_hour] + (1 - weekly_weight) * daily)

    def usual_negative_share(self, state: SeasonalState) -> float:
        """Negative over scored mentions of the entity's normal windows, from the prior while few are known."""
        s = self.settings
        prior = s.prior_negative_weight
        return (state.negatives + prior * s.prior_negative_share) / (state.scored + prior)

    def usual_compound(self, state: SeasonalState) -> float:
        """Mean compound of the entity's scored mentions (decayed like the usual negative share; a
        neutral prior while few are known)."""
        return state.compound / (state.scored + self.settings.prior_negative_weight)

    def dump(self, state: SeasonalState) -> dict[str, Any]:
        return state.to_json()

    def score(
        self,
        state: SeasonalState,
        window: WindowStats,
        uplift: float = 1.0,
        muted: bool = False,
        explain: bool = True,
    ) -> Assessment:
        """Judge the window (the state is not changed; `learn` applies what this worked out). `details`
        (the figures an alert's drivers show) are built when the window is anomalous or `explain` asks
        for them (the engine asks while an incident is open): most windows are neither, and building
        them cost as much as judging."""
        s = self.settings
        planned = uplift != 1.0 or muted
        hour, week_hour = _slots(window.start_ms)
        baseline = self._baseline(state, hour, week_hour, uplift)
        signals = self._window_signals(state, window, baseline)
        copy_dominated, authors = self._bot_filter(state, window, signals.volume, baseline.expected)
        bot_like = copy_dominated or authors.few
        knows_hour = state.daily_n[hour] >= self._per_day_slot
        spans = self._spans_step(
            state,
            window,
            baseline,
            signals,
            muted,
            loud=signals.volume_signal or signals.negative_signal or bot_like,
            quiet_spans=planned or not knows_hour,
        )
        event_sums = self._event_slide(
            state.spans[EVENT_SPAN],
            state.n,
            baseline.raw if muted or bot_like else signals.volume,
            baseline.raw if knows_hour else state.level * uplift,
            window.mean_compound * window.scored,
            window.scored,
            sum(n for _, n in window.crisis_terms),
        )
        event_total, event_expected = event_sums[0], event_sums[1]
        event_compound = event_sums[2] / event_sums[3] if event_sums[3] else 0.0
        named = _crisis_share(event_sums) >= s.new_term_share
        fired = [n for n, on in (("volume", signals.volume_signal), ("negative", signals.negative_signal)) if on]
        fired += spans.fired
        if (
            not planned
            and state.n >= self._event_history
            and signals.volume >= s.span_current_ratio * baseline.expected
            and (named or self._unusual_tone(state, event_compound))
            and self._event_signal(state, event_total, event_expected)
        ):
            fired.append("volume_event")
        warm = state.n >= s.warmup_windows
        anomalous = warm and not muted and bool(fired)
        normal = (
            signals.volume <= max(s.resolve_ratio * baseline.expected, s.min_volume / 2)
            and not (signals.share_elevated and signals.negatives >= s.min_volume / 2)
            and not spans.short_busy
        )
        severity = self._severity(window, baseline, signals, spans.best_negative, spans.fired)
        crisis = None if planned or bot_like else self._crisis_severity(fired, event_compound, named)
        if crisis is not None and severity_rank(crisis) > severity_rank(severity):
            severity = crisis  # the crisis rule is why it pages (or pages higher): its figures are shown
        else:
            crisis = None  # a complaint storm the negative rules already page as high reads as before
        if bot_like and severity_rank(severity) > severity_rank(s.bot_like_severity):
            severity = s.bot_like_severity
        details: dict[str, Any] = {}
        if explain or anomalous:
            details = self._details(state, window, baseline, signals, copy_dominated, authors, fired)
            details.update(self._event_details(window, event_sums, crisis))
            if planned:
                details["planned"] = {"uplift": uplift, "muted": muted}
        return Assessment(
            expected=baseline.expected,
            score=max(signals.volume_score, signals.negative_score),
            anomalous=anomalous,
            normal=normal,
            severity=severity,
            warm=warm,
            details=details,
            plan=_Plan(hour, week_hour, baseline.base, signals, planned, spans.sums, spans.ratios, event_sums),
        )

    def learn(self, state: SeasonalState, window: WindowStats, assessment: Assessment) -> None:
        """Teach the state the window `score` judged: the spans' sums and burst tails first, then
        (unless it was planned) the baseline, the usual shares, terms, reach and authors."""
        plan: _Plan = assessment.plan
        for (name, _), sums, ratio in zip(self._spans, plan.span_sums, plan.span_ratios, strict=True):
            state.spans[name][:] = sums
            if ratio is not None:
                bursts.learn(state.bursts[name], ratio, state.n, self._burst_keep)
        state.spans[EVENT_SPAN][:] = plan.event_sums
        if plan.planned:
            state.n += 1  # planned windows do not teach the baseline
        else:
            self._learn(state, window, plan.signals, plan.base, assessment.anomalous, plan.hour, plan.week_hour)

    def can_fire(self, state: SeasonalState) -> bool:
        """An empty window has no window signal and no negative span (its own negatives are none);
        only a volume span can fire, and only while its decayed sum reaches the volume floor: it
        only decays over an idle run, so once below, no empty window fires again until a mention."""
        if not self._idle_runs_ok:
            return True
        return any(state.spans[name][0] >= self.settings.min_volume for name, _ in self._spans)

    def learn_idle_run(self, state: SeasonalState, first_window_start: int, count: int) -> None:
        """`count` empty, unplanned windows from `first_window_start`, learned as score-then-learn
        learns each (tests/models/detectors/test_seasonal_idle.py holds them equal, bit for bit):
        the same steps in the same order, without what a zero count makes moot (no window signal,
        no bot filter, no negatives, terms, reach or authors to add). Only for a state on which
        `can_fire` is false: nothing in the run is anomalous, so every window learns undamped.

        One tight loop over the windows: `_expected_at`, the spans' sums, `_event_slide` (in place),
        `_learn_baseline` and `_learn_dispersion` inlined with their own expressions (each is a few
        float operations, and a call costs more than it), burst tails touched only where `bursts.learn`
        would change them, `max(a, b)` written as `b if b > a else a` (what max returns, NaN and signed
        zeros alike, without the call: an idle run is most of a sparse month's work). The usual negative
        share is the same for the whole run (an empty window has no scored mention to teach it)."""
        if count <= 0:
            return
        s = self.settings
        per_slot, keep = self._per_day_slot, self._burst_keep
        two_slots = 2 * per_slot
        min_expected, max_dispersion = s.min_expected, s.max_dispersion
        alpha_level, alpha_daily, alpha_weekly = self._alpha_level, self._alpha_daily, self._alpha_weekly
        usual = max(self.usual_negative_share(state), s.min_usual_negative_share)
        window_tail = state.bursts["window"]
        span_tails = [(state.spans[name], decay, state.bursts[name]) for name, decay in self._spans]
        event = state.spans[EVENT_SPAN]
        width = self._event_windows
        if len(event) != EVENT_SUMS * (1 + width):  # a state from before the sums: afresh, as _event_slide does
            event[:] = [0.0] * (EVENT_SUMS * (1 + width))
        ring_volume, ring_expected, ring_compound = EVENT_SUMS, EVENT_SUMS + width, EVENT_SUMS + 2 * width
        ring_scored, ring_crisis = EVENT_SUMS + 3 * width, EVENT_SUMS + 4 * width
        daily, daily_n, weekly, weekly_n = state.daily, state.daily_n, state.weekly, state.weekly_n
        rung, peak_at, smoothing, learn_tail = bursts.RUNGS[0], len(bursts.RUNGS) + 1, bursts.SMOOTHING, bursts.learn
        level, dispersion, reach, seen = state.level, state.dispersion, state.reach, state.n
        for start in range(first_window_start, first_window_start + count * self._window_ms, self._window_ms):
            hours = start // 3_600_000
            hour = hours % HOURS_PER_DAY
            week_hour = ((hours // HOURS_PER_DAY + 3) % 7) * HOURS_PER_DAY + hour
            # _expected_at
            day_n = daily_n[hour]
            daily_weight = day_n / two_slots
            daily_weight = daily_weight if daily_weight < 1.0 else 1.0  # min(1.0, x)
            blended = daily_weight * daily[hour] + (1 - daily_weight) * level
            week_n = weekly_n[week_hour]
            weekly_weight = week_n / two_slots
            weekly_weight = weekly_weight if weekly_weight < 1.0 else 1.0
            learned = float(weekly_weight * weekly[week_hour] + (1 - weekly_weight) * blended)
            base = min_expected if min_expected > learned else learned
            # The spans, as _spans_step adds a window that is not loud (span_expected as there).
            span_expected = learned * 1.0
            span_expected = 0.0 if span_expected < 0.0 else span_expected
            span_expected = 0.01 if span_expected < 0.01 else span_expected
            knows_hour = day_n >= per_slot
            for sums, decay, tail in span_tails:
                sums[0] = total = sums[0] * decay + 0.0
                sums[1] = expected_total = sums[1] * decay + span_expected
                sums[2] = sums[2] * decay + 0.0
                sums[3] = sums[3] * decay + span_expected * usual
                if knows_hour:
                    ratio = (total + smoothing) / (expected_total + smoothing)
                    if ratio >= rung or tail[peak_at] > 0.0:
                        learn_tail(tail, ratio, seen, keep)
            # _event_slide: volume, expected, compound, scored and crisis words of an empty window.
            slot = seen % width
            expected = learned * 1.0 if knows_hour else level * 1.0
            expected = 0.01 if expected < 0.01 else expected
            at = ring_volume + slot
            value = event[0] + 0.0 - event[at]
            event[0] = 0.0 if value < 0.0 else value
            event[at] = 0.0
            at = ring_expected + slot
            value = event[1] + expected - event[at]
            event[1] = 0.0 if value < 0.0 else value
            event[at] = expected
            at = ring_compound + slot
            event[2] = event[2] + 0.0 - event[at]
            event[at] = 0.0
            at = ring_scored + slot
            value = event[3] + 0.0 - event[at]
            event[3] = 0.0 if value < 0.0 else value
            event[at] = 0.0
            at = ring_crisis + slot
            value = event[4] + 0.0 - event[at]
            event[4] = 0.0 if value < 0.0 else value
            event[at] = 0.0
            # _learn_baseline towards a zero volume, undamped (clipping a zero changes nothing).
            alpha = 1.0 / (seen + 1)
            alpha = alpha if alpha > alpha_level else alpha_level  # max(alpha_level, 1 / (seen + 1))
            level += 1.0 * alpha * (0.0 - level)
            rate = 1.0 / (day_n + 1)
            rate = rate if rate > alpha_daily else alpha_daily
            daily[hour] += 1.0 * rate * (0.0 - daily[hour])
            daily_n[hour] = day_n + 1
            rate = 1.0 / (week_n + 1)
            rate = rate if rate > alpha_weekly else alpha_weekly
            weekly[week_hour] += 1.0 * rate * (0.0 - weekly[week_hour])
            weekly_n[week_hour] = week_n + 1
            # The window's burst tail, then _learn_dispersion and the reach, with the count before it.
            ratio = (0.0 + smoothing) / (base + smoothing)
            if ratio >= rung or window_tail[peak_at] > 0.0:
                learn_tail(window_tail, ratio, seen, keep)
            if base >= 1.0:
                updated = dispersion + alpha * ((0.0 - base) ** 2 / base - dispersion)
                updated = 1.0 if updated < 1.0 else updated  # min(max(updated, 1.0), max_dispersion)
                dispersion = max_dispersion if max_dispersion < updated else updated
            reach += alpha * (0 - reach)
            seen += 1
        state.level, state.dispersion, state.reach, state.n = level, dispersion, reach, seen

    def _details(
        self,
        state: SeasonalState,
        window: WindowStats,
        baseline: _Baseline,
        signals: _WindowSignals,
        copy_dominated: bool,
        authors: author_signal.AuthorSignal,
        fired: list[str],
    ) -> dict[str, Any]:
        """The figures behind the verdict, from the state before this window teaches it."""
        return {
            "detector": self.name,
            "signals": fired,
            "copy_dominated": copy_dominated,
            "effective_volume": round(signals.volume, 2),
            "expected_negative": round(signals.expected_negative, 3),
            "negative_score": round(signals.negative_score, 3),
            "usual_negative_share": round(baseline.usual_negative, 4),
            "dispersion": round(baseline.dispersion, 3),
            "burst_line": round(self._burst_line(state, "window", self.settings.min_ratio), 1),
            "new_terms": self._new_terms(state, window),
            "reach_ratio": round(window.reach / state.reach, 2) if state.reach else None,
            **author_signal.details(authors),
        }

    # --- the steps of score, in order ---

    def _baseline(self, state: SeasonalState, hour: int, week_hour: int, uplift: float) -> _Baseline:
        s = self.settings
        learned = self._expected_at(state, hour, week_hour)
        base = max(learned, s.min_expected)
        usual = max(self.usual_negative_share(state), s.min_usual_negative_share)
        return _Baseline(base, learned * uplift, base * uplift, usual, float(state.dispersion))

    def _window_signals(self, state: SeasonalState, window: WindowStats, b: _Baseline) -> _WindowSignals:
        s = self.settings
        volume = effective_volume(window)
        volume_score = poisson_tail_score(volume / b.dispersion, b.expected / b.dispersion)
        copy_factor = volume / window.count if window.count else 1.0
        negatives = window.negative * copy_factor
        expected_negative = max(b.expected * b.usual_negative, s.min_expected_negative)
        # Negatives are a thinning of the volume (each mention negative with the usual share p): they
        # keep the part p of its overdispersion, variance/mean = 1 + p (D - 1). An entity whose ordinary
        # mentions are 40% complaints sees its negatives swing with its volume; one at 5% hardly does.
        negative_dispersion = min(1.0 + b.usual_negative * (b.dispersion - 1.0), s.max_negative_dispersion)
        negative_score = poisson_tail_score(negatives / negative_dispersion, expected_negative / negative_dispersion)
        # Negative enough to matter: above the warning share and clearly above this entity's usual.
        negative_line = max(s.warning_negative_share, b.usual_negative + s.negative_margin)
        # A volume bump of an entity whose mentions are often negative brings many negatives at its
        # usual share: the share itself must be unusual for this many scored mentions, not only high.
        # (Only ever read together with negatives >= min_volume / 2: not worked out below that.)
        share_elevated = (
            negatives >= s.min_volume / 2
            and window.negative_share >= negative_line
            and (
                window.negative_share >= b.usual_negative + s.far_negative_margin
                or self._share_score(window.negative, window.scored, b.usual_negative) >= s.share_score
            )
        )
        volume_signal = (
            volume >= s.min_volume
            and volume >= s.min_ratio * b.expected
            and bursts.ratio(volume, b.expected) >= self._burst_line(state, "window", s.min_ratio)
            and volume_score >= s.trigger_score
        )
        negative_signal = (
            volume >= s.min_volume
            and negatives >= s.min_volume / 2
            and negatives >= s.negative_ratio * expected_negative
            and share_elevated
            and negative_score >= s.trigger_score
        )
        return _WindowSignals(
            volume,
            volume_score,
            negatives,
            expected_negative,
            negative_score,
            negative_line,
            share_elevated,
            volume_signal,
            negative_signal,
        )

    def _share_score(self, negatives: float, scored: float, usual: float) -> float:
        """How unlikely this negative share is for the entity: a binomial tail on the mentions, whose
        weight is capped, since even an ordinary entity's share drifts from hour to hour (a window of
        500 mentions at 45% where 40% is usual is not a storm)."""
        if scored <= 0:
            return 0.0
        weight = 1.0 / (1.0 + scored / self.settings.share_drift_mentions)
        return binomial_tail_score(negatives * weight, scored * weight, usual)

    def _burst_line(self, state: SeasonalState, scale: str, floor: float) -> float:
        if state.n < self._burst_history:
            return floor
        return bursts.line(state.bursts[scale], state.n, self._burst_keep, floor, self.settings.burst_rare_count)

    def _bot_filter(
        self, state: SeasonalState, window: WindowStats, volume: float, expected: float
    ) -> tuple[bool, author_signal.AuthorSignal]:
        """Bot-like: the excess over the baseline is mostly copies (its distinct texts grew by less
        than half as much as its mentions), or few authors carry it (models/detectors/authors.py)."""
        s = self.settings
        surge = window.count - expected
        copy_dominated = (
            window.distinct_texts > 0
            and surge >= s.min_volume
            and window.distinct_texts - expected < s.copy_dominated_share * surge
        )
        authors = author_signal.assess(
            state.authors,
            window,
            volume,
            expected,
            min_volume=s.min_volume,
            min_ratio=s.min_ratio,
            few_share=s.few_authors_share,
        )
        return copy_dominated, authors

    def _spans_step(
        self,
        state: SeasonalState,
        window: WindowStats,
        b: _Baseline,
        w: _WindowSignals,
        muted: bool,
        *,
        loud: bool,
        quiet_spans: bool,
    ) -> _Spans:
        """The decayed sums with this window added (for `learn` to keep), which span signals fire,
        their best negative score, whether the short span is still busy (a storm's tail: not yet
        normal), and the ratios the spans' burst tails learn (None: not learned).

        A window that alerts by itself adds only what was expected: spans are for the excess that
        single windows cannot show, and a big storm must not linger in them for hours; nor may a
        bot-like burst, which would page from them once it is over. A muted window counts as
        expected whatever its volume, so it cannot fire a span later.
        """
        s = self.settings
        span_expected = max(b.raw, w.volume if muted else 0.0, 0.01)
        volume = span_expected if loud else w.volume
        negatives = span_expected * b.usual_negative if loud else w.negatives
        fired: list[str] = []
        best_negative = 0.0
        # Is the excess (in volume, in negatives) still going on in the shorter span? A longer
        # span whose excess has stopped there only remembers the past and must not fire.
        ongoing_volume = ongoing_negative = True
        busier = True  # the shortest span's volume is above normal (a residual tail of negatives is not)
        short_busy = False
        # A negative span fires only on a window that is itself negative at least as usual: never
        # on a window whose own numbers (say 3 mentions, 0% negative) contradict the page.
        window_negative = window.negative > 0 and window.negative_share >= b.usual_negative
        all_sums: list[list[float]] = []
        ratios: list[float | None] = []
        for name, decay in self._spans:
            old = state.spans[name]
            sums = [
                old[0] * decay + volume,
                old[1] * decay + span_expected,
                old[2] * decay + negatives,
                old[3] * decay + span_expected * b.usual_negative,
            ]
            all_sums.append(sums)
            ratios.append(None)
            total, expected_total, negative_total, expected_negative_total = sums
            stale_volume, stale_negative = not ongoing_volume, not ongoing_negative
            if name == self._spans[0][0]:
                busier = total >= s.span_busier_ratio * expected_total
                short_busy = self._ongoing(total, expected_total)
            ongoing_volume = self._ongoing(total, expected_total)
            ongoing_negative = self._ongoing(negative_total, expected_negative_total)
            span_ratio = bursts.ratio(total, expected_total)
            if quiet_spans:
                continue
            # The burst line (from the tail before this window teaches it) only where the rest allows.
            candidate = not stale_volume and total >= s.min_volume and total >= s.span_ratio * expected_total
            span_line = self._burst_line(state, name, s.span_ratio) if candidate else 0.0
            if not loud:  # a loud window adds only its expected volume: nothing to learn here
                ratios[-1] = span_ratio
            if candidate and span_ratio >= span_line and poisson_tail_score(total, expected_total) >= s.trigger_score:
                fired.append(f"volume_{name}")
            share = negative_total / total if total else 0.0
            if (
                not stale_negative
                and busier
                and window_negative
                and negative_total >= s.min_volume / 2
                and negative_total >= s.negative_ratio * expected_negative_total
                and share >= w.negative_line
                and (
                    share >= b.usual_negative + s.far_negative_margin
                    or self._share_score(negative_total, total, b.usual_negative) >= s.share_score
                )
            ):
                score = poisson_tail_score(negative_total, max(expected_negative_total, 0.1))
                if score >= s.trigger_score:
                    fired.append(f"negative_{name}")
                    best_negative = max(best_negative, score)
        return _Spans(fired, best_negative, short_busy, all_sums, ratios)

    def _event_signal(self, state: SeasonalState, total: float, expected: float) -> bool:
        """A crisis-event-sized surge: the last ~15 minutes hold event_ratio x their expected, more than
        the entity's own ordinary bursts (its burst lines, window and short span), at least min_volume,
        and unlikely (trigger_score; a Poisson tail widened by the entity's overdispersion, as the
        volume signal's)."""
        s = self.settings
        return (
            total >= s.min_volume
            and total >= s.event_ratio * expected
            and self._above_burst_line(state, "window", total, expected, s.event_ratio)
            and self._above_burst_line(state, "short", total, expected, s.event_ratio)
            and poisson_tail_score(total / state.dispersion, expected / state.dispersion) >= s.trigger_score
        )

    def _unusual_tone(self, state: SeasonalState, compound: float) -> bool:
        """The surge's mean compound is not positive (below VADER's +0.05) and not the entity's usual
        tone: at least event_tone_margin from its usual mean compound, in either direction. Neutral
        news about a brand whose mentions read positive, or about a telecom whose mentions are
        complaints, is unusual; a burst of the telecom's ordinary complaints is not (the negative
        signals judge it against its usual negative share)."""
        margin = self.settings.event_tone_margin
        return compound < POSITIVE_COMPOUND and abs(compound - self.usual_compound(state)) >= margin

    def _above_burst_line(self, state: SeasonalState, scale: str, total: float, expected: float, floor: float) -> bool:
        """Above the entity's own burst line where that line is above `floor`."""
        line = self._burst_line(state, scale, floor)
        return line <= floor or bursts.ratio(total, expected) >= line

    def _event_slide(
        self, ring: list[float], n: int, volume: float, expected: float, compound: float, scored: int, crisis: int
    ) -> list[float]:
        """The crisis-event sums slid by one window (a new list; `learn` stores it): the effective volume,
        the expected, the compound sum, the scored mentions and the crisis words of the last ~15 minutes
        (short_span_minutes), every window's full volume (loud ones too, unlike the spans), exact like
        the naive rule's sum, not decayed (a decayed sum lags a step by minutes). An hour not yet seen
        for a whole day is expected at the overall level, not at its half-learned slot (which the surge
        itself is teaching). Layout: the 4 totals, then 4 rings of W windows, slot n % W."""
        width = self._event_windows
        size = EVENT_SUMS * (1 + width)
        out = list(ring) if len(ring) == size else [0.0] * size  # a state from before the sums: afresh
        slot = n % width
        for k, value in enumerate((volume, max(expected, 0.01), compound, float(scored), float(crisis))):
            at = EVENT_SUMS + k * width + slot
            out[k] = out[k] + value - out[at]
            if k != 2:
                out[k] = max(out[k], 0.0)  # rounding never takes a count below zero
            out[at] = value
        return out

    def _crisis_severity(self, fired: list[str], compound: float, named: bool) -> Severity | None:
        """A crisis event: a large, sustained surge (`volume_event`: the last ~15 minutes at event_ratio x
        expected) that is not positive (mean compound below VADER's positive cut-off) or speaks of a crisis
        (crisis words, models/crisis_events.py, in at least new_term_share of its mentions), unplanned and
        not bot-like (the caller's part), pages whatever its compound: warning, critical with crisis
        words. A smaller volume signal with crisis words in a not-positive surge: warning. Else None."""
        if "volume_event" in fired:
            return "critical" if named else "warning"
        if named and compound < POSITIVE_COMPOUND and any(n.startswith("volume") for n in fired):
            return "warning"
        return None

    @staticmethod
    def _event_details(window: WindowStats, sums: list[float], crisis: Severity | None) -> dict[str, Any]:
        """The crisis-event figures: the 15-minute volume and expected its rule compared, and the words."""
        event_total, event_expected = sums[0], sums[1]
        return {
            "crisis_event": crisis is not None,
            "crisis_terms": [list(t) for t in window.crisis_terms],
            "crisis_share": round(_crisis_share(sums), 3),
            "volume_15m": round(event_total, 2),
            "expected_15m": round(event_expected, 3),
            "ratio_15m": round(event_total / event_expected, 2) if event_expected else None,
            "compound_15m": round(sums[2] / sums[3], 3) if sums[3] else None,
        }

    def _ongoing(self, total: float, expected: float) -> bool:
        """An excess that is still there: clearly above expected, by more than a stray mention or two."""
        s = self.settings
        return total >= s.span_current_ratio * expected and total - expected >= s.min_volume / 4

    def _severity(
        self, window: WindowStats, b: _Baseline, w: _WindowSignals, span_score: float, span_signals: list[str]
    ) -> Severity:
        """info unless the negativity has weight: enough negative mentions now, or over a span."""
        s = self.settings
        span_negative = any(name.startswith("negative_") for name in span_signals)
        window_surge = (
            w.share_elevated and w.negatives >= s.min_volume / 2 and window.mean_compound <= NEGATIVE_COMPOUND
        )
        if not (window_surge or span_negative):
            return "info"
        if not window_surge:
            return "warning"  # negativity over a span, not in this window: never critical
        negative_score = max(w.negative_score, span_score)
        big = w.volume >= max(s.critical_ratio * b.expected, s.min_volume) or negative_score >= s.critical_score
        return "critical" if big and window.negative_share >= s.critical_negative_share else "warning"

    def _new_terms(self, state: SeasonalState, window: WindowStats) -> list[str]:
        if not window.count:
            return []
        usual = state.terms
        s = self.settings
        return [
            term
            for term, n in window.top_terms
            if n / window.count >= s.new_term_share and usual.get(term, 0.0) < s.new_term_baseline_share
        ]

    # --- learning ---

    def _learn(
        self,
        state: SeasonalState,
        window: WindowStats,
        w: _WindowSignals,
        base: float,
        anomalous: bool,
        hour: int,
        week_hour: int,
    ) -> None:
        s = self.settings
        seen = state.n
        volume = w.volume
        damp = s.anomalous_learning if anomalous else 1.0
        x = volume
        if state.daily_n[hour] >= self._per_day_slot:
            # Clip only once this hour of the day has been seen for a whole day: before that the
            # baseline does not know the hour yet, and clipping would stop it from learning it.
            x = min(volume, base + s.clip_sigmas * math.sqrt(max(base, 1.0)) + 1.0)

        self._learn_baseline(state, x, damp, seen, hour, week_hour)
        if not w.negative_signal:
            # The entity's own bursts, neutral or not; a negative storm is not a burst to get used to.
            bursts.learn(state.bursts["window"], bursts.ratio(volume, base), seen, self._burst_keep)
        if window.scored:
            # Every window teaches the usual negative share in proportion to its scored mentions
            # (so sparse windows are not all-or-nothing); an anomalous one barely does, so a
            # sentiment shift does not hide itself, while a lasting change is still learned.
            keep = 1.0 - damp * (1.0 - self._negative_keep)
            state.negatives = state.negatives * keep + damp * window.negative
            state.scored = state.scored * keep + damp * window.scored
            state.compound = state.compound * keep + damp * window.mean_compound * window.scored
        if anomalous:
            return
        self._learn_dispersion(state, volume, base, seen)
        if window.count >= s.term_min_count:
            self._learn_terms(state, window)
        alpha = max(self._alpha_level, 1.0 / (seen + 1))
        state.reach += alpha * (window.reach - state.reach)
        author_signal.learn(state.authors, window, volume, alpha)

    def _learn_baseline(
        self, state: SeasonalState, x: float, damp: float, seen: int, hour: int, week_hour: int
    ) -> None:
        """The overall level and the hour-of-day and hour-of-week slots move towards `x`."""
        state.level += damp * max(self._alpha_level, 1.0 / (seen + 1)) * (x - state.level)
        daily_n = state.daily_n[hour]
        state.daily[hour] += damp * max(self._alpha_daily, 1.0 / (daily_n + 1)) * (x - state.daily[hour])
        state.daily_n[hour] = daily_n + 1
        weekly_n = state.weekly_n[week_hour]
        alpha_weekly = max(self._alpha_weekly, 1.0 / (weekly_n + 1))
        state.weekly[week_hour] += damp * alpha_weekly * (x - state.weekly[week_hour])
        state.weekly_n[week_hour] = weekly_n + 1
        state.n = seen + 1

    def _learn_dispersion(self, state: SeasonalState, volume: float, base: float, seen: int) -> None:
        """Variance over mean of the volume around its baseline (once the baseline is worth it)."""
        if base >= 1.0:
            ratio = (volume - base) ** 2 / base
            alpha = max(self._alpha_level, 1.0 / (seen + 1))
            updated = state.dispersion + alpha * (ratio - state.dispersion)
            state.dispersion = min(max(updated, 1.0), self.settings.max_dispersion)

    def _learn_terms(self, state: SeasonalState, window: WindowStats) -> None:
        s = self.settings
        beta = s.term_learning
        terms = state.terms
        present = {term: n / window.count for term, n in window.top_terms}
        # Known terms decay in place (their order in the dict stays); new ones are added sorted,
        # and ties below are cut by the term itself: a set's order changes with the process's
        # hash seed, and the cut would then keep different terms live and in a replay.
        for term in terms:
            terms[term] = terms[term] * (1 - beta) + beta * present.get(term, 0.0)
        for term in sorted(t for t in present if t not in terms):
            terms[term] = 0.0 * (1 - beta) + beta * present[term]
        if len(terms) > s.max_baseline_terms:
            keep = sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[: s.max_baseline_terms]
            state.terms = dict(keep)
