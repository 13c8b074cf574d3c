"""The crisis/complaint overlay (models/crisis.py): its data file, its phrase joining, VADER's rules
on its words, and bit-identical scores against a plain reference implementation.

The reference is the stock analyzer (vaderSentiment / vaderSentiment_fr) with the overlay's
valences merged into its lexicon, scoring the text with the overlay's phrases joined: that is
what the overlay means. The fast analyzers must give the same neg, neu, pos and compound bits
on a large corpus: the stock-identity corpus of test_vader_fast plus texts dense in overlay
terms (single words and phrases, every case, accents, apostrophes, negations, boosters, "but").
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable

import pytest
import unidecode

from firestorm.models import crisis
from firestorm.models.crisis import CrisisEnglishVader, CrisisFrenchVader, LexiconError, Overlay, parse_entries
from firestorm.models.sentiment import SentimentScorer
from firestorm.models.vader_tables import N_SCALAR
from tests.models.test_vader_fast import SEED, _bits, _TextMaker, corpus

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from vaderSentiment import vaderSentiment as stock_en
    from vaderSentiment_fr import vaderSentiment as stock_fr

Scores = dict[str, float]

# The words the issue names (English and French): each must read negative in a plain sentence.
ISSUE_EN = [
    "my flight was delayed",
    "the train got cancelled",
    "we are stuck here",
    "still waiting for my order",
    "my order never arrived",
    "I want a refund",
    "I was charged twice",
    "the app is down",
    "another outage today",
    "the app crashed again",
    "my account was hacked",
    "a data breach at the bank",
    "the leak of customer files",
    "a recall of the baby formula",
    "the milk was contaminated",
    "a lawsuit over the fees",
    "boycott this brand",
    "what a scandal",
]
ISSUE_FR = [
    "mon vol est annulé",
    "encore un retard ce matin",
    "j'attends mon remboursement",
    "appli en panne",
    "piratage de mon compte",
    "fuite de données chez eux",
    "rappel de lot pour ce lait",
    "le lait est contaminé",
    "je vais porter plainte",
    "boycott de la marque",
    "quel scandale",
]
PLAIN_EN = ["my flight landed", "the train left", "I ordered a phone", "the app opened"]


def _reference(lang: str) -> Callable[[str], Scores]:
    """Stock vaderSentiment with the overlay merged into its lexicon, on the phrase-joined text."""
    stock = stock_en.SentimentIntensityAnalyzer() if lang == "en" else stock_fr.SentimentIntensityAnalyzer()
    lay = crisis.overlay(lang)
    stock.lexicon.update(lay.valences)
    return lambda text: stock.polarity_scores(lay.join_phrases(text))


def _crisis_corpus(lang: str, count: int) -> list[str]:
    """Seeded texts from a generator whose lexicon is mostly overlay terms (phrases included)."""
    fast = CrisisEnglishVader() if lang == "en" else CrisisFrenchVader()
    maker = _TextMaker(lang, sorted(fast.emojis), SEED + 1)
    terms = [e.term for e in crisis.entries() if e.lang == lang]
    variants = list(terms)
    for term in terms:
        variants.append(term.replace("'", "\u2019"))
        variants.append(term.replace("'", ""))
        variants.append(term.replace(" ", "  "))
        variants.append(term.replace(" ", "\n"))
        if lang == "fr":
            variants.append(unidecode.unidecode(term))
    maker.lexicon = variants * 6 + maker.lexicon
    rng = random.Random(f"{SEED}:{lang}:crisis")
    texts = [maker.text() for _ in range(count)]
    texts += [f"{rng.choice(['not', 'never', 'very', 'so', 'pas', 'jamais', 'très'])} {t}" for t in variants]
    texts += [f"{t} but {u}" for t, u in zip(variants, reversed(variants), strict=True)]
    return texts


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_bit_identical_to_the_reference_overlay(lang: str) -> None:
    reference = _reference(lang)
    fast = CrisisEnglishVader() if lang == "en" else CrisisFrenchVader()
    texts = corpus(lang, generated=4000) + _crisis_corpus(lang, 6000)
    assert len(texts) >= 10_000
    mismatches = []
    for text in texts:
        expected = reference(text)
        if (
            _bits(fast.polarity_scores(text)) != _bits(expected)
            or fast.compound(text).hex() != float(expected["compound"]).hex()
        ):
            mismatches.append((text, expected, fast.polarity_scores(text)))
    assert mismatches == [], f"{len(mismatches)} of {len(texts)} differ, first: {mismatches[:3]}"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_overlay_changes_many_scores(lang: str) -> None:
    # The comparison above means something only if the overlay moves scores on that corpus.
    stock = stock_en.SentimentIntensityAnalyzer() if lang == "en" else stock_fr.SentimentIntensityAnalyzer()
    fast = CrisisEnglishVader() if lang == "en" else CrisisFrenchVader()
    texts = _crisis_corpus(lang, 1000)
    changed = sum(stock.polarity_scores(t)["compound"] != fast.compound(t) for t in texts)
    joined = sum(crisis.overlay(lang).join_phrases(t) != t for t in texts)
    assert changed > len(texts) // 3
    assert joined > len(texts) // 5


@pytest.mark.parametrize("text", ISSUE_EN)
def test_issue_words_read_negative_in_english(crisis_scorer: SentimentScorer, text: str) -> None:
    assert crisis_scorer.score(text, "en").negative


@pytest.mark.parametrize("text", ISSUE_FR)
def test_issue_words_read_negative_in_french(crisis_scorer: SentimentScorer, text: str) -> None:
    assert crisis_scorer.score(text, "fr").negative


def test_plain_facts_stay_neutral(crisis_scorer: SentimentScorer) -> None:
    assert [crisis_scorer.score(t, "en").compound for t in PLAIN_EN] == [0.0] * len(PLAIN_EN)


def test_stock_mode_misses_the_complaints_the_overlay_sees(scorer: SentimentScorer) -> None:
    missed = ["my order never arrived", "the app is down", "still waiting for my order", "appli en panne"]
    assert [scorer.score(t, "fr" if "appli" in t else "en").compound for t in missed] == [0.0] * 4


def test_vader_rules_apply_to_overlay_words() -> None:
    fast = CrisisEnglishVader()

    def valence(text: str, word: str) -> float:
        return next(v for w, _, v in fast.contributions(text) if w.lower() == word)

    base = valence("the flight was delayed", "delayed")
    assert base == -1.5
    assert valence("the flight was not delayed", "delayed") == pytest.approx(base * N_SCALAR)  # negation
    assert valence("the flight was very delayed", "delayed") < base  # intensifier
    assert valence("the flight was DELAYED today", "delayed") < base  # caps emphasis
    assert valence("the flight was delayed but the crew were kind", "delayed") == pytest.approx(base * 0.5)  # but
    # a phrase is one word for the rules: its own "never" does not negate it, one before it does
    assert valence("it never arrived", "never_arrived") == -2.0
    assert valence("it has not never arrived", "never_arrived") == pytest.approx(-2.0 * N_SCALAR)


def test_pas_content_is_a_complaint_though_content_is_not_in_the_french_lexicon(scorer: SentimentScorer) -> None:
    # vaderSentiment-fr has "contente" but not "content": stock VADER has nothing to negate.
    assert scorer.score("Pas content du tout", "fr").compound == 0.0
    assert scorer.score("pas contente", "fr").compound < -0.05
    assert CrisisFrenchVader().compound("Pas content du tout") < -0.05
    assert CrisisFrenchVader().compound("Je suis content") == 0.0  # the overlay adds the complaint, not the word


def test_no_refund_is_a_complaint_not_a_negated_one() -> None:
    # Without the phrase, VADER's "no" would flip "refund" to positive.
    fast = CrisisEnglishVader()
    assert fast.compound("no refund") < -0.05
    lay = Overlay.from_entries([e for e in crisis.entries() if e.term != "no refund"], "en")
    assert CrisisEnglishVader(lay).compound("no refund") > 0.05


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("Order NEVER   arrived!", "Order NEVER_arrived!"),
        ("never\narrived", "never_arrived"),
        ("it doesn\u2019t work", "it doesnt_work"),
        ("it doesnt work", "it doesnt_work"),
        ("it doesn't working", "it doesn't working"),  # whole words only
        ("forever arrived", "forever arrived"),
        ("the site is down again", "the site is_down again"),  # leftmost match wins
        ("down again today", "down_again today"),
        ("İstanbul: bag never arrived", "İstanbul: bag never_arrived"),  # "İ" lower-cases to 2 characters
        ("(never arrived)", "(never_arrived)"),
    ],
)
def test_english_phrases_join_as_whole_words(text: str, joined: str) -> None:
    assert crisis.overlay("en").join_phrases(text) == joined


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("colis jamais reçu", "colis jamais_reçu"),
        ("colis JAMAIS RECU", "colis JAMAIS_RECU"),
        ("colis jamais réçu", "colis jamais_réçu"),
        ("Rappel de lot : lait", "Rappel_de_lot : lait"),
        ("un rappel de lots", "un rappel_de_lots"),
        ("hors-service", "hors-service"),
    ],
)
def test_french_phrases_join_whatever_the_accents(text: str, joined: str) -> None:
    assert crisis.overlay("fr").join_phrases(text) == joined


def test_explain_names_the_overlay_words(crisis_scorer: SentimentScorer, scorer: SentimentScorer) -> None:
    text = "Flight delayed and my bag never arrived, terrible"
    assert crisis_scorer.explain(text, "en") == [
        ("delayed", -1.5, "crisis"),
        ("never arrived", -2.0, "crisis"),
        ("terrible", -2.1, "vader"),
    ]
    # stock VADER reads "never arrived, terrible" as a negated "terrible": positive
    assert scorer.explain(text, "en") == [
        ("delayed", -0.9, "vader"),
        ("terrible", pytest.approx(-2.1 * N_SCALAR), "vader"),
    ]


def test_shipped_file_is_valid_and_every_entry_has_a_reason() -> None:
    entries = crisis.entries()
    assert len(entries) >= 100
    assert {e.lang for e in entries} == {"en", "fr"}
    assert all(e.reason for e in entries)
    assert sum(e.multiword for e in entries if e.lang == "en") >= 20
    assert sum(e.multiword for e in entries if e.lang == "fr") >= 10


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_overlay_term_is_a_rule_word(lang: str) -> None:
    # A booster scores 0 and a negation word steers the rules: an overlay term must be neither.
    module = stock_en if lang == "en" else stock_fr
    rule_words = set(module.BOOSTER_DICT) | set(module.NEGATE)
    clashes = [e.term for e in crisis.entries() if e.lang == lang and crisis.token_key(e.term, lang) in rule_words]
    assert clashes == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("delayed\ten\t-1.5", "want 4 tab-separated fields"),
        ("delayed\tde\t-1.5\ta reason", "language must be one of"),
        ("delayed\ten\tlots\ta reason", "is not a number"),
        ("delayed\ten\t-5\ta reason", "outside VADER's -4..4"),
        ("delayed\ten\t-1.5\t ", "has no reason"),
        ("Delayed\ten\t-1.5\ta reason", "must be lower case"),
        ("never  arrived\ten\t-1.5\ta reason", "single spaces"),
        ("delayed\ten\t-1.5\ta reason\ndelayed\ten\t-1\tagain", "listed twice"),
    ],
)
def test_a_bad_line_is_refused_with_its_number(line: str, message: str) -> None:
    text = "# comment\nterm\tlanguage\tvalence\treason\n" + line + "\n"
    with pytest.raises(LexiconError, match=message) as info:
        parse_entries(text)
    assert "line 3" in str(info.value) or "line 4" in str(info.value)


def test_the_modes_are_checked() -> None:
    with pytest.raises(ValueError, match="vader, vader\\+crisis"):
        SentimentScorer("crisis")
    assert SentimentScorer().mode == "vader+crisis"
