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


def binomial_tail_score(successes: float, trials: float, p: float) -> float:
    """-log10 P(X >= successes) for X ~ Binomial(trials, p); 0 when successes <= trials * p.

    Judges a share as a share: 6 negatives of 10 where 40% is usual is ordinary (score 0.8),
    60 of 100 is not (score 4.4), whatever the window's volume did.
    """
    n = math.floor(trials)
    k = math.floor(successes)
    if n <= 0 or k <= n * p or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    log_pmf = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p + (n - k) * log_q
    # Sum the tail from the first term by ratios; they fall since k > n p.
    total, term, j = 1.0, 1.0, k
    odds = p / (1.0 - p)
    while j < n:
        term *= (n - j) / (j + 1) * odds
        j += 1
        total += term
        if term < 1e-12 * total:
            break
    return max(0.0, -(log_pmf + math.log(total)) / math.log(10))
