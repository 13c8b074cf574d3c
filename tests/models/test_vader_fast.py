"""firestorm.models.vader_fast gives bit-identical scores to the stock analyzers, on a large varied corpus.

The corpus is built here, deterministically: every text of the bundled samples, texts made by
a seeded generator from the lexicons and every rule VADER has (boosters and dampeners,
negations, "no"/"nor", "never so", "without doubt", "least", "kind of", "but"/"mais", special
cases and idioms, ALL CAPS and mixed case, !!! and ??, ellipses, emoji and emoticons, accents,
apostrophes, odd whitespace and Unicode), and edge cases. Each text is scored by the stock
analyzer and the fast one; neg, neu, pos and compound must have the same bits (float.hex).
"""

from __future__ import annotations

import itertools
import json
import random
import string
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from firestorm.models import vader_fast, vader_tables
from firestorm.models.sentiment import SentimentScorer
from firestorm.models.vader_fast import EnglishVader, FrenchVader

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from vaderSentiment import vaderSentiment as stock_en
    from vaderSentiment_fr import vaderSentiment as stock_fr

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.jsonl"))
GENERATED_PER_LANGUAGE = 12_000
MIN_CORPUS = 10_000
SEED = 20260307
Scores = dict[str, float]

EN_FILLER = "the a I we it is was my our this that flight crew app today and to at on of for"
FR_FILLER = "le la les un une je nous il elle est était mon notre ce cette et à au de pour avec"
EMOTICONS = [":)", ":(", ":D", ":-)", ":-(", ";)", ":'(", "<3", "</3", ":P", ":/", "XD", "^^", ":-Þ", "=)", ":|"]
SEPARATORS = [" "] * 30 + ["  ", "\t", "\n", "\xa0", " \u2009", "\u3000", "\x1c", ""]
DECORATIONS = ["!", "!!", "!!!", "!!!!!!", "?", "??", "???", "?!?!", ".", "..", "...", "......", ",", ";", ":", "'"]
DECORATIONS += ['"', "-", "--", "(", ")", "*", "#", "@", "…", "\u2019", "!?"]
ODD_TOKENS = ["İstanbul", "straße", "ǅemal", "ﬁne", "e\u0301te\u0301", "ªa", "\u200d", "😀\u200d😀", "✈️", "🇫🇷", "™"]
ODD_TOKENS += [
    "1234",
    "3.5",
    "#fail",
    "@skyway",
    "https://x.com/a/status/1",
    "n't",
    "don\u2019t",
    "l\u2019avion",
    "O'Neil",
    "'''",
]
EDGE_CASES = [
    "",
    " ",
    "   \t\n ",
    "\xa0",
    "!",
    "!!!",
    "???",
    "?!",
    "...",
    "..",
    "....... ?? !!",
    "'",
    "''",
    "'''",
    "a",
    "A",
    "I",
    "no",
    "NO",
    "no no",
    "not",
    "but",
    "mais",
    "BUT",
    "least",
    "at least",
    "kind of",
    "kind",
    "of",
    "the shit",
    "the bomb",
    "yeah right",
    "kiss of death",
    "beating heart",
    "bus stop",
    "not bad at all",
    "pas mal du tout",
    "sérieux",
    "serieux",
    "pas sérieux",
    "pas serieux",
    "😀",
    "😀😀😀",
    " 😀 ",
    "😀!",
    "😡 😡",
    "a😡b",
    "😡 ",
    "©®",
    ":)",
    ":(",
    ":'(",
    "\x00",
    "bad\x00😀 good",
    "😀\x00",
    "GREAT",
    "GREAT!!!",
    "great GREAT great",
    "ÉNORME scandale",
    "Très TRÈS bien",
    "\u2028good\u2029bad",
    "n't",
    "isn't good",
    "ISN'T GOOD at all",
    "never so good",
    "never this bad",
    "without doubt good",
    "without a doubt, an excellent idea.",
    "very least good",
    "at least good",
    "the least good",
    "least good",
]


def _stock() -> tuple[Callable[[str], Scores], Callable[[str], Scores]]:
    return stock_en.SentimentIntensityAnalyzer().polarity_scores, stock_fr.SentimentIntensityAnalyzer().polarity_scores


def _raw_lexicon(package: str, name: str, separator: str) -> list[str]:
    """The lexicon words as written in the file (the French ones with their accents)."""
    text = vader_tables.read_utf8(package, name)
    return [line.strip().split(separator)[0] for line in text.split("\n") if line.strip()]


def _example_texts() -> list[str]:
    texts: list[str] = []
    for path in EXAMPLES:
        with path.open(encoding="utf-8") as lines:
            texts.extend(json.loads(line)["text"] for line in lines)
    return list(dict.fromkeys(texts))


class _TextMaker:
    """Seeded texts mixing lexicon words with every rule of the analyzer of one language."""

    def __init__(self, lang: str, emojis: list[str], seed: int) -> None:
        self.rng = random.Random(f"{seed}:{lang}")
        if lang == "en":
            module: object = stock_en
            self.lexicon = _raw_lexicon("vaderSentiment", "vader_lexicon.txt", "\t")
            self.filler = [*EN_FILLER.split()]
            self.rule_words = ["no", "nor", "or", "never", "so", "this", "without", "doubt", "least", "at", "very"]
            self.rule_words += ["but", "But", "kind", "of", "sort", "just", "enough", "isn't", "don't", "cant"]
        else:
            module = stock_fr
            self.lexicon = _raw_lexicon("vaderSentiment_fr", "fr_lexicon.txt", "->")
            self.filler = [*FR_FILLER.split()]
            self.rule_words = ["pas", "ne", "jamais", "plus", "rien", "sans", "ni", "mais", "Mais", "no", "nor", "or"]
            self.rule_words += ["least", "at", "very", "kind", "of", "peu", "quelque", "à", "peine", "près", "putain"]
            self.rule_words += ["de", "c'est", "n'est", "l'avion", "qu'il", "aujourd'hui", "j\u2019adore"]
            self.rule_words += [*stock_fr.NO_NEGATE, "serieux", "serieuse", "SÉRIEUX"]
        self.boosters = list(module.BOOSTER_DICT)  # type: ignore[attr-defined]
        self.negations = list(module.NEGATE)  # type: ignore[attr-defined]
        self.phrases = list(module.SPECIAL_CASES) + list(module.SENTIMENT_LADEN_IDIOMS)  # type: ignore[attr-defined]
        self.emojis = emojis

    def _token(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.30:
            token = rng.choice(self.lexicon)
        elif roll < 0.42:
            token = rng.choice(self.filler)
        elif roll < 0.54:
            token = rng.choice(self.boosters)
        elif roll < 0.64:
            token = rng.choice(self.negations)
        elif roll < 0.76:
            token = rng.choice(self.rule_words)
        elif roll < 0.81:
            token = rng.choice(self.phrases)
        elif roll < 0.87:
            token = rng.choice(self.emojis) * rng.choice((1, 1, 2, 3))
        elif roll < 0.91:
            token = rng.choice(EMOTICONS)
        elif roll < 0.95:
            token = rng.choice(ODD_TOKENS)
        else:
            token = "".join(rng.choice(string.ascii_letters + "'-") for _ in range(rng.randint(1, 9)))
        shape = rng.random()
        if shape < 0.12:
            token = token.upper()
        elif shape < 0.18:
            token = token.title()
        elif shape < 0.20:
            token = "".join(c.upper() if rng.random() < 0.5 else c for c in token)
        if rng.random() < 0.15:
            token = rng.choice(DECORATIONS) + token
        if rng.random() < 0.25:
            token += rng.choice(DECORATIONS)
        return token

    def text(self) -> str:
        rng = self.rng
        count = rng.choice((1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30))
        pieces = []
        for _ in range(count):
            pieces.append(self._token())
            pieces.append(rng.choice(SEPARATORS))
        text = "".join(pieces)
        whole = rng.random()
        if whole < 0.04:
            text = text.upper()
        elif whole < 0.06:
            text = text.lower()
        if rng.random() < 0.2:
            text += rng.choice(DECORATIONS) * rng.randint(1, 3)
        if rng.random() < 0.1:
            text = rng.choice(self.emojis) + text
        return text

    def long_text(self, tokens: int) -> str:
        return " ".join(self._token() for _ in range(tokens))


def corpus(lang: str, generated: int = GENERATED_PER_LANGUAGE) -> list[str]:
    """Examples, seeded texts and edge cases for the analyzer of `lang` (deterministic)."""
    analyzer = EnglishVader() if lang == "en" else FrenchVader()
    maker = _TextMaker(lang, sorted(analyzer.emojis), SEED)
    texts = _example_texts()
    texts += [maker.text() for _ in range(generated)]
    texts += [maker.long_text(n) for n in (60, 120, 250, 400)]
    texts += EDGE_CASES
    texts += [text.upper() for text in EDGE_CASES] + [f"{a} {b}" for a, b in itertools.pairwise(EDGE_CASES)]
    return texts


def _bits(scores: Scores) -> tuple[str, ...]:
    return tuple(float(scores[k]).hex() for k in ("neg", "neu", "pos", "compound"))


@pytest.fixture(scope="module")
def stock() -> dict[str, Callable[[str], Scores]]:
    english, french = _stock()
    return {"en": english, "fr": french}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_bit_identical_to_stock_on_a_large_corpus(lang: str, stock: dict[str, Callable[[str], Scores]]) -> None:
    texts = corpus(lang)
    assert len(texts) >= MIN_CORPUS
    fast = EnglishVader() if lang == "en" else FrenchVader()
    mismatches = []
    for text in texts:
        expected = stock[lang](text)
        got = fast.polarity_scores(text)
        compound = fast.compound(text)
        if _bits(got) != _bits(expected) or compound.hex() != float(expected["compound"]).hex():
            mismatches.append((text, expected, got, compound))
    assert mismatches == [], f"{len(mismatches)} of {len(texts)} differ, first: {mismatches[:3]}"


def test_corpus_exercises_the_rules(stock: dict[str, Callable[[str], Scores]]) -> None:
    # The comparison means something only if the corpus reaches the rules, not just zeros.
    texts = corpus("en", generated=2000)
    compounds = [stock["en"](t)["compound"] for t in texts]
    assert sum(c > 0.05 for c in compounds) > 1000
    assert sum(c < -0.05 for c in compounds) > 500
    assert sum(" but " in t.lower() for t in texts) > 100
    assert sum(any(e in t for e in ("😀", "😡", "✈")) for t in texts) > 10


def test_lexicons_and_emoji_tables_parse_as_the_stock_analyzers() -> None:
    english, french = stock_en.SentimentIntensityAnalyzer(), stock_fr.SentimentIntensityAnalyzer()
    assert EnglishVader().lexicon == english.lexicon
    assert EnglishVader().emojis == english.emojis
    assert FrenchVader().lexicon == french.lexicon
    assert FrenchVader().emojis == french.emojis


def test_token_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vader_fast, "_TOKEN_CACHE_MAX", 10)
    analyzer = EnglishVader()
    english = stock_en.SentimentIntensityAnalyzer()
    text = " ".join(f"good{i} bad" for i in range(30)) + " great"
    assert analyzer.compound(text) == english.polarity_scores(text)["compound"]
    assert len(analyzer._tokens) <= 10


def test_emoji_fallback_loop_matches(stock: dict[str, Callable[[str], Scores]]) -> None:
    analyzer = FrenchVader()
    analyzer._emoji_marks = None  # the character loop, used when the translate shortcut is unsafe
    for text in ["a😡b", "😡😡 super", " 😀 ", "😀", "génial 😍 !"]:
        assert _bits(analyzer.polarity_scores(text)) == _bits(stock["fr"](text))


def test_scorer_uses_the_fast_analyzer(scorer: SentimentScorer, stock: dict[str, Callable[[str], Scores]]) -> None:
    text = "Not bad at all, but the food was NOT good!!! 😡"
    assert scorer.score(text, "en").compound == stock["en"](text)["compound"]
    assert scorer.score(text, "fr").compound == stock["fr"](text)["compound"]
    assert vader_fast.analyzer("en") is vader_fast.analyzer("en")
    assert isinstance(vader_fast.analyzer("fr"), FrenchVader)


def test_an_ascii_emoji_is_still_replaced_in_an_ascii_text() -> None:
    # The emoji pass skips ASCII texts only because the shipped emoji tables hold no ASCII key.
    english = EnglishVader()
    odd = EnglishVader.__new__(EnglishVader)
    vader_fast._FastVader.__init__(odd, english.lexicon, {**english.emojis, "@": "good"})
    assert odd.sentiments("so @ day")[1] == "so good day"
    assert english.sentiments("so @ day")[1] == "so @ day"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_plain_valence_shortcut_equals_the_full_rules(lang: str) -> None:
    # Where no rule can be stirred around a hit, `_plain_valence` stands in for `_valence`.
    fast = EnglishVader() if lang == "en" else FrenchVader()
    taken = 0
    for text in corpus(lang, generated=3000):
        entries = [fast._tokens[raw] for raw in fast._split(fast._demoji(text))]
        words, lowers = [e[0] for e in entries], [e[1] for e in entries]
        is_cap_diff = 0 < len(words) - sum(w.isupper() for w in words) < len(words)
        for i, (_, _, key, scored, _) in enumerate(entries):
            if scored and not any(e[4] for e in entries[max(0, i - 3) : i + 1]):
                taken += 1
                full = fast._valence(key, i, words, lowers, is_cap_diff)
                assert fast._plain_valence(key, i, words, lowers, is_cap_diff).hex() == float(full).hex()
    assert taken > 1000
