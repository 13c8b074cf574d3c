"""The seasonal detector's spans step: each window added to decayed sums over about 15 and 60 minutes
(short_span_minutes, long_span_minutes), which see a slow burn or a storm on a sparse entity that no
single window shows. `SeasonalDetector.score` calls `spans_step` once per window; `learn` keeps its sums."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from firestorm.models.detectors import bursts
from firestorm.models.detectors.seasonal_state import SeasonalState
from firestorm.models.detectors.stats import poisson_tail_score
from firestorm.models.windows import WindowStats

if TYPE_CHECKING:
    from firestorm.models.detectors.seasonal import SeasonalDetector, _Baseline, _WindowSignals


@dataclass(frozen=True, slots=True)
class Spans:
    """What the spans step worked out for one window."""

    fired: list[str]
    best_negative: float
    short_busy: bool
    sums: list[list[float]]  # each span's decayed sums with the window added, in the detector's span order
    ratios: list[float | None]  # the ratio each span's burst tail learns (None: not learned)


def spans_step(
    detector: SeasonalDetector,
    state: SeasonalState,
    window: WindowStats,
    b: _Baseline,
    w: _WindowSignals,
    muted: bool,
    *,
    loud: bool,
    quiet_spans: bool,
) -> Spans:
    """The decayed sums with this window added (for `learn` to keep), which span signals fire,
    their best negative score, whether the short span is still busy (a storm's tail: not yet
    normal), and the ratios the spans' burst tails learn (None: not learned).

    A window that alerts by itself adds only what was expected: spans are for the excess that
    single windows cannot show, and a big storm must not linger in them for hours; nor may a
    bot-like burst, which would page from them once it is over. A muted window counts as
    expected whatever its volume, so it cannot fire a span later.
    """
    s = detector.settings
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
    for name, decay in detector._spans:
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
        if name == detector._spans[0][0]:
            busier = total >= s.span_busier_ratio * expected_total
            short_busy = detector._ongoing(total, expected_total)
        ongoing_volume = detector._ongoing(total, expected_total)
        ongoing_negative = detector._ongoing(negative_total, expected_negative_total)
        span_ratio = bursts.ratio(total, expected_total)
        if quiet_spans:
            continue
        # The burst line (from the tail before this window teaches it) only where the rest allows.
        candidate = not stale_volume and total >= s.min_volume and total >= s.span_ratio * expected_total
        span_line = detector._burst_line(state, name, s.span_ratio) if candidate else 0.0
        if not loud:  # a loud window adds only its expected volume: nothing to learn here
            ratios[-1] = span_ratio
        # The Poisson tail widened by the entity's overdispersion, as the window's volume signal and the
        # crisis-event sum judge theirs: a sum of swinging windows swings too.
        if (
            candidate
            and span_ratio >= span_line
            and poisson_tail_score(total / b.dispersion, expected_total / b.dispersion) >= s.trigger_score
        ):
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
                or detector._share_score(negative_total, total, b.usual_negative) >= s.share_score
            )
        ):
            score = poisson_tail_score(negative_total, max(expected_negative_total, 0.1))
            if score >= s.trigger_score:
                fired.append(f"negative_{name}")
                best_negative = max(best_negative, score)
    return Spans(fired, best_negative, short_busy, all_sums, ratios)
