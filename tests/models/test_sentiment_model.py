"""models/sentiment_model.py: the shipped weights, the hashed features, the compound and the reasons."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firestorm.models.sentiment import MODEL, SentimentScorer, label_of
from firestorm.models.sentiment_model import (
    CLASSES,
    MODEL_FILE,
    LinearModel,
    compound_of,
    cues,
    feature_rows,
    fold_accents,
    load,
    plain_tokens,
    reasons,
    save,
    shipped,
    tokens,
    word_rows,
)

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "models" / "data" / MODEL_FILE

# Fixed texts and the labels the shipped weights give them: a retrained model must still read
# these plain cases the same way (the texts are not in any training set).
FIXED = [
    ("en", "I love this new phone, the camera is amazing", "positive"),
    ("en", "Worst customer service ever, never flying with you again", "negative"),
    ("en", "The meeting is moved to Tuesday at 3pm", "neutral"),
    pytest.param(
        "en",
        "Great, another outage, thanks a lot",
        "negative",
        marks=pytest.mark.xfail(
            strict=True,
            reason="the weights alone read it positive; the model mode labels it negative by models/sarcasm.py",
        ),
    ),
    ("fr", "Merci pour votre aide, service impeccable !", "positive"),
    ("fr", "Pas content du tout, toujours aucune réponse", "negative"),
    ("fr", "Pas content du tout", "negative"),  # the overlay's "pas content" (the weights alone: positive)
]


def test_the_shipped_weights_are_small_and_load() -> None:
    assert WEIGHTS.stat().st_size < 5_000_000
    by_lang = shipped()
    assert sorted(by_lang) == ["en", "fr"]
    for model in by_lang.values():
        assert model.weights.shape[0] == 1 << model.bits and model.weights.dtype == np.float32
        assert np.isfinite(model.weights).all() and np.isfinite(model.bias).all()
    assert by_lang["en"].weights.shape[1] == 4  # negative, neutral, positive, the complaint head


@pytest.mark.parametrize(("lang", "text", "label"), FIXED)
def test_the_shipped_weights_give_the_fixed_labels(lang: str, text: str, label: str) -> None:
    index, probabilities = shipped()[lang].label(text)
    assert CLASSES[index] == label
    assert probabilities.sum() == pytest.approx(1.0) and probabilities.argmax() == index
    assert label_of(SentimentScorer(MODEL).score(text, lang).compound or 0.0) == label


def test_features_are_the_same_in_every_process() -> None:
    """crc-free, seed-free: Python's str hash changes per process, the model's rows must not."""
    code = (
        "from firestorm.models.sentiment_model import feature_rows;"
        "print(feature_rows('Vol annulé, merci 🙄 @sncf', 18).tolist())"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    assert outputs.pop().strip() == str(feature_rows("Vol annulé, merci 🙄 @sncf", 18).tolist())


def test_tokens_fold_links_handles_and_digits() -> None:
    assert tokens("Charged 11 times @Skyway!! http://t.co/x 🙄") == [
        "charged", "00", "times", "@user", "!!", "<url>", "🙄"
    ]  # fmt: skip


# \uff20: the full-width at sign; \u2019: the typographic apostrophe
PIECES = [
    "a", "Z", "é", "Σ", "ς", "İ", " ", "\u00a0", "\u2003", "\t", "\n", "\x1c", "@", "\uff20", ":", "/", ".", "1", "9",
    "'", "\u2019", "!", "?", "#", "_", "🙄", "-", "http://t.co/x", "www.a.b", "<url>", "ΟΔΟΣ", "can't", "Merci",
]  # fmt: skip


@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join) | st.text(max_size=40))
def test_tokens_by_whitespace_chunk_are_the_tokens_of_the_whole_text(text: str) -> None:
    assert tokens(text) == plain_tokens(text)
    assert tokens(text) == plain_tokens(text)  # the second time from the chunk memo


def test_features_count_words_pairs_and_ngrams() -> None:
    # " ab " is 4 bytes: 3 2-grams, 2 3-grams, 1 4-gram, no 5-gram, and the word: 7 per word;
    # two words and their pair
    assert len(feature_rows("ab cd", 18)) == 7 + 7 + 1
    assert set(feature_rows("AB, cd", 18)) >= set(word_rows("ab", 18)) | set(word_rows("cd", 18))
    assert feature_rows("x" * 10_000, 12).max() < 1 << 12
    assert len(feature_rows("", 18)) == 0


def test_lexicon_cues_mark_vader_words_crisis_terms_and_their_mix() -> None:
    assert cues("Great, another outage, thanks a lot", "en").count("<crisis>") == 1
    assert "<crisis_pos>" in cues("Great, another outage, thanks a lot", "en")
    assert cues("flight delayed", "en") == ["<crisis>"]
    assert cues("I love it", "en") == ["<vpos>"]
    assert cues("génial", "fr") == ["<vpos>"]
    assert cues("pas génial", "fr") == cues("not good", "en") == ["<vneg>"]  # a negated positive word
    assert cues("the meeting is on tuesday", "en") == []


def plain_cues(text: str, lang: str) -> list[str]:
    """The cues as first written: every raw token looked up in the analyzer, no memo of its own."""
    from firestorm.models.crisis import crisis_analyzer

    analyzer = crisis_analyzer(lang)
    out: list[str] = []
    crisis = positive = False
    recent = ["", "", ""]
    for raw in analyzer._split(analyzer.overlay.join_phrases(text)):
        _, lower, key, scored, _ = analyzer._token(raw)
        if scored:
            sign = analyzer.lexicon[key] * (-1 if any(map(analyzer._negated, recent)) else 1)
            if key in analyzer.overlay.valences:
                out.append("<crisis>")
                crisis = True
            elif sign > 0:
                out.append("<vpos>")
                positive = True
            elif sign < 0:
                out.append("<vneg>")
        recent = [recent[1], recent[2], lower]
    if crisis and positive:
        out.append("<crisis_pos>")
    return out


CUE_WORDS = {
    "en": ["not", "never", "isn't", "great", "good", "bad", "delayed", "never arrived", "refund", "outage",
           "love", "the", "app", "no", "thanks", "Great,", "NOT", "doesn't work", "so", "very"],
    "fr": ["pas", "jamais", "génial", "super", "nul", "panne", "rappel de lot", "remboursement", "merci",
           "content", "pas content", "la", "appli", "ne", "plus", "Super,", "déçu", "très", "aucune", "🙄"],
}  # fmt: skip


@given(st.sampled_from(["en", "fr"]), st.lists(st.integers(0, 19), max_size=12))
def test_cues_with_the_token_memo_are_the_plain_cues(lang: str, picks: list[int]) -> None:
    text = " ".join(CUE_WORDS[lang][i] for i in picks)
    assert cues(text, lang) == plain_cues(text, lang)
    assert cues(text, lang) == plain_cues(text, lang)  # the second time from the memo


def test_an_accented_word_shares_a_row_with_its_spelling_without_accents() -> None:
    assert fold_accents("Réponse déçue, ça") == "Reponse decue, ca"
    assert set(word_rows("réponse", 18)) & set(word_rows("reponse", 18))
    assert len(word_rows("é", 18)) == 1 + 3 + 2 + 1 + 1  # " é " is 4 bytes: word, n-grams, folded word
    assert len(word_rows("e", 18)) == 1 + 2 + 1  # nothing to fold: no extra row


def test_logits_with_the_memo_are_the_sum_over_the_feature_rows() -> None:
    model = shipped()["en"]
    for text in ("Great, another outage, thanks a lot", "on hold for two hours", "", "ok ok ok"):
        rows = feature_rows(text, model.bits, "en")
        expected = model.weights[rows].sum(axis=0, dtype=np.float64) / np.sqrt(max(1, len(rows))) + model.bias
        assert np.allclose(model.logits(text), expected)
        assert np.allclose(model.logits(text), expected)  # the second time from the memo


@given(st.lists(st.floats(0.001, 1.0), min_size=3, max_size=3), st.integers(0, 2))
def test_the_compound_gives_the_label_back(raw: list[float], label: int) -> None:
    p = np.asarray(raw) / sum(raw)
    compound = compound_of(label, p)
    assert -1.0 <= compound <= 1.0
    assert label_of(compound) == CLASSES[label]


def test_reasons_are_words_of_the_text() -> None:
    model = shipped()["en"]
    text = "Great, another outage, thanks a lot"
    found = reasons(model, text)
    assert found and all(word in text for word, _ in found)
    assert all(weight > 0 for _, weight in found)
    french = reasons(shipped()["fr"], "Super, encore une panne, merci beaucoup 🙄")
    assert all(word in "Super, encore une panne, merci beaucoup 🙄" for word, _ in french)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    model = LinearModel(10, rng.normal(size=(1 << 10, 3)).astype(np.float32), np.array([0.1, 0.0, -0.1]))
    save(tmp_path / "m.npz", {"en": model}, {"C": 1.0})
    back = load(tmp_path / "m.npz")["en"]
    assert back.bits == 10 and back.weights.shape == (1 << 10, 3)
    assert np.allclose(back.weights, model.weights, atol=1e-2)  # stored as float16
    assert back.label("some text")[0] == model.label("some text")[0]
    assert back.complaint("some text") is None
