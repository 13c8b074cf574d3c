"""The two loops issue 19 compares the embedded replay with, over lines already in memory.

- `naive_loop`: what a user writes instead of firestorm, exactly as the issue describes it:
  json.loads, stock vaderSentiment's compound (English lexicon for every text), and a dict keyed
  by (entity, minute) counting mentions and negatives. No validation, no language, no detector.
- `raw_loop`: the floor of firestorm's own per-mention work: orjson decode and firestorm.models.vader_fast's
  compound (French analyzer for `lang` fr, English for en or absent), nothing else.
The analyzers are built by the caller, once, outside the timed part.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from typing import Any, Protocol

import orjson

from firestorm.models.sentiment import NEGATIVE_COMPOUND
from firestorm.models.vader_fast import EnglishVader, FrenchVader

MINUTE_MS = 60_000


class PolarityScorer(Protocol):
    def polarity_scores(self, text: str) -> dict[str, float]: ...


def stock_vader() -> PolarityScorer:
    """vaderSentiment's SentimentIntensityAnalyzer (its import warns about a packaging detail)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer: PolarityScorer = SentimentIntensityAnalyzer()
    return analyzer


def naive_loop(lines: Sequence[bytes], analyzer: PolarityScorer) -> dict[tuple[str, int], list[int]]:
    """(entity, minute) -> [mentions, negatives]: the six-line script of the issue."""
    windows: dict[tuple[str, int], list[int]] = {}
    for line in lines:
        m = json.loads(line)
        compound = analyzer.polarity_scores(m["text"])["compound"]
        counts = windows.setdefault((m["entity"], m["ts"] // MINUTE_MS), [0, 0])
        counts[0] += 1
        counts[1] += compound <= NEGATIVE_COMPOUND
    return windows


class FastScorers:
    """firestorm.models.vader_fast's English and French analyzers, built once (their lexicons load here)."""

    def __init__(self) -> None:
        self.en = EnglishVader()
        self.fr = FrenchVader()


def raw_loop(lines: Sequence[bytes], scorers: FastScorers) -> tuple[int, int]:
    """(mentions, negatives): decode and score only."""
    en, fr = scorers.en.compound, scorers.fr.compound
    mentions = negatives = 0
    for line in lines:
        obj: dict[str, Any] = orjson.loads(line)
        compound = (fr if obj.get("lang") == "fr" else en)(obj["text"])
        mentions += 1
        negatives += compound <= NEGATIVE_COMPOUND
    return mentions, negatives
