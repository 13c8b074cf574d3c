"""VADER sentiment per mention: English lexicon, French lexicon, others unscored.

Scores come from firestorm.models.vader_fast, a re-implementation of vaderSentiment and of the French
port that returns bit-identical scores about four times faster (tests/models/test_vader_fast.py).
In the `vader+crisis` mode the analyzers carry the crisis/complaint overlay (models/crisis.py):
stock VADER plus reviewed service-failure and crisis words, English and French. In the `model`
mode a trained linear classifier labels the text (models/sentiment_model.py), and its compound is
placed so that the same cut-offs give back the model's label (the detectors count that label).
In the `model` mode, a text the model reads as positive whose praise comes with a failure
("Great, another outage, thanks a lot") is read as sarcasm and labelled negative
(models/sarcasm.py); the two VADER modes are left as they are (docs/sentiment.md says why).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

from mypy_extensions import mypyc_attr

from firestorm.models.language import UNDETERMINED, detect_language
from firestorm.models.sarcasm import rule
from firestorm.models.vader_fast import _FastVader, analyzer

NEGATIVE_COMPOUND = -0.05  # VADER's own published cut-off for "negative"
POSITIVE_COMPOUND = 0.05
SCORED_LANGUAGES = ("en", "fr")
VADER = "vader"
VADER_CRISIS = "vader+crisis"
MODEL = "model"
SARCASM = "sarcasm"  # the lexicon of --explain's words when the sarcasm rule gave the label
SENTIMENT_MODES = (VADER, VADER_CRISIS, MODEL)
DEFAULT_MODE = VADER_CRISIS  # it beat stock VADER on the held-out half (docs/sentiment.md)
MEMO_TEXTS = 20_000  # recent distinct (text, lang) pairs whose score is kept: copies are scored once
Label = Literal["negative", "neutral", "positive"]


def label_of(compound: float) -> Label:
    """VADER's three classes with the project's cut-offs (the detector counts `negative`)."""
    if compound <= NEGATIVE_COMPOUND:
        return "negative"
    if compound >= POSITIVE_COMPOUND:
        return "positive"
    return "neutral"


def _emoji_for(analyzer: _FastVader, word: str, text: str) -> str:
    """The emoji of `text` whose description holds `word` (VADER scores emoji by their
    description), or `word` itself when none does."""
    emojis: dict[str, str] = getattr(analyzer, "_single_emojis", {})
    lower = word.lower()
    for character in text:
        description = emojis.get(character)
        if description is not None and lower in description.lower().split():
            return character
    return word


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


@mypyc_attr(allow_interpreted_subclasses=True)  # streams/drills/compare.py's CachingScorer extends it
class SentimentScorer:
    """Scores a mention's text in its language; the language comes from the payload or is detected.

    `mode` is `vader` (stock VADER, bit for bit), `vader+crisis` (with the overlay) or `model`
    (the trained classifier)."""

    def __init__(self, mode: str = DEFAULT_MODE, memo_texts: int = MEMO_TEXTS) -> None:
        if mode not in SENTIMENT_MODES:
            raise ValueError(f"sentiment mode must be one of {', '.join(SENTIMENT_MODES)}, got {mode!r}")
        self.mode = mode
        # A storm repeats itself (retweets, copy-paste campaigns): the score of a text seen lately
        # is kept, the oldest dropped first, so memory stays bounded over a month-long replay. An
        # OrderedDict: dropping a plain dict's first key again and again makes each next(iter())
        # scan the deleted slots before it (about 50 us an insert once the memo is full). Keyed by
        # (text, payload language): copies of a text arrive with and without `lang` (a repost from
        # another source), and each keeps its score instead of evicting the other's.
        self._memo: OrderedDict[tuple[str, str | None], Sentiment] = OrderedDict()
        self._memo_cap = memo_texts
        self._analyzers: dict[str, _FastVader] = {}  # per language, resolved once

    def analyzer(self, lang: str) -> _FastVader:
        known = self._analyzers.get(lang)
        if known is None:
            if self.mode == VADER_CRISIS:
                from firestorm.models.crisis import crisis_analyzer

                known = crisis_analyzer(lang)
            else:
                known = analyzer(lang)
            self._analyzers[lang] = known
        return known

    def language(self, text: str, lang: str | None = None) -> str:
        return lang or detect_language(text)

    def complaint(self, text: str, lang: str) -> bool | None:
        """Whether the model reads `text` as a complaint; None outside the `model` mode or where its
        language has no complaint head."""
        if self.mode != MODEL:
            return None
        from firestorm.models.sentiment_model import shipped

        model = shipped().get(lang)
        return None if model is None else model.complaint(text)

    def explain(self, text: str, lang: str) -> list[tuple[str, float, str]]:
        """(word, valence, lexicon) of each word that moved the score of `text` in `lang`; lexicon is
        `crisis` for an overlay word (a phrase is shown with its words), else `vader`. In the
        `model` mode: (word, weight, `model`), the words of the text that pushed it to its label;
        or, when the sarcasm rule gave the label, its praise and its failure as (words, 0.0,
        `sarcasm`)."""
        if self.mode == MODEL:
            from firestorm.models.sentiment_model import CLASSES, reasons, shipped

            model = shipped()[lang]
            contrast = _sarcasm(CLASSES[model.probabilities(text)[0]], text, lang)
            if contrast is not None:  # the label is the rule's, not the weights'
                return [(contrast[0], 0.0, SARCASM), (contrast[1], 0.0, SARCASM)]
            return [(word, weight, MODEL) for word, weight in reasons(model, text)]
        analyzer = self.analyzer(lang)
        overlay = getattr(analyzer, "overlay", None)
        out = []
        lowered = text.lower()
        for word, key, valence in analyzer.contributions(text):
            if word.lower().replace("_", " ") not in lowered and word.lower() not in lowered:
                # A word of an emoji's description ("rouler" for 🙄): show the emoji of the text.
                word = _emoji_for(analyzer, word, text)
            if overlay is not None and key in overlay.valences:
                out.append((word.replace("_", " "), valence, "crisis"))
            else:
                out.append((word, valence, "vader"))
        return out

    def score(self, text: str, lang: str | None = None) -> Sentiment:
        memo, key = self._memo, (text, lang)
        known = memo.get(key)
        if known is not None:
            return known
        scored = self._score(text, lang)
        if self._memo_cap > 0:
            if len(memo) >= self._memo_cap:
                memo.popitem(last=False)
            memo[key] = scored
        return scored

    def _score(self, text: str, lang: str | None) -> Sentiment:
        language = self.language(text, lang)
        if language not in SCORED_LANGUAGES or not text.strip():
            return Sentiment(lang=language or UNDETERMINED, compound=None)
        if self.mode == MODEL:
            from firestorm.models.sentiment_model import CLASSES, compound_of, shipped

            label, probabilities = shipped()[language].probabilities(text)
            if _sarcasm(CLASSES[label], text, language) is not None:
                label = CLASSES.index("negative")  # the fit sees too few such texts to learn it
            return Sentiment(lang=language, compound=compound_of(label, probabilities))
        compound = self.analyzer(language).compound(text)
        return Sentiment(lang=language, compound=compound)


def _sarcasm(label: str, text: str, lang: str) -> tuple[str, str] | None:
    """The praise and the failure of a text the model labels positive, when the sarcasm rule
    (models/sarcasm.py) reads it as sarcasm; the one decision both the score and --explain use."""
    return rule(lang).contrast(text) if label == "positive" else None
