"""Each entity's own burstiness: how far above its baseline its volume usually goes, and how often.

Real mention volume is far burstier than a Poisson count, even one widened by overdispersion: a
busy brand gets 5-15x bursts (news, a celebrity's post) several times a week, and they are not
incidents. So each entity keeps decayed tails of its past volume ratios (effective volume over
the expected one, per window and per decayed span): for each of a fixed ladder of ratios, the
decayed number of windows that reached it. A volume surge stands out only above the lowest rung
that the entity reached in less than `rare_windows` decayed windows of its memory: a ratio it has
(almost) never shown lately. An entity that never bursts keeps the detector's plain ratio line; a
bursty one earns a higher line from its own history, and loses it again as that history decays.

A genuine storm on a bursty entity still pages: its negativity is judged separately, against the
entity's usual negative share, and a burst with the usual sentiment does not move that.
"""

from __future__ import annotations

from array import array

# The ladder of ratios (effective volume / expected) whose decayed reach counts are kept.
RUNGS: tuple[float, ...] = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 16.0, 20.0, 24.0, 32.0, 48.0, 64.0)
SCALES = ("window", "short", "long")  # one tail per window and per decayed span
SMOOTHING = 1.0  # added to both counts of a ratio, so 3 mentions where 0.1 were expected is not 30x


def empty() -> array[float]:
    """[decayed windows seen, decayed windows at or above each rung]."""
    return array("d", bytes(8 * (len(RUNGS) + 1)))


def ratio(volume: float, expected: float) -> float:
    """The smoothed volume ratio the tails are kept in."""
    return (volume + SMOOTHING) / (expected + SMOOTHING)


def learn(tail: array[float], value: float, keep: float) -> None:
    """Decay the tail by `keep` and count one window of ratio `value`."""
    tail[0] = tail[0] * keep + 1.0
    for i, rung in enumerate(RUNGS, start=1):
        tail[i] = tail[i] * keep + (1.0 if value >= rung else 0.0)


def line(tail: array[float], floor: float, rare_windows: float, min_history: float) -> float:
    """The lowest ratio above `floor` that the entity reached in fewer than `rare_windows` decayed
    windows; `floor` itself while the tail has less than `min_history` windows or never got there."""
    if tail[0] < min_history:
        return floor
    for i, rung in enumerate(RUNGS, start=1):
        if rung >= floor and tail[i] < rare_windows:
            # The entity reached the rung below this one often enough: the line is this rung
            # (at least the floor), so only what it has (almost) never done lately stands out.
            return max(rung, floor)
    return RUNGS[-1] * 2
