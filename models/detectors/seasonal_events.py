"""The crisis-event rule's own figures (docs/detection.md, "Crisis events"): the exact 15-minute sums slid
window by window, the tone test, the severity the rule pages at and the figures an alert shows.
models/detectors/seasonal.py calls these once per window, from `score`."""

from __future__ import annotations

from typing import Any

from firestorm.models.detectors.base import Severity
from firestorm.models.detectors.seasonal_state import EVENT_SUMS
from firestorm.models.sentiment import POSITIVE_COMPOUND
from firestorm.models.windows import WindowStats


def crisis_share(event_sums: list[float]) -> float:
    """Crisis words per effective mention over the last ~15 minutes (a post with two counts twice; at most 1)."""
    return min(1.0, event_sums[4] / event_sums[0]) if event_sums[0] > 0 else 0.0


def unusual_tone(compound: float, usual: float, margin: float) -> bool:
    """The surge's mean compound is not positive (below VADER's +0.05) and not the entity's usual
    tone: at least event_tone_margin from its usual mean compound, in either direction. Neutral
    news about a brand whose mentions read positive, or about a telecom whose mentions are
    complaints, is unusual; a burst of the telecom's ordinary complaints is not (the negative
    signals judge it against its usual negative share)."""
    return compound < POSITIVE_COMPOUND and abs(compound - usual) >= margin


def event_slide(
    width: int, ring: list[float], n: int, volume: float, expected: float, compound: float, scored: int, crisis: int
) -> list[float]:
    """The crisis-event sums slid by one window (a new list; `learn` stores it): the effective volume,
    the expected, the compound sum, the scored mentions and the crisis words of the last ~15 minutes
    (short_span_minutes), every window's full volume (loud ones too, unlike the spans), exact like
    the naive rule's sum, not decayed (a decayed sum lags a step by minutes). An hour not yet seen
    for a whole day is expected at the overall level, not at its half-learned slot (which the surge
    itself is teaching). Layout: the 4 totals, then 4 rings of W windows, slot n % W."""
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


def crisis_severity(fired: list[str], compound: float, named: bool) -> Severity | None:
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


def event_details(window: WindowStats, sums: list[float], crisis: Severity | None) -> dict[str, Any]:
    """The crisis-event figures: the 15-minute volume and expected its rule compared, and the words."""
    event_total, event_expected = sums[0], sums[1]
    return {
        "crisis_event": crisis is not None,
        "crisis_terms": [list(t) for t in window.crisis_terms],
        "crisis_share": round(crisis_share(sums), 3),
        "volume_15m": round(event_total, 2),
        "expected_15m": round(event_expected, 3),
        "ratio_15m": round(event_total / event_expected, 2) if event_expected else None,
        "compound_15m": round(sums[2] / sums[3], 3) if sums[3] else None,
    }
