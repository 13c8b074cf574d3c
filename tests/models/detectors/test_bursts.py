"""The burst tails: a burst counted once at its peak, the line an entity earns, and its decay."""

from __future__ import annotations

from array import array

import pytest

from firestorm.models.detectors import bursts

KEEP = 0.99


def feed(ratios: list[float], start: int = 0) -> tuple[array[float], int]:
    tail = bursts.empty()
    n = start
    for value in ratios:
        bursts.learn(tail, value, n, KEEP)
        n += 1
    return tail, n


def test_a_long_burst_counts_once_at_its_peak() -> None:
    tail, _ = feed([1.0] * 5 + [3.0, 9.0, 12.5, 7.0] * 5 + [1.0])
    counts = [round(c, 6) for c in tail[1 : len(bursts.RUNGS) + 1]]
    assert counts == [1.0 if rung <= 12.5 else 0.0 for rung in bursts.RUNGS]


def test_an_entity_that_never_bursts_keeps_the_floor() -> None:
    tail, n = feed([1.0, 1.2, 0.8] * 100)
    assert bursts.line(tail, n, KEEP, floor=3.0, rare_bursts=1.0) == 3.0


def test_the_line_rises_above_the_ordinary_bursts_and_falls_as_they_are_forgotten() -> None:
    calm = [1.0] * 20
    tail, n = feed(calm + [6.5] * 3 + calm + [7.0] * 2 + calm)
    assert bursts.line(tail, n, KEEP, floor=3.0, rare_bursts=1.0) == 8.0  # 6x reached lately: 8x is the line
    assert bursts.line(tail, n, KEEP, floor=3.0, rare_bursts=2.5) == 3.0  # two bursts are not "often" here
    later = n + 200  # 200 windows without bursts: 0.99**200 = 0.13 of their weight left
    assert bursts.line(tail, later, KEEP, floor=3.0, rare_bursts=1.0) == 3.0


def test_an_ongoing_burst_is_not_counted_until_it_ends() -> None:
    tail, n = feed([1.0] * 10 + [20.0] * 4)
    assert bursts.line(tail, n, KEEP, floor=3.0, rare_bursts=1.0) == 3.0
    bursts.learn(tail, 1.0, n, KEEP)
    assert bursts.line(tail, n, KEEP, floor=3.0, rare_bursts=1.0) == 24.0
    # One burst decays below a weight of 1 at once: with rare_bursts=1 it takes two to raise the line.
    assert bursts.line(tail, n + 1, KEEP, floor=3.0, rare_bursts=1.0) == 3.0


def test_lazy_decay_equals_decaying_every_window() -> None:
    tail, n = feed([1.0] * 3 + [5.0] + [1.0] * 50 + [10.0] + [1.0] * 30)
    rung5 = bursts.RUNGS.index(5.0) + 1
    # The first burst ended at window 4 and the second at 55: by window 85 they weigh KEEP**81 and KEEP**30.
    factor = KEEP ** (n - tail[0])
    assert tail[rung5] * factor == pytest.approx(KEEP**81 + KEEP**30)


def test_ratios_are_smoothed_for_sparse_entities() -> None:
    assert bursts.ratio(3.0, 0.1) == pytest.approx(4.0 / 1.1)
    assert bursts.ratio(0.0, 0.0) == 1.0
