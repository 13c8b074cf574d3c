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

`score` runs the steps in order: baseline, window signals, bot filter, spans (seasonal_spans.py),
the crisis-event rule (seasonal_events.py), severity; `learn` then teaches the state what `score`
worked out (`assess` does both; seasonal_learn.py); `learn_idle_run` learns a run of empty windows
at once for an entity on which nothing can fire (`can_fire`). The knobs: seasonal_settings.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from firestorm.models.detectors import authors as author_signal
from firestorm.models.detectors import bursts
from firestorm.models.detectors.base import Assessment, OnlineDetector, Severity, severity_rank
from firestorm.models.detectors.seasonal_events import (
    crisis_severity,
    crisis_share,
    event_details,
    event_slide,
    unusual_tone,
)
from firestorm.models.detectors.seasonal_learn import learn_idle_run, learn_window
from firestorm.models.detectors.seasonal_settings import SeasonalSettings
from firestorm.models.detectors.seasonal_spans import spans_step
from firestorm.models.detectors.seasonal_state import EVENT_SPAN, HOURS_PER_DAY, SeasonalState, load
from firestorm.models.detectors.stats import binomial_tail_score, poisson_tail_score
from firestorm.models.sentiment import NEGATIVE_COMPOUND
from firestorm.models.windows import WindowStats


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
        spans = spans_step(
            self,
            state,
            window,
            baseline,
            signals,
            muted,
            loud=signals.volume_signal or signals.negative_signal or bot_like,
            quiet_spans=planned or not knows_hour,
        )
        event_sums = event_slide(
            self._event_windows,
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
        named = crisis_share(event_sums) >= s.new_term_share
        fired = [n for n, on in (("volume", signals.volume_signal), ("negative", signals.negative_signal)) if on]
        fired += spans.fired
        if (
            not planned
            and state.n >= self._event_history
            and signals.volume >= s.span_current_ratio * baseline.expected
            and (named or unusual_tone(event_compound, self.usual_compound(state), s.event_tone_margin))
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
        crisis = None if planned or bot_like else crisis_severity(fired, event_compound, named)
        if crisis is not None and severity_rank(crisis) > severity_rank(severity):
            severity = crisis  # the crisis rule is why it pages (or pages higher): its figures are shown
        else:
            crisis = None  # a complaint storm the negative rules already page as high reads as before
        if bot_like and severity_rank(severity) > severity_rank(s.bot_like_severity):
            severity = s.bot_like_severity
        details: dict[str, Any] = {}
        if explain or anomalous:
            details = self._details(state, window, baseline, signals, copy_dominated, authors, fired)
            details.update(event_details(window, event_sums, crisis))
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
            learn_window(self, state, window, plan.signals, plan.base, assessment.anomalous, plan.hour, plan.week_hour)

    def can_fire(self, state: SeasonalState) -> bool:
        """An empty window has no window signal and no negative span (its own negatives are none);
        only a volume span can fire, and only while its decayed sum reaches the volume floor: it
        only decays over an idle run, so once below, no empty window fires again until a mention."""
        if not self._idle_runs_ok:
            return True
        return any(state.spans[name][0] >= self.settings.min_volume for name, _ in self._spans)

    def learn_idle_run(self, state: SeasonalState, first_window_start: int, count: int) -> None:
        """`count` empty, unplanned windows from `first_window_start`, learned at once as score-then-learn
        learns each, for a state on which `can_fire` is false (models/detectors/seasonal_learn.py)."""
        learn_idle_run(self, state, first_window_start, count)

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

    def _above_burst_line(self, state: SeasonalState, scale: str, total: float, expected: float, floor: float) -> bool:
        """Above the entity's own burst line where that line is above `floor`."""
        line = self._burst_line(state, scale, floor)
        return line <= floor or bursts.ratio(total, expected) >= line

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
