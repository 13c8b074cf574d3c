"""The crisis/complaint overlay on VADER: service failures and crisis words, English and French.

Stock VADER has no word for complaints that state a fact ("flight delayed again", "order never
arrived", "app down since this morning", "rappel de lot"). The overlay is a reviewed data file,
models/data/crisis_lexicon.tsv (term, language, valence, reason), merged into the stock lexicon
of its language: its entries are scored by VADER's own rules (intensifiers, negations, "but",
capitals) like any lexicon word, and replace the stock valence where the stock lexicon has one.

A multi-word term ("never arrived", "not working", "jamais reçu") is matched on consecutive
words (any whitespace between them, any case; apostrophes optional; in French any accents) and
the matched words are joined into one token ("never_arrived"), so VADER scores it as one word:
its "never" or "pas" no longer negates it, and a negation before it still does. The joining is
a plain text rewrite done before the stock analyzer's own processing, so the reference for the
overlay is stock vaderSentiment, with the overlay merged into its lexicon, scoring the
rewritten text (tests/models/test_crisis.py compares it with the fast analyzers bit for bit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import unidecode

from firestorm.models.vader_fast import EnglishVader, FrenchVader, _FastVader

LANGUAGES = ("en", "fr")
DATA_FILE = "crisis_lexicon.tsv"
_APOSTROPHES = "'\u2019"
_SPACES = re.compile(r"\s+")
# Latin letters with diacritics, grouped under their base letter for accent-free French matching.
_ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæ"


class LexiconError(ValueError):
    """A line of the overlay file that cannot be used, with its line number."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One reviewed line of the overlay file."""

    term: str
    lang: str
    valence: float
    reason: str
    line: int

    @property
    def multiword(self) -> bool:
        return " " in self.term


def parse_entries(text: str) -> list[Entry]:
    """The overlay file's entries, checked: 4 tab-separated fields, a known language, a valence in
    VADER's range, a reason, a lower-case term with single spaces, no duplicate term per language."""
    entries: list[Entry] = []
    seen: set[tuple[str, str]] = set()
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if fields == ["term", "language", "valence", "reason"]:
            continue
        if len(fields) != 4:
            raise LexiconError(f"line {number}: want 4 tab-separated fields, got {len(fields)}")
        term, lang, raw_valence, reason = (f.strip() for f in fields)
        if lang not in LANGUAGES:
            raise LexiconError(f"line {number}: language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
        try:
            valence = float(raw_valence)
        except ValueError:
            raise LexiconError(f"line {number}: valence {raw_valence!r} is not a number") from None
        if not -4.0 <= valence <= 4.0:
            raise LexiconError(f"line {number}: valence {valence} outside VADER's -4..4")
        if not reason:
            raise LexiconError(f"line {number}: {term!r} has no reason")
        if not term or term != term.lower() or term != " ".join(term.split()):
            raise LexiconError(f"line {number}: term {term!r} must be lower case with single spaces")
        if (term, lang) in seen:
            raise LexiconError(f"line {number}: {term!r} ({lang}) listed twice")
        seen.add((term, lang))
        entries.append(Entry(term, lang, valence, reason, number))
    return entries


def token_key(term: str, lang: str) -> str:
    """The lexicon key the analyzer of `lang` looks up for `term` (a phrase: its joined token)."""
    key = "_".join(term.split(" "))
    if " " in term:
        for apostrophe in _APOSTROPHES:
            key = key.replace(apostrophe, "")
    return unidecode.unidecode(key) if lang == "fr" else key


def _letter_pattern(character: str, lang: str) -> str:
    if character in _APOSTROPHES:
        return f"[{_APOSTROPHES}]?"
    base = unidecode.unidecode(character)
    if lang == "fr" and character.isalpha() and len(base) == 1:
        variants = sorted({base, character, *(a for a in _ACCENTED if unidecode.unidecode(a) == base)})
        return "[" + "".join(variants) + "]" if len(variants) > 1 else re.escape(character)
    return re.escape(character)


def _trie(paths: list[list[str]]) -> str:
    """One regular expression for a set of piece sequences, as a trie: longer branches first, so
    the longest term starting at a position wins (as an alternation sorted longest first)."""
    root: dict[str, Any] = {}
    for path in paths:
        node = root
        for piece in path:
            node = node.setdefault(piece, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = []
        for piece in sorted((k for k in node if k), key=lambda k: (-_depth(node[k]), k)):
            branches.append(piece + build(node[piece]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


def _depth(node: dict[str, Any]) -> int:
    return 1 + max((_depth(child) for key, child in node.items() if key), default=0)


def phrase_pattern(terms: list[str], lang: str) -> re.Pattern[str] | None:
    """One regular expression matching any of the multi-word `terms` as whole words in lower-cased
    text, the longest first: words separated by any whitespace, apostrophes optional (French: any
    accents). Matching lower-cased text, not with IGNORECASE, is several times faster."""
    if not terms:
        return None
    paths = []
    for term in terms:
        path: list[str] = []
        for number, word in enumerate(term.split(" ")):
            if number:
                path.append(r"\s+")
            path.extend(_letter_pattern(c, lang) for c in word)
        paths.append(path)
    return re.compile(r"(?<!\w)" + _trie(paths) + r"(?!\w)")


def _joined(matched: str) -> str:
    token = _SPACES.sub("_", matched)
    for apostrophe in _APOSTROPHES:
        token = token.replace(apostrophe, "")
    return token


@dataclass(frozen=True, slots=True)
class Overlay:
    """The overlay of one language: lexicon keys and valences, and the phrase rewrite."""

    lang: str
    valences: dict[str, float]
    pattern: re.Pattern[str] | None

    @classmethod
    def from_entries(cls, entries: list[Entry], lang: str) -> Overlay:
        mine = [e for e in entries if e.lang == lang]
        valences = {token_key(e.term, lang): e.valence for e in mine}
        return cls(lang, valences, phrase_pattern([e.term for e in mine if e.multiword], lang))

    def join_phrases(self, text: str) -> str:
        """`text` with each multi-word term joined into one token ("Never arrived" -> "Never_arrived").

        Terms are found in the text lower-cased character by character (a character whose lower
        case is longer than one character, such as "İ", is kept as it is), and joined in the
        original text, whose case VADER's capitals rule reads."""
        if self.pattern is None:
            return text
        lowered = text.lower()
        if len(lowered) != len(text):
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        pieces: list[str] = []
        last = 0
        for match in self.pattern.finditer(lowered):
            start, end = match.span()
            pieces.append(text[last:start])
            pieces.append(_joined(text[start:end]))
            last = end
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)


@cache
def entries() -> list[Entry]:
    """The shipped overlay file, parsed (read once)."""
    return parse_entries(files("firestorm.models").joinpath("data", DATA_FILE).read_text(encoding="utf-8"))


@cache
def overlay(lang: str) -> Overlay:
    return Overlay.from_entries(entries(), lang)


class _CrisisMixin(_FastVader):
    """A fast analyzer with the overlay merged into its lexicon and phrases joined first."""

    overlay: Overlay

    def _merge(self, lay: Overlay) -> None:
        self.overlay = lay
        self.lexicon.update(lay.valences)  # before any token is memoized: the memo reads the lexicon

    def sentiments(self, text: str) -> tuple[list[float], str]:
        return super().sentiments(self.overlay.join_phrases(text))


class CrisisEnglishVader(_CrisisMixin, EnglishVader):
    """EnglishVader with the English overlay."""

    def __init__(self, lay: Overlay | None = None) -> None:
        EnglishVader.__init__(self)
        self._merge(lay or overlay("en"))


class CrisisFrenchVader(_CrisisMixin, FrenchVader):
    """FrenchVader with the French overlay."""

    def __init__(self, lay: Overlay | None = None) -> None:
        FrenchVader.__init__(self)
        self._merge(lay or overlay("fr"))


@cache
def crisis_analyzer(lang: str) -> _FastVader:
    """The shared overlay analyzer of a language: `fr` is French, anything else English."""
    return CrisisFrenchVader() if lang == "fr" else CrisisEnglishVader()


__all__ = [
    "CrisisEnglishVader",
    "CrisisFrenchVader",
    "Entry",
    "LexiconError",
    "Overlay",
    "crisis_analyzer",
    "entries",
    "overlay",
    "parse_entries",
    "phrase_pattern",
    "token_key",
]
