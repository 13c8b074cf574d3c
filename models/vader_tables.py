"""VADER's tables as the stock analyzers read them: the lexicons and emoji files that ship in
`vaderSentiment` and `vaderSentiment_fr`, and the rule constants imported from the stock modules so
both always agree (models/vader_fast.py scores with them)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # vaderSentiment-fr imports fuzzywuzzy, which warns when the C speed-up is missing.
    warnings.simplefilter("ignore", UserWarning)
    from vaderSentiment import vaderSentiment as stock_en
    from vaderSentiment_fr import vaderSentiment as stock_fr

# Same constants as the stock modules (identical in both).
N_SCALAR: float = stock_en.N_SCALAR
C_INCR: float = stock_en.C_INCR


def package_dir(package: str) -> Path:
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"package {package!r} not found")
    return Path(next(iter(spec.submodule_search_locations)))


def read_utf8(package: str, name: str) -> str:
    return (package_dir(package) / name).read_text(encoding="utf-8")


def parse_lexicon(content: str, separator: str, fold: Callable[[str], str] | None = None) -> dict[str, float]:
    """A lexicon file as the stock `make_lex_dict` reads it (`fold`: the French port's unidecode)."""
    lexicon: dict[str, float] = {}
    for line in content.rstrip("\n").split("\n"):
        if not line:
            continue
        (word, measure) = line.strip().split(separator)[0:2]
        lexicon[fold(word) if fold is not None else word] = float(measure)
    return lexicon


def parse_emojis(content: str) -> dict[str, str]:
    """An emoji file as the stock `make_emoji_dict` reads it."""
    emojis: dict[str, str] = {}
    for line in content.rstrip("\n").split("\n"):
        (emoji, description) = line.strip().split("\t")[0:2]
        emojis[emoji] = description
    return emojis


def first_words(*tables: Mapping[str, Any]) -> frozenset[str]:
    """First word of every multi-word key: an n-gram of tokens can only equal a key starting so."""
    return frozenset(key.split(" ")[0] for table in tables for key in table if " " in key)


__all__ = ["C_INCR", "N_SCALAR", "first_words", "parse_emojis", "parse_lexicon", "read_utf8", "stock_en", "stock_fr"]
