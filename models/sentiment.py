"""VADER sentiment per mention: English lexicon, French lexicon, others unscored.

Scores come from models.vader_fast, a re-implementation of vaderSentiment and of the French
port that returns bit-identical scores about four times faster (tests/models/test_vader_fast.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.language import UNDETERMINED, detect_language
from models.vader_fast import analyzer

NEGATIVE_COMPOUND = -0.05  # VADER's own published cut-off for "negative"
POSITIVE_COMPOUND = 0.05
SCORED_LANGUAGES = ("en", "fr")


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


class SentimentScorer:
    """Scores a mention's text in its language; the language comes from the payload or is detected."""

    def score(self, text: str, lang: str | None = None) -> Sentiment:
        language = lang or detect_language(text)
        if language not in SCORED_LANGUAGES or not text.strip():
            return Sentiment(lang=language or UNDETERMINED, compound=None)
        compound = analyzer(language).compound(text)
        return Sentiment(lang=language, compound=compound)
