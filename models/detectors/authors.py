"""Unique authors: how many distinct accounts carry a window, against how many usually would.

A genuine storm is many people: its distinct authors grow about as fast as its mentions. A surge
that a handful of accounts post (spam, a few bots, one angry power user) does not. The window's
distinct authors are counted exactly while it is open (`WindowAccumulator` keeps the set only
until the window closes); the entity keeps two floats: decayed sums of distinct authors and of
effective mentions over its normal windows, whose ratio is its usual authors per mention. The
expected distinct authors of a window are that ratio times the window's expected (seasonal,
spike-robust) volume, so the author baseline has the volume baseline's rhythm and robustness
for free.

"New" authors are the distinct authors beyond the expected number: the voices the entity does not
usually have in such a window. A per-entity sketch of recently seen accounts was not kept: a busy
entity sees over a thousand distinct authors an hour, so a useful sketch costs kilobits per entity,
not a few floats; and fresh accounts do not tell bots from a storm anyway (a storm brings people
who never mentioned the entity before, as a bot farm does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from firestorm.models.windows import WindowStats

PRIOR_AUTHORS_PER_MENTION = 1.0  # before anything is learned: every mention its own author
MIN_LEARNED_VOLUME = 1.0  # below this much learned volume the prior is used


@dataclass(frozen=True, slots=True)
class AuthorSignal:
    """The unique-author figures of one window."""

    authors: int  # distinct authors in the window (0: none known, the signal says nothing)
    expected: float  # distinct authors expected at the window's expected volume
    ratio: float | None  # authors / expected (None when no authors are known)
    new: float  # distinct authors beyond the expected: new voices
    few: bool  # a volume surge that the authors do not share: carried by a few accounts


def initial_state() -> list[float]:
    """[decayed distinct authors, decayed effective mentions] over normal windows."""
    return [0.0, 0.0]


def authors_per_mention(sums: list[float]) -> float:
    """The entity's usual distinct authors per effective mention in a window (`sums`: see initial_state)."""
    authors, volume = sums
    if volume < MIN_LEARNED_VOLUME:
        return PRIOR_AUTHORS_PER_MENTION
    return authors / volume


def assess(
    sums: list[float],
    window: WindowStats,
    volume: float,
    expected: float,
    *,
    min_volume: float,
    min_ratio: float,
    few_share: float,
) -> AuthorSignal:
    """Judge the window's distinct authors against the expected ones (`expected` is the volume baseline).

    `few`: the effective volume is a surge (at least `min_volume` and `min_ratio` x expected) but
    the authors grew less than `few_share` as much as the volume did.
    """
    expected_authors = max(expected, 1e-9) * authors_per_mention(sums)
    if window.unique_authors <= 0:
        return AuthorSignal(0, expected_authors, None, 0.0, False)
    ratio = window.unique_authors / expected_authors
    surge = volume >= min_volume and volume >= min_ratio * expected
    few = surge and ratio < few_share * (volume / max(expected, 1e-9))
    new = max(0.0, window.unique_authors - expected_authors)
    return AuthorSignal(window.unique_authors, expected_authors, ratio, new, few)


def learn(sums: list[float], window: WindowStats, volume: float, alpha: float) -> None:
    """Teach the usual authors per mention (in place) from a normal window that has authors."""
    if window.unique_authors <= 0 or volume <= 0:
        return
    keep = 1.0 - alpha
    sums[0] = sums[0] * keep + window.unique_authors
    sums[1] = sums[1] * keep + volume


def details(signal: AuthorSignal) -> dict[str, Any]:
    """The figures for an alert's drivers."""
    return {
        "expected_authors": round(signal.expected, 2),
        "author_ratio": None if signal.ratio is None else round(signal.ratio, 2),
        "new_authors": round(signal.new, 1),
        "few_authors": signal.few,
    }
