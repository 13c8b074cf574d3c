"""The crisis-event vocabulary: whole terms, English and French, most frequent first."""

from __future__ import annotations

from firestorm.models.crisis_events import CRISIS_TERMS, crisis_terms
from firestorm.models.records import Author, Mention
from firestorm.models.sentiment import SentimentScorer
from firestorm.models.windows import WindowAccumulator


def test_crisis_terms_are_picked_from_the_window_terms_most_frequent_first() -> None:
    counts = {"explosion": 3, "plant": 5, "évacuation": 3, "firestorm": 4, "grève": 1}
    assert crisis_terms(counts) == (("explosion", 3), ("évacuation", 3), ("grève", 1))
    assert crisis_terms({"fireworks": 2, "launch": 9}) == ()


def test_every_category_of_the_issue_has_english_and_french_words() -> None:
    for category in (
        "accident",
        "explosion",
        "fire",
        "casualties",
        "evacuation",
        "recall",
        "breach",
        "outage",
        "strike",
        "lawsuit",
        "arrest",
        "boycott",
    ):
        words = {t for t, c in CRISIS_TERMS.items() if c == category}
        assert len(words) >= 2, category
    assert {"incendie", "panne", "fuite", "rappel", "blessés"} <= CRISIS_TERMS.keys()


def test_a_closed_window_names_the_crisis_words_of_its_posts_however_neutral_they_read() -> None:
    scorer = SentimentScorer()
    acc = WindowAccumulator(start_ms=0)
    texts = ("Large explosion at fertilizer plant near Waco, Texas", "Explosion à l'usine, évacuation en cours")
    for i, text in enumerate(texts):
        sentiment = scorer.score(text)
        acc.add(
            Mention(id=str(i), entity="acme", ts_ms=1000, text=text, lang=sentiment.lang, author=Author("a", 0)),
            sentiment,
        )
    stats = acc.close("acme", 60_000)
    assert dict(stats.crisis_terms) == {"explosion": 2, "évacuation": 1}
    assert abs(stats.mean_compound) < 0.05  # neutral to VADER: sentiment alone would not page it
