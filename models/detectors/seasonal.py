"""The default detector: a seasonal, spike-robust baseline per entity and two count signals.

Baseline: the expected (copy-discounted) volume of a window is learned per hour of the week,
falling back to the hour of the day and then to the overall level while the entity is young,
so a Monday 9:00 is not judged like a Sunday 3:00. Windows that look anomalous, or fall in a
planned event, barely teach it, so past storms do not inflate it.

Signals, both judged as counts (a Poisson tail, widened by the entity's measured
overdispersion), never as z-scores:
- volume: effective mentions against the (planned-uplifted) baseline;
- negative: negative mentions against the entity's usual negative share, which catches a
  sentiment shift at modest volume.
- the same two signals on decayed sums over about 15 and 60 minutes, which see a slow burn
  or a storm on a sparse entity that no single window shows (the volume floor applies to the sum).
Copies count little: each distinct text is one voice, and n further copies count sqrt(n).
Bot-like bursts do not page: a surge that is mostly copies, or that few authors carry (its
distinct authors grew far less than its volume: models/detectors/authors.py), is at most "info".
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from typing import Any

from models.detectors import authors as author_signal
from models.detectors.base import Assessment, Severity, severity_rank
from models.detectors.stats import poisson_tail_score
from models.sentiment import NEGATIVE_COMPOUND
from models.windows import WindowStats

HOURS_PER_DAY = 24
HOURS_PER_WEEK = 168
MAX_BASELINE_TERMS = 50


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
    negative_margin: float = 0.2  # negative share must exceed the usual share by this much
    prior_negative_share: float = 0.1
    copy_dominated_share: float = 0.5  # distinct texts grew by less than this share of the surge: bot-like
    few_authors_share: float = 1 / 3  # authors grew less than this share of the volume's growth: bot-like
    bot_like_severity: Severity = "info"  # the most a bot-like burst (copies or few authors) can be
    short_span_minutes: float = 15.0  # decayed sums over about this long catch slow burns and sparse storms
    long_span_minutes: float = 60.0
    span_ratio: float = 2.5  # sum of effective volume / sum of expected needed for a span alert
    span_current_ratio: float = 1.5  # a longer span fires only while the shorter one is still this high
    span_busier_ratio: float = 1.25  # span negative signals need the volume this far above normal too
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
    new_term_share: float = 0.1  # a term in >= 10% of the window's mentions ...
    new_term_baseline_share: float = 0.02  # ... that is usually in < 2% is "new"


def _slots(start_ms: int) -> tuple[int, int]:
    """(hour of day, hour of week with Monday 00:00 UTC = 0) of a window start."""
    hours = start_ms // 3_600_000
    weekday = (hours // HOURS_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday
    return hours % HOURS_PER_DAY, weekday * HOURS_PER_DAY + hours % HOURS_PER_DAY


def compact_state(state: dict[str, Any]) -> dict[str, Any]:
    """Hold the slot profiles as typed arrays (in place): a state restored from the list format
    of before arrays is converted once; the values, and so every result, are the same."""
    for key in ("daily", "weekly"):
        if not isinstance(state[key], array):
            state[key] = array("d", state[key])
    for key in ("daily_n", "weekly_n"):
        if not isinstance(state[key], array):
            state[key] = array("I", state[key])
    return state


def effective_volume(window: WindowStats) -> float:
    """Distinct texts count 1 each; the n further copies count sqrt(n) together."""
    copies = window.count - window.distinct_texts
    if copies <= 0 or window.distinct_texts == 0:  # no copies, or a window from before texts were tracked
        return float(window.count)
    return window.distinct_texts + math.sqrt(copies)


class SeasonalDetector:
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
        self._spans = [
            (name, 1.0 - 1.0 / windows)
            for name, windows in (
                ("short", s.short_span_minutes / 60 * per_hour),
                ("long", s.long_span_minutes / 60 * per_hour),
            )
            if windows >= 3
        ]

    def initial_state(self) -> dict[str, Any]:
        return {
            "n": 0,
            "level": 0.0,
            # Slot profiles as typed arrays: 8 bytes a float and 4 a count, not a Python object each.
            "daily": array("d", bytes(8 * HOURS_PER_DAY)),
            "daily_n": array("I", bytes(4 * HOURS_PER_DAY)),
            "weekly": array("d", bytes(8 * HOURS_PER_WEEK)),
            "weekly_n": array("I", bytes(4 * HOURS_PER_WEEK)),
            "dispersion": 1.0,
            "negative_share": self.settings.prior_negative_share,
            "negative_n": 0,
            "terms": {},
            "reach": 0.0,  # usual reach (sum of followers) per window
            author_signal.STATE_KEY: author_signal.initial_state(),  # usual distinct authors per mention
            # decayed sums per span: [effective volume, expected, negatives, expected negatives]
            "spans": {name: [0.0, 0.0, 0.0, 0.0] for name, _ in self._spans},
        }

    def expected(self, state: dict[str, Any], start_ms: int) -> float:
        """The baseline for a window: weekly slot, else daily slot, else overall level, blended by evidence."""
        hour, week_hour = _slots(start_ms)
        per_slot = self._per_day_slot
        daily_weight = min(1.0, state["daily_n"][hour] / (2 * per_slot))
        daily = daily_weight * state["daily"][hour] + (1 - daily_weight) * state["level"]
        weekly_weight = min(1.0, state["weekly_n"][week_hour] / (2 * per_slot))
        return float(weekly_weight * state["weekly"][week_hour] + (1 - weekly_weight) * daily)

    def assess(
        self, state: dict[str, Any], window: WindowStats, uplift: float = 1.0, muted: bool = False
    ) -> Assessment:
        s = self.settings
        if type(state["weekly"]) is not array:
            compact_state(state)  # restored from the list format
        raw_expected = self.expected(state, window.start_ms) * uplift
        base = max(self.expected(state, window.start_ms), s.min_expected)
        expected = base * uplift
        dispersion = float(state["dispersion"])
        volume = effective_volume(window)
        volume_score = poisson_tail_score(volume / dispersion, expected / dispersion)

        usual_negative = max(float(state["negative_share"]), 0.05)
        copy_factor = volume / window.count if window.count else 1.0
        negatives = window.negative * copy_factor
        expected_negative = max(expected * usual_negative, s.min_expected_negative)
        # Negatives are a thinning of the volume: most of its overdispersion is not theirs.
        negative_dispersion = min(dispersion, 1.5)
        negative_score = poisson_tail_score(negatives / negative_dispersion, expected_negative / negative_dispersion)
        # Negative enough to matter: above the warning share and clearly above this entity's usual.
        negative_line = max(s.warning_negative_share, usual_negative + s.negative_margin)
        share_elevated = window.negative_share >= negative_line

        warm = int(state["n"]) >= s.warmup_windows
        volume_signal = volume >= s.min_volume and volume >= s.min_ratio * expected and volume_score >= s.trigger_score
        negative_signal = (
            volume >= s.min_volume
            and negatives >= s.min_volume / 2
            and negatives >= s.negative_ratio * expected_negative
            and share_elevated
            and negative_score >= s.trigger_score
        )
        # A muted window counts as expected whatever its volume, so it cannot fire a span later.
        span_expected = max(raw_expected, volume if muted else 0.0, 0.01)
        # Spans judge small, slow excesses: only once the baseline has seen this hour of the day.
        knows_hour = state["daily_n"][_slots(window.start_ms)[0]] >= self._per_day_slot
        # Bot-like: the excess over the baseline is mostly copies (its distinct texts grew by less
        # than half as much as its mentions), or few authors carry it (models/detectors/authors.py).
        surge = window.count - expected
        copy_dominated = (
            window.distinct_texts > 0
            and surge >= s.min_volume
            and window.distinct_texts - expected < s.copy_dominated_share * surge
        )
        few_share = s.few_authors_share
        authors = author_signal.assess(
            state, window, volume, expected, min_volume=s.min_volume, min_ratio=s.min_ratio, few_share=few_share
        )
        bot_like = copy_dominated or authors.few
        # A window that alerts by itself adds only what was expected: spans are for the excess
        # that single windows cannot show, and a big storm must not linger in them for hours;
        # nor may a bot-like burst, which would page from them once it is over.
        loud = volume_signal or negative_signal or bot_like
        span_signals, span_score = self._span_signals(
            state,
            span_expected if loud else volume,
            span_expected,
            span_expected * usual_negative if loud else negatives,
            usual_negative,
            negative_line,
            uplift != 1.0 or muted or not knows_hour,
        )
        signals = [n for n, on in (("volume", volume_signal), ("negative", negative_signal)) if on] + span_signals
        anomalous = warm and not muted and bool(signals)
        normal = (
            volume <= max(s.resolve_ratio * expected, s.min_volume / 2)
            and not (share_elevated and negatives >= s.min_volume / 2)
            and not any(name.endswith("_short") for name in span_signals)
        )
        span_negative = any(name.startswith("negative_") for name in span_signals)
        severity = self._severity(
            window, volume, expected, negatives, max(negative_score, span_score), share_elevated, span_negative
        )
        if bot_like and severity_rank(severity) > severity_rank(s.bot_like_severity):
            severity = s.bot_like_severity
        details: dict[str, Any] = {
            "detector": self.name,
            "signals": signals,
            "copy_dominated": copy_dominated,
            "effective_volume": round(volume, 2),
            "expected_negative": round(expected_negative, 3),
            "negative_score": round(negative_score, 3),
            "usual_negative_share": round(usual_negative, 4),
            "dispersion": round(dispersion, 3),
            "new_terms": self._new_terms(state, window),
            "reach_ratio": round(window.reach / usual_reach, 2) if (usual_reach := state.get("reach", 0.0)) else None,
            **author_signal.details(authors),
        }
        if uplift != 1.0 or muted:
            details["planned"] = {"uplift": uplift, "muted": muted}
        if not (uplift != 1.0 or muted):
            self._learn(state, window, volume, base, anomalous)
        else:
            state["n"] = int(state["n"]) + 1
        return Assessment(
            expected=expected,
            score=max(volume_score, negative_score),
            anomalous=anomalous,
            normal=normal,
            severity=severity,
            warm=warm,
            details=details,
        )

    def _span_signals(
        self,
        state: dict[str, Any],
        volume: float,
        expected: float,
        negatives: float,
        usual_negative: float,
        negative_line: float,
        planned: bool,
    ) -> tuple[list[str], float]:
        """Update the decayed sums and say which span signals fire (and their best negative score)."""
        s = self.settings
        fired: list[str] = []
        best_negative = 0.0
        # Is the excess (in volume, in negatives) still going on in the shorter span? A longer
        # span whose excess has stopped there only remembers the past and must not fire.
        ongoing_volume = ongoing_negative = True
        busier = True  # the shortest span's volume is above normal (a residual tail of negatives is not)
        for name, decay in self._spans:
            sums = state["spans"][name]
            sums[0] = sums[0] * decay + volume
            sums[1] = sums[1] * decay + expected
            sums[2] = sums[2] * decay + negatives
            sums[3] = sums[3] * decay + expected * usual_negative
            total, expected_total, negative_total, expected_negative_total = sums
            stale_volume, stale_negative = not ongoing_volume, not ongoing_negative
            if name == self._spans[0][0]:
                busier = total >= s.span_busier_ratio * expected_total
            ongoing_volume = self._ongoing(total, expected_total)
            ongoing_negative = self._ongoing(negative_total, expected_negative_total)
            if planned:
                continue
            if (
                not stale_volume
                and total >= s.min_volume
                and total >= s.span_ratio * expected_total
                and poisson_tail_score(total, expected_total) >= s.trigger_score
            ):
                fired.append(f"volume_{name}")
            share = negative_total / total if total else 0.0
            if (
                not stale_negative
                and busier
                and negative_total >= s.min_volume / 2
                and negative_total >= s.negative_ratio * expected_negative_total
                and share >= negative_line
            ):
                score = poisson_tail_score(negative_total, max(expected_negative_total, 0.1))
                if score >= s.trigger_score:
                    fired.append(f"negative_{name}")
                    best_negative = max(best_negative, score)
        return fired, best_negative

    def _ongoing(self, total: float, expected: float) -> bool:
        """An excess that is still there: clearly above expected, by more than a stray mention or two."""
        s = self.settings
        return total >= s.span_current_ratio * expected and total - expected >= s.min_volume / 4

    def _severity(
        self,
        window: WindowStats,
        volume: float,
        expected: float,
        negatives: float,
        negative_score: float,
        share_elevated: bool,
        span_negative: bool,
    ) -> Severity:
        """info unless the negativity has weight: enough negative mentions now, or over a span."""
        s = self.settings
        window_surge = share_elevated and negatives >= s.min_volume / 2 and window.mean_compound <= NEGATIVE_COMPOUND
        if not (window_surge or span_negative):
            return "info"
        if not window_surge:
            return "warning"  # negativity over a span, not in this window: never critical
        big = volume >= max(s.critical_ratio * expected, s.min_volume) or negative_score >= s.critical_score
        return "critical" if big and window.negative_share >= s.critical_negative_share else "warning"

    def _new_terms(self, state: dict[str, Any], window: WindowStats) -> list[str]:
        if not window.count:
            return []
        usual: dict[str, float] = state["terms"]
        s = self.settings
        return [
            term
            for term, n in window.top_terms
            if n / window.count >= s.new_term_share and usual.get(term, 0.0) < s.new_term_baseline_share
        ]

    def _learn(self, state: dict[str, Any], window: WindowStats, volume: float, base: float, anomalous: bool) -> None:
        s = self.settings
        seen = int(state["n"])
        damp = s.anomalous_learning if anomalous else 1.0
        hour, week_hour = _slots(window.start_ms)
        x = volume
        if state["daily_n"][hour] >= self._per_day_slot:
            # Clip only once this hour of the day has been seen for a whole day: before that the
            # baseline does not know the hour yet, and clipping would stop it from learning it.
            x = min(volume, base + s.clip_sigmas * math.sqrt(max(base, 1.0)) + 1.0)

        state["level"] += damp * max(self._alpha_level, 1.0 / (seen + 1)) * (x - state["level"])
        daily_n = state["daily_n"][hour]
        state["daily"][hour] += damp * max(self._alpha_daily, 1.0 / (daily_n + 1)) * (x - state["daily"][hour])
        state["daily_n"][hour] = daily_n + 1
        weekly_n = state["weekly_n"][week_hour]
        alpha_weekly = max(self._alpha_weekly, 1.0 / (weekly_n + 1))
        state["weekly"][week_hour] += damp * alpha_weekly * (x - state["weekly"][week_hour])
        state["weekly_n"][week_hour] = weekly_n + 1
        state["n"] = seen + 1
        if anomalous:
            return
        if base >= 1.0:
            ratio = (volume - base) ** 2 / base
            alpha = max(self._alpha_level, 1.0 / (seen + 1))
            updated = state["dispersion"] + alpha * (ratio - state["dispersion"])
            state["dispersion"] = min(max(updated, 1.0), s.max_dispersion)
        if window.scored and window.negative_share < float(state["negative_share"]) + s.negative_margin:
            # A sentiment shift must not teach the usual negative share (it would hide itself).
            negative_n = int(state["negative_n"])
            alpha = max(self._alpha_level, 1.0 / (negative_n + 2))
            state["negative_share"] += alpha * (window.negative_share - state["negative_share"])
            state["negative_n"] = negative_n + 1
        if window.count >= 3:
            self._learn_terms(state, window)
        alpha = max(self._alpha_level, 1.0 / (seen + 1))
        state["reach"] = state.get("reach", 0.0) + alpha * (window.reach - state.get("reach", 0.0))
        author_signal.learn(state, window, volume, alpha)

    def _learn_terms(self, state: dict[str, Any], window: WindowStats) -> None:
        beta = 0.05
        terms: dict[str, float] = state["terms"]
        present = {term: n / window.count for term, n in window.top_terms}
        # Sorted, and ties cut by the term itself: a set's order changes with the process's hash
        # seed, and the cut below would then keep different terms live and in a replay.
        for term in sorted(set(terms) | set(present)):
            terms[term] = terms.get(term, 0.0) * (1 - beta) + beta * present.get(term, 0.0)
        if len(terms) > MAX_BASELINE_TERMS:
            keep = sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_BASELINE_TERMS]
            state["terms"] = dict(keep)
