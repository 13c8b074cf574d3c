"""NAB's scoring of detections against labelled anomaly windows, at one fixed threshold.

Written from NAB's documented method (Lavin and Ahmad, "Evaluating Real-time Anomaly Detection
Algorithms - the Numenta Anomaly Benchmark", 2015, and the behaviour of nab/sweeper.py):
- rows are the series' timestamps; the first min(floor(15% of the rows), 750) rows are
  probationary: detections there are ignored, and a window counts only if it has a row after them;
- a detection at row i inside a window [L, R] (width W = R - L + 1) is worth
  A_tp x sigma(-(R - i + 1) / W) / sigma(-1), where sigma(x) = 2 / (1 + exp(5 x)) - 1 is NAB's
  scaled sigmoid: the window's first row earns exactly A_tp, its last row almost nothing;
  only the best (the first) detection of a window counts, later ones in it are ignored;
- a window without a detection costs -A_fn;
- a detection outside every window costs A_fp x sigma(y) (sigma is negative for y > 0), with
  y = (i - R_prev) / (W_prev - 1) measured from the end of the previous window (sigma is -1
  for y > 3), or -A_fp when no window precedes it; every such detection counts;
- normalised score = 100 x (raw - null) / (perfect - null), where null detects nothing
  (-A_fn per window) and perfect earns A_tp per window.
The standard profile is A_tp = 1, A_fp = 0.11, A_fn = 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PROBATION_SHARE = 0.15
PROBATION_CAP_ROWS = 0.15 * 5000  # NAB: min(floor(share x rows), share x 5000)


@dataclass(frozen=True, slots=True)
class CostProfile:
    tp_weight: float
    fp_weight: float
    fn_weight: float


STANDARD = CostProfile(tp_weight=1.0, fp_weight=0.11, fn_weight=1.0)


def scaled_sigmoid(position: float) -> float:
    """NAB's scaled sigmoid: +0.987 at -1 (a window's left edge), 0 at its right edge, -1 beyond 3."""
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def probationary_rows(rows: int) -> int:
    """Rows at the start of a series whose detections NAB ignores."""
    return int(min(math.floor(PROBATION_SHARE * rows), PROBATION_CAP_ROWS))


@dataclass(frozen=True, slots=True)
class NabScore:
    """One series (or a sum of series) scored at a fixed threshold."""

    raw: float
    null: float
    perfect: float
    windows: int
    detected_windows: int
    false_positives: int  # counted detections outside every window (after the probationary rows)

    @property
    def normalised(self) -> float:
        span = self.perfect - self.null
        return 100.0 * (self.raw - self.null) / span if span else 0.0

    def __add__(self, other: NabScore) -> NabScore:
        return NabScore(
            self.raw + other.raw,
            self.null + other.null,
            self.perfect + other.perfect,
            self.windows + other.windows,
            self.detected_windows + other.detected_windows,
            self.false_positives + other.false_positives,
        )


def row_values(rows: int, windows: Sequence[tuple[int, int]], profile: CostProfile = STANDARD) -> list[float | None]:
    """What a detection at each row would be worth: a TP value inside a window, an FP cost outside
    it, None for probationary rows."""
    max_tp = scaled_sigmoid(-1.0)
    probation = probationary_rows(rows)
    values: list[float | None] = []
    ordered = sorted(windows)
    w = 0
    previous: tuple[int, int] | None = None  # (right index, width) of the last window left behind
    for i in range(rows):
        while w < len(ordered) and ordered[w][1] < i:
            left, right = ordered[w]
            previous = (right, right - left + 1)
            w += 1
        inside = w < len(ordered) and ordered[w][0] <= i <= ordered[w][1]
        if inside:
            left, right = ordered[w]
            width = right - left + 1
            value = scaled_sigmoid(-(right - i + 1) / width) * profile.tp_weight / max_tp
        elif previous is None:
            value = -1.0 * profile.fp_weight
        else:
            right, width = previous
            value = scaled_sigmoid(abs(i - right) / (width - 1) if width > 1 else 4.0) * profile.fp_weight
        values.append(value if i >= probation else None)
    return values


def score_detections(
    rows: int, windows: Sequence[tuple[int, int]], detections: Iterable[int], profile: CostProfile = STANDARD
) -> NabScore:
    """Score detections (row indices; repeats count once) on one series."""
    values = row_values(rows, windows, profile)
    probation = probationary_rows(rows)
    counted = [(left, right) for left, right in sorted(windows) if right >= probation]
    best: dict[int, float] = {}
    fp_total = 0.0
    fp_count = 0
    for i in sorted(set(detections)):
        if not 0 <= i < rows:
            raise ValueError(f"detection at row {i} outside 0..{rows - 1}")
        value = values[i]
        if value is None:
            continue
        window = next((k for k, (left, right) in enumerate(counted) if left <= i <= right), None)
        if window is None:
            fp_total += value
            fp_count += 1
        elif window not in best:  # the first detection is the best: the sigmoid falls across a window
            best[window] = value
    fn = profile.fn_weight * (len(counted) - len(best))
    raw = sum(best.values()) - fn + fp_total
    return NabScore(
        raw=raw,
        null=-profile.fn_weight * len(counted),
        perfect=profile.tp_weight * len(counted),
        windows=len(counted),
        detected_windows=len(best),
        false_positives=fp_count,
    )
