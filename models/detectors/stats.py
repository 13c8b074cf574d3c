"""Count statistics shared by detectors."""

from __future__ import annotations

import math


def poisson_tail_score(observed: float, expected: float) -> float:
    """-log10 P(X >= observed) for X ~ Poisson(expected); 0 when observed <= expected.

    Counts are judged as counts: 3 mentions where 0.2 were expected is unusual but weak
    evidence (score ~2.9), unlike a z-score that would call it 6 sigma.
    """
    k = math.floor(observed)
    if k <= expected or k <= 0:
        return 0.0
    log_pmf = k * math.log(expected) - expected - math.lgamma(k + 1)
    # Sum the tail as a series of ratios from the first term; it converges since k > expected.
    total, term, j = 1.0, 1.0, k
    while j < k + 10_000:
        j += 1
        term *= expected / j
        total += term
        if term < 1e-12 * total:
            break
    return max(0.0, -(log_pmf + math.log(total)) / math.log(10))
