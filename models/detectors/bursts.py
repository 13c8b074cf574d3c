"""Each entity's own burstiness: how far above its baseline its volume usually goes, and how often.

Real mention volume is far burstier than a Poisson count, even one widened by overdispersion: a
busy brand gets 5-15x bursts (news, a celebrity's post) several times a week, and they are not
incidents. So each entity keeps, per window and per decayed span, a decayed count of its past
bursts by peak: for each rung of a fixed ladder of ratios (effective volume over the expected
one), how many bursts reached it lately. A burst is a run of windows at `RUNGS[0]` or more; it is
counted once, at its peak, when it ends, so a long burst weighs no more than a short one. A volume
surge stands out only from the lowest rung that fewer than `rare_bursts` of the entity's recent
bursts reached: a size it has (almost) not shown lately (with the default of 1, a single burst,
whose weight decays below 1 at once, does not raise the line: two do). An entity that never bursts keeps the
detector's plain ratio line; a bursty one earns a higher line from its own history and loses it
again as that history decays. One huge burst does not raise the line: it takes a few.

A genuine storm on a bursty entity still pages: its negativity is judged separately, against the
entity's usual negative share, which a burst with the usual sentiment does not move.

Cost: counts are decayed lazily (one power per query), touched only when a burst ends.
"""

from __future__ import annotations

from array import array

# The ladder of ratios (effective volume / expected) whose decayed burst counts are kept.
RUNGS: tuple[float, ...] = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 16.0, 20.0, 24.0, 32.0, 48.0, 64.0)
SCALES = ("window", "short", "long")  # one tail per window and per decayed span
SMOOTHING = 1.0  # added to both counts of a ratio, so 3 mentions where 0.1 were expected is not 30x
_CLOCK, _PEAK = 0, len(RUNGS) + 1  # slots: the window count the counts are decayed to, the ongoing burst's peak


def empty() -> array[float]:
    """[window count the counts are decayed to, decayed bursts at or above each rung, ongoing peak]."""
    return array("d", bytes(8 * (len(RUNGS) + 2)))


def ratio(volume: float, expected: float) -> float:
    """The smoothed volume ratio the tails are kept in."""
    return (volume + SMOOTHING) / (expected + SMOOTHING)


def learn(tail: array[float], value: float, n: int, keep: float) -> None:
    """One more window of ratio `value` at window count `n`: extend the ongoing burst, or count it
    (decayed by `keep` a window) once it has ended."""
    if value >= RUNGS[0]:
        if value > tail[_PEAK]:
            tail[_PEAK] = value
        return
    peak = tail[_PEAK]
    if peak <= 0.0:
        return
    factor = keep ** (n - tail[_CLOCK])
    for i, rung in enumerate(RUNGS, start=1):
        tail[i] = tail[i] * factor + (1.0 if peak >= rung else 0.0)
    tail[_CLOCK] = float(n)
    tail[_PEAK] = 0.0


def line(tail: array[float], n: int, keep: float, floor: float, rare_bursts: float) -> float:
    """The lowest rung at or above `floor` that fewer than `rare_bursts` decayed bursts reached
    (`floor` itself if none did); beyond the ladder when the entity reached even its top."""
    factor = keep ** (n - tail[_CLOCK])
    for i, rung in enumerate(RUNGS, start=1):
        if rung >= floor and tail[i] * factor < rare_bursts:
            return max(rung, floor)
    return RUNGS[-1] * 2
