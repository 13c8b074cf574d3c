"""VADER sentiment per mention: English lexicon, French lexicon, others unscored."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from models.language import UNDETERMINED, detect_language

NEGATIVE_COMPOUND = -0.05  # VADER's own published cut-off for "negative"
POSITIVE_COMPOUND = 0.05
SCORED_LANGUAGES = ("en", "fr")


class _Analyzer(Protocol):
    def polarity_scores(self, text: str) -> dict[str, float]: ...


@dataclass(frozen=True, slots=True)
class Sentiment:
    """Language used and VADER compound in [-1, 1]; compound is None when unscored."""

    lang: str
    compound: float | None

    @property
    def scored(self) -> bool:
        return self.compound is not None

    @property
    def negative(self) -> bool:
        return self.compound is not None and self.compound <= NEGATIVE_COMPOUND


@cache
def _analyzer(lang: str) -> _Analyzer:
    if lang == "fr":
        with warnings.catch_warnings():
            # vaderSentiment-fr imports fuzzywuzzy, which warns when the C speed-up is missing.
            warnings.simplefilter("ignore", UserWarning)
            from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer as FrenchVader
        return FrenchVader()  # type: ignore[no-any-return]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as EnglishVader

    return EnglishVader()  # type: ignore[no-any-return]


class SentimentScorer:
    """Scores a mention's text in its language; the language comes from the payload or is detected."""

    def score(self, text: str, lang: str | None = None) -> Sentiment:
        language = lang or detect_language(text)
        if language not in SCORED_LANGUAGES or not text.strip():
            return Sentiment(lang=language or UNDETERMINED, compound=None)
        compound = float(_analyzer(language).polarity_scores(text)["compound"])
        return Sentiment(lang=language, compound=compound)
