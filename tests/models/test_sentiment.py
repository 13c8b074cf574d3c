from __future__ import annotations

import warnings

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as EnglishVader

from firestorm.models.sentiment import NEGATIVE_COMPOUND, Sentiment, SentimentScorer

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer as FrenchVader

ENGLISH = [
    "Stuck at the gate for 5 hours, @skyway this is a disgrace #skywayfail",
    "The crew were friendly and helpful, great flight :)",
    "Booked Seville for May with @skyway, £59 return. Can't wait! 🌍 #wanderlust",
    "Not bad at all, but the food was NOT good!!!",
]
FRENCH = [
    "C'est un scandale, je suis furieux contre cette marque",
    "Le lait est contaminé, rappel immédiat, c'est honteux #boycott",
    "Très bon petit déjeuner ce matin, merci beaucoup !",
]


@pytest.fixture(scope="module")
def english() -> EnglishVader:
    return EnglishVader()


@pytest.fixture(scope="module")
def french() -> FrenchVader:
    return FrenchVader()


@pytest.mark.parametrize("text", ENGLISH)
@pytest.mark.parametrize("lang", ["en", None])
def test_english_matches_vader(scorer: SentimentScorer, english: EnglishVader, text: str, lang: str | None) -> None:
    result = scorer.score(text, lang)
    assert result.lang == "en"
    assert result.compound == english.polarity_scores(text)["compound"]


@pytest.mark.parametrize("text", FRENCH)
@pytest.mark.parametrize("lang", ["fr", None])
def test_french_matches_vader_fr(scorer: SentimentScorer, french: FrenchVader, text: str, lang: str | None) -> None:
    result = scorer.score(text, lang)
    assert result.lang == "fr"
    assert result.compound == french.polarity_scores(text)["compound"]


def test_lexicons_differ_on_the_same_text(english: EnglishVader, french: FrenchVader) -> None:
    # The comparison above means something only if the two analysers disagree on some text.
    text = FRENCH[0]
    assert english.polarity_scores(text)["compound"] != french.polarity_scores(text)["compound"]


def test_payload_language_wins_over_detection(scorer: SentimentScorer, french: FrenchVader) -> None:
    text = ENGLISH[0]
    result = scorer.score(text, "fr")
    assert result.lang == "fr"
    assert result.compound == french.polarity_scores(text)["compound"]


def test_payload_language_not_scored_even_if_text_is_english(scorer: SentimentScorer) -> None:
    result = scorer.score(ENGLISH[0], "de")
    assert result == Sentiment(lang="de", compound=None)
    assert not result.scored and not result.negative


def test_other_detected_language_is_unscored(scorer: SentimentScorer) -> None:
    result = scorer.score("Das ist wirklich eine Katastrophe, ich bin sehr enttäuscht")
    assert result == Sentiment(lang="de", compound=None)


@pytest.mark.parametrize("text", ["", "ok", "   "])
def test_undetermined_is_unscored(scorer: SentimentScorer, text: str) -> None:
    assert scorer.score(text) == Sentiment(lang="und", compound=None)


def test_empty_text_with_language_is_unscored(scorer: SentimentScorer) -> None:
    assert scorer.score("  ", "en") == Sentiment(lang="en", compound=None)


def test_storm_text_is_negative_and_praise_is_not(scorer: SentimentScorer) -> None:
    assert scorer.score(ENGLISH[0], "en").negative
    assert not scorer.score(ENGLISH[1], "en").negative


@pytest.mark.parametrize(
    ("compound", "negative"),
    [(-1.0, True), (NEGATIVE_COMPOUND, True), (-0.0499, False), (0.0, False), (0.9, False), (None, False)],
)
def test_negative_threshold(compound: float | None, negative: bool) -> None:
    assert NEGATIVE_COMPOUND == -0.05
    assert Sentiment(lang="en", compound=compound).negative is negative
    assert Sentiment(lang="en", compound=compound).scored is (compound is not None)


def test_a_copy_is_scored_once_and_the_memo_stays_bounded() -> None:
    """Copies (retweets) come back from the memo with the same score; the memo never grows past
    its cap, and an evicted text scores the same when it comes again."""
    memoized, plain = SentimentScorer(memo_texts=50), SentimentScorer(memo_texts=0)
    texts = [f"flight {i} delayed again, awful service" if i % 3 else f"merci {i}, super vol" for i in range(400)]
    for round_ in range(2):
        for i, text in enumerate(texts):
            lang = None if i % 2 else ("fr" if i % 3 == 0 else "en")
            assert memoized.score(text, lang) == plain.score(text, lang), (round_, text, lang)
            assert len(memoized._memo) <= 50
    first = memoized.score("the app crashed and support ignores me", "en")
    assert memoized.score("the app crashed and support ignores me", "en") is first
    assert plain._memo == {}


@pytest.mark.parametrize("mode", ["vader", "vader+crisis"])
def test_explain_shows_the_emoji_not_the_words_of_its_description(mode: str) -> None:
    """VADER scores 🙄 by its description ("visage roulant des yeux"): show the emoji itself."""
    text = "Super, encore une panne, merci beaucoup 🙄"
    words = [word for word, _, _ in SentimentScorer(mode).explain(text, "fr")]
    assert "🙄" in words
    assert all(word in text for word in words)


def test_the_memo_drops_the_oldest_text_first() -> None:
    """Full, the memo forgets the text it learned first and keeps the later ones."""
    scorer = SentimentScorer(memo_texts=3)
    for text in ("late again", "lost my bag", "great crew", "awful food"):
        scorer.score(text, "en")
    assert [text for text, _ in scorer._memo] == ["lost my bag", "great crew", "awful food"]


def test_a_text_seen_in_two_languages_is_scored_in_each() -> None:
    """The memo is keyed by (text, language): the same text given another language is scored in
    that language, not answered with the first one's score, and each keeps its entry (copies of a
    text come with and without `lang`: alternating must not rescore them)."""
    scorer, plain = SentimentScorer(), SentimentScorer(memo_texts=0)
    text = "service nul, remboursement jamais reçu, horrible"
    for lang in ("fr", "en", None, "fr", "de"):
        assert scorer.score(text, lang) == plain.score(text, lang), lang
    assert scorer.score(text, "en").lang == "en" and scorer.score(text, "fr").lang == "fr"
    assert len(scorer._memo) == 4  # fr, en, None, de: the repeats were hits
    scorer.score(text, None)
    assert len(scorer._memo) == 4
