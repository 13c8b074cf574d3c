"""The count and share statistics the detectors judge with."""

from __future__ import annotations

import math

import pytest

from firestorm.models.detectors.stats import binomial_tail_score


def brute_force(k: int, n: int, p: float) -> float:
    return -math.log10(sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1)))


@pytest.mark.parametrize(
    ("k", "n", "p"), [(6, 10, 0.4), (60, 100, 0.4), (29, 48, 0.38), (27, 30, 0.38), (5, 5, 0.2), (400, 1000, 0.35)]
)
def test_binomial_tail_score_is_the_exact_tail(k: int, n: int, p: float) -> None:
    assert binomial_tail_score(k, n, p) == pytest.approx(brute_force(k, n, p), rel=1e-9)


def test_binomial_tail_score_is_zero_at_or_below_the_usual_share() -> None:
    assert binomial_tail_score(4, 10, 0.4) == 0.0
    assert binomial_tail_score(0, 0, 0.4) == 0.0
    assert binomial_tail_score(3, 10, 0.0) == 0.0


def test_binomial_tail_score_reads_a_share_not_a_volume() -> None:
    # The same 60% share: 10 mentions say little, 100 say a lot.
    assert binomial_tail_score(6, 10, 0.4) < 1.0 < 4.0 < binomial_tail_score(60, 100, 0.4)
