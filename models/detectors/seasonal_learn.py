"""What the seasonal detector learns from a window it judged (`learn_window`, called by
`SeasonalDetector.learn`), and from a run of empty windows at once (`learn_idle_run`): the baseline
slots, the usual negative share, the dispersion, burst tails, terms, reach and authors."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from firestorm.models.detectors import authors as author_signal
from firestorm.models.detectors import bursts
from firestorm.models.detectors.seasonal_state import EVENT_SPAN, EVENT_SUMS, HOURS_PER_DAY, SeasonalState
from firestorm.models.windows import WindowStats

if TYPE_CHECKING:
    from firestorm.models.detectors.seasonal import SeasonalDetector, _WindowSignals


def learn_window(
    detector: SeasonalDetector,
    state: SeasonalState,
    window: WindowStats,
    w: _WindowSignals,
    base: float,
    anomalous: bool,
    hour: int,
    week_hour: int,
) -> None:
    s = detector.settings
    seen = state.n
    volume = w.volume
    damp = s.anomalous_learning if anomalous else 1.0
    x = volume
    if state.daily_n[hour] >= detector._per_day_slot:
        # Clip only once this hour of the day has been seen for a whole day: before that the
        # baseline does not know the hour yet, and clipping would stop it from learning it.
        x = min(volume, base + s.clip_sigmas * math.sqrt(max(base, 1.0)) + 1.0)

    learn_baseline(detector, state, x, damp, seen, hour, week_hour)
    if not w.negative_signal:
        # The entity's own bursts, neutral or not; a negative storm is not a burst to get used to.
        bursts.learn(state.bursts["window"], bursts.ratio(volume, base), seen, detector._burst_keep)
    if window.scored:
        # Every window teaches the usual negative share in proportion to its scored mentions
        # (so sparse windows are not all-or-nothing); an anomalous one barely does, so a
        # sentiment shift does not hide itself, while a lasting change is still learned.
        keep = 1.0 - damp * (1.0 - detector._negative_keep)
        state.negatives = state.negatives * keep + damp * window.negative
        state.scored = state.scored * keep + damp * window.scored
        state.compound = state.compound * keep + damp * window.mean_compound * window.scored
    if anomalous:
        return
    learn_dispersion(detector, state, volume, base, seen)
    if window.count >= s.term_min_count:
        learn_terms(detector, state, window)
    alpha = max(detector._alpha_level, 1.0 / (seen + 1))
    state.reach += alpha * (window.reach - state.reach)
    author_signal.learn(state.authors, window, volume, alpha)


def learn_baseline(
    detector: SeasonalDetector, state: SeasonalState, x: float, damp: float, seen: int, hour: int, week_hour: int
) -> None:
    """The overall level and the hour-of-day and hour-of-week slots move towards `x`."""
    state.level += damp * max(detector._alpha_level, 1.0 / (seen + 1)) * (x - state.level)
    daily_n = state.daily_n[hour]
    state.daily[hour] += damp * max(detector._alpha_daily, 1.0 / (daily_n + 1)) * (x - state.daily[hour])
    state.daily_n[hour] = daily_n + 1
    weekly_n = state.weekly_n[week_hour]
    alpha_weekly = max(detector._alpha_weekly, 1.0 / (weekly_n + 1))
    state.weekly[week_hour] += damp * alpha_weekly * (x - state.weekly[week_hour])
    state.weekly_n[week_hour] = weekly_n + 1
    state.n = seen + 1


def learn_dispersion(detector: SeasonalDetector, state: SeasonalState, volume: float, base: float, seen: int) -> None:
    """Variance over mean of the volume around its baseline (once the baseline is worth it)."""
    if base >= 1.0:
        ratio = (volume - base) ** 2 / base
        alpha = max(detector._alpha_level, 1.0 / (seen + 1))
        updated = state.dispersion + alpha * (ratio - state.dispersion)
        state.dispersion = min(max(updated, 1.0), detector.settings.max_dispersion)


def learn_terms(detector: SeasonalDetector, state: SeasonalState, window: WindowStats) -> None:
    s = detector.settings
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


def learn_idle_run(detector: SeasonalDetector, state: SeasonalState, first_window_start: int, count: int) -> None:
    """`count` empty, unplanned windows from `first_window_start`, learned as score-then-learn
    learns each (tests/models/detectors/test_seasonal_idle.py holds them equal, bit for bit):
    the same steps in the same order, without what a zero count makes moot (no window signal,
    no bot filter, no negatives, terms, reach or authors to add). Only for a state on which
    `can_fire` is false: nothing in the run is anomalous, so every window learns undamped.

    One tight loop over the windows: `_expected_at`, the spans' sums, `event_slide` (in place),
    `learn_baseline` and `learn_dispersion` inlined with their own expressions (each is a few
    float operations, and a call costs more than it), burst tails touched only where `bursts.learn`
    would change them, `max(a, b)` written as `b if b > a else a` (what max returns, NaN and signed
    zeros alike, without the call: an idle run is most of a sparse month's work). The usual negative
    share is the same for the whole run (an empty window has no scored mention to teach it)."""
    if count <= 0:
        return
    s = detector.settings
    per_slot, keep = detector._per_day_slot, detector._burst_keep
    two_slots = 2 * per_slot
    min_expected, max_dispersion = s.min_expected, s.max_dispersion
    alpha_level, alpha_daily, alpha_weekly = detector._alpha_level, detector._alpha_daily, detector._alpha_weekly
    usual = max(detector.usual_negative_share(state), s.min_usual_negative_share)
    window_tail = state.bursts["window"]
    span_tails = [(state.spans[name], decay, state.bursts[name]) for name, decay in detector._spans]
    event = state.spans[EVENT_SPAN]
    width = detector._event_windows
    if len(event) != EVENT_SUMS * (1 + width):  # a state from before the sums: afresh, as event_slide does
        event[:] = [0.0] * (EVENT_SUMS * (1 + width))
    ring_volume, ring_expected, ring_compound = EVENT_SUMS, EVENT_SUMS + width, EVENT_SUMS + 2 * width
    ring_scored, ring_crisis = EVENT_SUMS + 3 * width, EVENT_SUMS + 4 * width
    daily, daily_n, weekly, weekly_n = state.daily, state.daily_n, state.weekly, state.weekly_n
    rung, peak_at, smoothing, learn_tail = bursts.RUNGS[0], len(bursts.RUNGS) + 1, bursts.SMOOTHING, bursts.learn
    level, dispersion, reach, seen = state.level, state.dispersion, state.reach, state.n
    for start in range(first_window_start, first_window_start + count * detector._window_ms, detector._window_ms):
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
        # event_slide: volume, expected, compound, scored and crisis words of an empty window.
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
        # learn_baseline towards a zero volume, undamped (clipping a zero changes nothing).
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
        # The window's burst tail, then learn_dispersion and the reach, with the count before it.
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
