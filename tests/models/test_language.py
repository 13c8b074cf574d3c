from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest
from py3langid.langid import _load_identifier

from bench.throughput.data import TextMaker
from firestorm.models.langid_fast import (
    CHUNK_CAP,
    MAX_FAST_BYTES,
    TEXT_CAP,
    FastLanguageIdentifier,
    unsupported_reason,
)
from firestorm.models.language import CANDIDATES, MIN_CHARS, UNDETERMINED, _identifier, detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Stuck at the gate for five hours, this airline is a disgrace", "en"),
        ("C'est un scandale, je suis furieux contre cette marque", "fr"),
        ("Le lait est contaminé, rappel immédiat de tous les lots", "fr"),
        ("Das ist wirklich eine Katastrophe, ich bin sehr enttäuscht", "de"),
        ("El servicio fue terrible y nadie nos ayudó en el aeropuerto", "es"),
    ],
)
def test_detects_common_languages(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "  ", "ok", " a "])
def test_too_little_text_is_undetermined(text: str) -> None:
    assert detect_language(text) == UNDETERMINED


def test_answers_are_restricted_to_candidates() -> None:
    for text in ("xyzzy plugh", "🙂🙂🙂🙂", "1234 5678", "#skywayfail #skywayfail"):
        assert detect_language(text) in CANDIDATES


def test_deterministic() -> None:
    text = "Vol annulé sans explication, merci pour rien"
    assert {detect_language(text) for _ in range(3)} == {"fr"}


# --- the fast path (models/langid_fast.py) gives py3langid's label for every input --------------

TEXT_POOLS = [
    string.ascii_letters,
    string.ascii_lowercase + "      ",
    string.digits + string.punctuation,
    "éèêàâçôûùïëÉÈÀÇÔæœßüöäÜÖÄñÑ",
    "e\u0301a\u0300c\u0327o\u0302\u0308",  # decomposed accents: NFC changes the bytes
    "🙂🔥🌍👍🏽😡✈️🇫🇷❤️\u200d",
    "日本語の文章です。中文句子。한국어",
    "العربية نص قصير",
    "Русский текст здесь",
    " \t\n\r\u00a0\u2003",
    "\ud800\udbff\udc00\udfff",  # lone surrogates (encoded with surrogatepass)
    "\x00\x01\x7f\u0085\ufeff\uffff",
]


def random_text(rng: random.Random) -> str:
    length = rng.choice([1, 2, 3, 4, 5, 8, 13, 30, 72, 140, 280, 600, 1500, 5000])
    length = rng.randint(1, length)
    pools = rng.sample(TEXT_POOLS, rng.randint(1, 4))
    text = "".join(rng.choice(rng.choice(pools)) for _ in range(length))
    shape = rng.random()
    if shape < 0.1:
        text = text.upper()
    elif shape < 0.15:
        text = " " * length
    return text


def reference(text: str) -> str:
    """What detect_language answered before the fast path: py3langid's classify."""
    if len(text.strip()) < MIN_CHARS:
        return UNDETERMINED
    return str(_identifier().classify(text)[0])


def assert_same_labels(texts: list[str], fast: FastLanguageIdentifier) -> None:
    classify = _identifier().classify
    mismatches = [(t, fast.label(t), classify(t)[0]) for t in texts if fast.label(t) != classify(t)[0]]
    assert not mismatches, mismatches[:5]


@pytest.fixture(scope="module")
def textmaker_texts() -> list[str]:
    maker = TextMaker(19)
    return maker.texts("en", 2000) + maker.texts("fr", 2000)


def test_fast_path_is_enabled_for_the_installed_py3langid() -> None:
    assert unsupported_reason(_identifier()) is None
    assert FastLanguageIdentifier(_identifier()).reason is None


def test_every_bundled_sample_text_gets_py3langid_label() -> None:
    texts = []
    for path in sorted(Path(__file__).resolve().parents[2].glob("examples/*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            texts += [json.loads(line)["text"] for line in lines if line.strip()]
    assert len(texts) > 20_000
    assert [detect_language(t) for t in texts] == [reference(t) for t in texts]
    assert_same_labels(texts, FastLanguageIdentifier(_identifier()))


def test_textmaker_texts_get_py3langid_label(textmaker_texts: list[str]) -> None:
    assert_same_labels(textmaker_texts, FastLanguageIdentifier(_identifier()))
    assert [detect_language(t) for t in textmaker_texts] == [reference(t) for t in textmaker_texts]


def test_random_strings_get_py3langid_label() -> None:
    rng = random.Random(20261203)
    texts = [random_text(rng) for _ in range(1500)]
    texts += ["", " ", "\ud800", "\ud800" * 5, "ÉCHEC TOTAL DE LA COMPAGNIE", "e\u0301te\u0301 " * 30]
    fast = FastLanguageIdentifier(_identifier())
    assert_same_labels(texts, fast)
    assert_same_labels(texts, fast)  # again, from the warm caches and the text memo
    assert [detect_language(t) for t in texts] == [reference(t) for t in texts]


def test_mixed_language_texts_get_py3langid_label_and_near_ties_go_to_py3langid(
    textmaker_texts: list[str],
) -> None:
    """Halves of English and French texts glued together make close calls: the certified margin
    must send some of them to py3langid, and every label must still be py3langid's."""
    rng = random.Random(5)
    english, french = textmaker_texts[:2000], textmaker_texts[2000:]
    texts = []
    for _ in range(3000):
        en, fr = rng.choice(english).split(), rng.choice(french).split()
        words = en[: rng.randint(0, len(en))] + fr[rng.randint(0, len(fr)) :]
        texts.append(" ".join(words[: rng.randint(1, 6)]))
    fast = FastLanguageIdentifier(_identifier())
    assert_same_labels(texts, fast)
    assert fast.fallbacks > 0


def test_text_without_features_and_very_long_text_get_py3langid_label() -> None:
    fast = FastLanguageIdentifier(_identifier())
    long_text = "Le vol est annulé, remboursez-nous maintenant. " * (MAX_FAST_BYTES // 40)
    assert len(long_text.encode()) > MAX_FAST_BYTES
    assert_same_labels([long_text, "\x00\x00\x00"], fast)


def test_unsupported_identifier_uses_py3langid_for_every_text() -> None:
    normalized = _load_identifier(langs=CANDIDATES, norm_probs=True)
    fast = FastLanguageIdentifier(normalized)
    assert fast.reason is not None
    texts = ["Vol annulé sans explication", "Stuck at the gate again", "xyzzy"]
    assert [fast.label(t) for t in texts] == [normalized.classify(t)[0] for t in texts]


def test_caches_stay_bounded_and_answers_stay_exact(textmaker_texts: list[str]) -> None:
    fast = FastLanguageIdentifier(_identifier(), chunk_cap=200, text_cap=50)
    rng = random.Random(3)
    classify = _identifier().classify
    for n in range(3000):
        text = f"{rng.choice(textmaker_texts)} {rng.randrange(10**9)} {n}"
        assert fast.label(text) == classify(text)[0]
        for memo, cap in ((fast.chunks, 200), (fast.tails, 50), (fast.texts, 50)):
            assert len(memo.current) <= cap and len(memo.old) <= cap
    assert len(fast.chunks.old) == 200  # the caches did fill and rotate


def test_default_caps_bound_the_caches_on_many_distinct_texts(textmaker_texts: list[str]) -> None:
    fast = FastLanguageIdentifier(_identifier())
    rng = random.Random(4)
    words = [w for t in textmaker_texts for w in t.split()]
    for n in range(TEXT_CAP * 2 + 100):
        fast.label(" ".join(rng.choice(words) for _ in range(8)) + f" {n}")
    assert len(fast.chunks) <= 2 * CHUNK_CAP and len(fast.tails) <= CHUNK_CAP // 2
    assert len(fast.texts) <= 2 * TEXT_CAP
    assert len(fast.texts.old) == TEXT_CAP
