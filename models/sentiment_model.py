"""The trained sentiment classifier: negative / neutral / positive, English and French.

A lexicon cannot read sarcasm ("Great, another outage, thanks a lot"), factual complaints
("on hold for two hours") or French it has no word for; a linear model trained on labelled
tweets can, at lexicon speed. Each text becomes a bag of hashed features: its words and word
pairs (lower case, links, @handles and digits folded), the character 2- to 5-grams of each
word, and each accented word once more without its accents (French tweets often drop them). A
feature's weight is looked up in one table per language; the three class scores are the sum of
the text's features' weights (each scaled by 1/sqrt(n), n the number of features, so long and
short texts weigh alike) plus a bias per class. The lexicons add what a few thousand tweets
cannot teach: each word VADER (with the crisis overlay) scores adds a pseudo-word `<vneg>` or
`<vpos>` (flipped after a negation), each overlay term a `<crisis>`, and a text that has both a
crisis term and a positive word ("Great, another outage") a `<crisis_pos>`, so rare complaint
words and sarcasm share weights learnt on common ones. No vocabulary is shipped: words, pairs
and n-grams hash to rows with crc32, the same in every process.

The weights file (models/data/sentiment_model.npz, see models/data/NOTICE) is written by
bench/train_sentiment.py; inference needs numpy only.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from itertools import chain, pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

CLASSES = ("negative", "neutral", "positive")
MODEL_FILE = "sentiment_model.npz"
FORMAT = 3  # 2: the lexicon pseudo-words, n-grams within words; 3: and accent-folded words
_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"[@＠]\w+")  # noqa: RUF001 (the full-width at sign is meant)
_TOKEN = re.compile(r"<url>|@user|#?\w+(?:['’]\w+)*|[!?]+|[^\w\s]")  # noqa: RUF001 (both apostrophes)
_DIGITS = re.compile(r"[1-9]")  # ASCII digits become 0 (a regex: str.translate is slow on non-ASCII)
_MULT = 0x9E3779B97F4A7C15  # Fibonacci hashing: crc32 spread over 64 bits, the top `bits` kept
_MASK = (1 << 64) - 1
NGRAMS = (2, 3, 4, 5)
_WORD_SALT, _PAIR_SALT = b"\x01", b"\x02"
_STRIP = "\"'“”‘’«».,;:!?()[]{}…"  # noqa: RUF001 (quotes stripped from a word)
MEMO_WORDS = 100_000  # words (and word pairs) whose rows or weights are kept; forgotten all at once


def plain_tokens(text: str) -> list[str]:
    """The normalized tokens of `text`: lower case, links as `<url>`, @handles as `@user`,
    ASCII digits as 0; punctuation and emoji are tokens of their own."""
    lowered = text.lower()
    if "http" in lowered or "www." in lowered:  # a substring test is far cheaper than a regex pass
        lowered = _URL.sub("<url>", lowered)
    if "@" in lowered or "＠" in lowered:  # noqa: RUF001 (the full-width at sign is meant)
        lowered = _HANDLE.sub("@user", lowered)
    return _TOKEN.findall(_DIGITS.sub("0", lowered))


class _ChunkTokens(dict[str, list[str]]):
    """Whitespace-separated chunk -> its `plain_tokens`, made on a miss, forgotten all at once
    when full. No pattern of `plain_tokens` reaches over whitespace, so a text's tokens are its
    chunks' tokens in turn."""

    def __missing__(self, chunk: str) -> list[str]:
        if len(self) >= MEMO_WORDS:
            self.clear()
        found = self[chunk] = plain_tokens(chunk)
        return found


_CHUNK_TOKENS = _ChunkTokens()


def tokens(text: str) -> list[str]:
    """`plain_tokens(text)`, each whitespace-separated chunk's tokens kept: a known chunk costs a
    dict lookup instead of the regular-expression passes."""
    return list(chain.from_iterable(map(_CHUNK_TOKENS.__getitem__, text.split())))


_CRISIS, _NONE = 2, 0  # a raw token's cue kind; a scored word's is the sign of its valence (1, -1)
# lang -> (its overlay analyzer, the analyzer's phrase joining, raw token -> (kind, negates))
_CUE_STATE: dict[str, tuple[Any, Any, dict[str, tuple[int, bool]]]] = {}


def _cue_of(analyzer: Any, raw: str) -> tuple[int, bool]:
    """What one raw token of the overlay analyzer adds to the cues: its kind (crisis term, the
    sign of its VADER valence, or none) and whether it negates the three words after it."""
    entry = analyzer._tokens[raw]
    kind = _NONE
    if entry[3]:
        key = entry[2]
        valence = analyzer.lexicon[key]
        kind = _CRISIS if key in analyzer.overlay.valences else (valence > 0) - (valence < 0)
    return kind, bool(analyzer._negated(entry[1]))


def cues(text: str, lang: str) -> list[str]:
    """The lexicon pseudo-words of `text` in `lang` (see the module's docstring), found with the
    overlay analyzer's own tokens (its phrase joining); each raw token's part is kept, so a known
    token costs a dict lookup."""
    state = _CUE_STATE.get(lang)
    if state is None or len(state[2]) >= MEMO_WORDS:
        from firestorm.models.crisis import crisis_analyzer

        analyzer: Any = crisis_analyzer(lang)
        state = _CUE_STATE[lang] = (analyzer, analyzer.overlay.join_phrases, {})
    analyzer, join_phrases, memo = state
    out: list[str] = []
    crisis = positive = False
    n1 = n2 = n3 = False  # whether each of the three words before negates ("pas content")
    for raw in analyzer._split(join_phrases(text)):
        part = memo.get(raw)
        if part is None:
            part = memo[raw] = _cue_of(analyzer, raw)
        kind, negates = part
        if kind:
            if kind == _CRISIS:
                out.append("<crisis>")
                crisis = True
            elif (n1 or n2 or n3) != (kind > 0):
                out.append("<vpos>")
                positive = True
            else:
                out.append("<vneg>")
        n1, n2, n3 = n2, n3, negates
    if crisis and positive:
        out.append("<crisis_pos>")
    return out


def _row(key: bytes, bits: int) -> int:
    return ((zlib.crc32(key) * _MULT) & _MASK) >> (64 - bits)


def word_rows(word: str, bits: int) -> list[int]:
    """The rows of one word: the word itself, the character n-grams (n in NGRAMS, over UTF-8
    bytes) of the word with a space at each end, as fastText reads a word, and the word without
    its accents when it has any. Hashed with crc32 (the same in every process, unlike Python's
    str hash)."""
    data = f" {word} ".encode()
    rows = [_row(_WORD_SALT + data, bits)]
    for n in NGRAMS:
        rows += [_row(data[i : i + n], bits) for i in range(len(data) - n + 1)]
    if not word.isascii():
        folded = fold_accents(word)
        if folded != word:
            rows.append(_row(_WORD_SALT + f" {folded} ".encode(), bits))
    return rows


def fold_accents(word: str) -> str:
    """`word` without its combining marks ("réponse" -> "reponse"): French tweets often drop
    accents, so a word shares a row with its accent-less spelling."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def pair_row(first: str, second: str, bits: int) -> int:
    """The row of two consecutive words."""
    return _row(_PAIR_SALT + f"{first} {second}".encode(), bits)


def words_of(text: str, lang: str | None) -> list[str]:
    """The words the model reads: the tokens and, given `lang`, the lexicon pseudo-words."""
    words = tokens(text)
    return words + cues(text, lang) if lang is not None else words


def feature_rows(text: str, bits: int, lang: str | None = None) -> npt.NDArray[np.int64]:
    """Every feature row of `text`, once per occurrence: each word's rows (`word_rows`) and the
    row of each pair of consecutive words."""
    words = words_of(text, lang)
    rows = [row for word in words for row in word_rows(word, bits)]
    rows += [pair_row(a, b, bits) for a, b in pairwise(words)]
    return np.asarray(rows, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class LinearModel:
    """One language's weights: `weights` (2**bits rows x 3 classes, and a 4th column for the
    complaint head where there is one: its logit) and `bias` (one per column). `lang` is the
    language whose lexicons give the pseudo-words (None: words and n-grams only)."""

    bits: int
    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float64]
    lang: str | None = None
    memo: dict[str | tuple[str, str], tuple[float, ...]] = field(default_factory=dict, compare=False, repr=False)
    _bias: tuple[float, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_bias", tuple(self.bias.tolist()))  # plain floats: added per text

    def _parts(self, keys: list[str | tuple[str, str]]) -> list[tuple[float, ...]]:
        """For each word (a str) or pair of consecutive words (a tuple) of `keys`, the summed
        weights of its rows and, last, how many rows: kept in the memo. One numpy gather and one
        `add.reduceat` for all of them (a text's new words and pairs), not one call per key."""
        bits = self.bits
        rows = [word_rows(key, bits) if isinstance(key, str) else [pair_row(key[0], key[1], bits)] for key in keys]
        counts = list(map(len, rows))
        starts = np.cumsum([0, *counts[:-1]])
        sums = np.add.reduceat(self.weights[list(chain.from_iterable(rows))].astype(np.float64), starts, axis=0)
        memo = self.memo
        if len(memo) + len(keys) > MEMO_WORDS:
            memo.clear()
        parts = [(*values, float(n)) for values, n in zip(sums.tolist(), counts, strict=True)]
        memo.update(zip(keys, parts, strict=True))
        return parts

    def scores(self, text: str) -> list[float]:
        """The class scores (and the complaint logit), in plain Python: the same sum as over
        `feature_rows`, but each word's (and pair's) summed weights are kept, so a known word or
        pair costs a dict lookup (a pair is keyed by its tuple: no string is built)."""
        words = words_of(text, self.lang)
        if not words:
            return list(self._bias)
        get = self.memo.get
        parts = [*map(get, words), *map(get, pairwise(words))]
        try:
            *totals, count = map(sum, zip(*parts, strict=True))
        except TypeError:  # words or pairs not in the memo (None): made together and kept
            keys: list[str | tuple[str, str]] = [*words, *pairwise(words)]
            missing = [i for i, part in enumerate(parts) if part is None]
            for i, part in zip(missing, self._parts([keys[i] for i in missing]), strict=True):
                parts[i] = part
            *totals, count = map(sum, zip(*parts, strict=True))
        scale = 1.0 / math.sqrt(count)
        return list(map(float.__add__, map(scale.__mul__, totals), self._bias))

    def logits(self, text: str) -> npt.NDArray[np.float64]:
        return np.array(self.scores(text))

    def probabilities(self, text: str) -> tuple[int, list[float]]:
        """The class index and the class probabilities of `text` (softmax of the scores)."""
        z = self.scores(text)[:3]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return z.index(top), [v / total for v in e]

    def label(self, text: str) -> tuple[int, npt.NDArray[np.float64]]:
        """The class index and the class probabilities of `text`, as an array."""
        index, p = self.probabilities(text)
        return index, np.array(p)

    def complaint(self, text: str) -> bool | None:
        """Whether `text` reads as a complaint (None: this language has no complaint head)."""
        if self.weights.shape[1] < 4:
            return None
        return self.scores(text)[3] > 0


def compound_of(label: int, probabilities: Sequence[float] | npt.NDArray[np.float64]) -> float:
    """A score in [-1, 1] whose VADER cut-offs give back the model's label, so the windows and
    the detectors (which read `compound <= -0.05` as negative) count what the model says:
    P(positive) - P(negative), pushed out to +-0.05 for a negative or positive label and shrunk
    into (-0.05, 0.05) for a neutral one."""
    s = float(probabilities[2] - probabilities[0])
    if label == 0:
        return round(min(s, -0.05), 4)
    if label == 2:
        return round(max(s, 0.05), 4)
    return round(s * 0.049, 4)


def _margin(model: LinearModel, text: str, label: int) -> float:
    z = model.logits(text)[:3]
    return float(z[label] - np.delete(z, label).max())


def reasons(model: LinearModel, text: str, most: int = 8) -> list[tuple[str, float]]:
    """The words of `text` that pushed it to its label, strongest first: for each word (as
    written, surrounding punctuation stripped), how much the label's lead over the next class
    falls when the word is left out. Only words of the text, at most `most`."""
    label = int(model.logits(text)[:3].argmax())
    full = _margin(model, text, label)
    pieces = text.split()
    found: dict[str, float] = {}
    for i, piece in enumerate(pieces):
        word = piece.strip(_STRIP) or piece
        if not any(c.isalnum() for c in word) and not any(ord(c) > 0x2000 for c in word):
            continue
        weight = full - _margin(model, " ".join(pieces[:i] + pieces[i + 1 :]), label)
        if weight > 0.05:
            found[word] = max(weight, found.get(word, 0.0))
    ranked = sorted(found.items(), key=lambda item: -item[1])[:most]
    return [(word, round(weight, 3)) for word, weight in ranked]


def save(path: str | Path, by_lang: dict[str, LinearModel], meta: dict[str, Any]) -> None:
    """Write the languages' weights (float16: half the size, the labels unchanged) and metadata."""
    arrays: dict[str, Any] = {"format": np.array(FORMAT), "meta": np.array(repr(sorted(meta.items())))}
    for lang, model in by_lang.items():
        arrays[f"{lang}_bits"] = np.array(model.bits)
        arrays[f"{lang}_weights"] = model.weights.astype(np.float16)
        arrays[f"{lang}_bias"] = model.bias
    np.savez_compressed(path, **arrays)


def load(path: str | Path | None = None) -> dict[str, LinearModel]:
    """The languages' models from a weights file (the shipped one by default)."""
    if path is None:
        with files("firestorm.models").joinpath("data", MODEL_FILE).open("rb") as handle:
            return _read(handle)
    with open(path, "rb") as handle:
        return _read(handle)


def _read(handle: Any) -> dict[str, LinearModel]:
    with np.load(handle) as data:
        if int(data["format"]) != FORMAT:
            raise ValueError(f"weights file format {int(data['format'])}, this code reads {FORMAT}")
        langs = sorted(k[: -len("_bits")] for k in data.files if k.endswith("_bits"))
        return {
            lang: LinearModel(
                int(data[f"{lang}_bits"]),
                data[f"{lang}_weights"].astype(np.float32),
                data[f"{lang}_bias"].astype(np.float64),
                lang,
            )
            for lang in langs
        }


@cache
def shipped() -> dict[str, LinearModel]:
    """The shipped weights, read once per process."""
    return load()


__all__ = [
    "CLASSES",
    "LinearModel",
    "compound_of",
    "cues",
    "feature_rows",
    "fold_accents",
    "load",
    "pair_row",
    "plain_tokens",
    "reasons",
    "save",
    "shipped",
    "tokens",
    "word_rows",
    "words_of",
]
