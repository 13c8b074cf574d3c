"""Sarcasm as contrast: praise or thanks in a text that names a failure reads as negative.

"Great, another outage, thanks a lot", "Bravo pour la nouvelle appli, elle plante": a positive
cue next to a failure situation is the commonest shape of sarcasm in complaints (Riloff et al.
2013, "Sarcasm as contrast between a positive sentiment and negative situation"). VADER adds the
praise up, and the trained model, which has the same cue as a feature (`<crisis_pos>`), sees too
few such texts to learn it; so it is a rule applied after the model (models/sentiment.py).

Praise anywhere in a text that names a failure is mostly sincere ("the crew did an amazing job
with a delayed flight"), so the praise must have the shape of a sarcastic interjection: it opens
a sentence as a clause of its own ("Great, ...", "Oh wonderful...", "Bravo pour ...", after
@handles and an "oh" or "well"; not "Great service"), or it closes the text after punctuation
("... Love it.", "..., merci beaucoup 🙄", hashtags and emoji after it allowed).

The word lists are a reviewed data file, models/data/sarcasm_cues.tsv (kind, language, term):
`praise` cues, `failure` situations (added to the crisis overlay's terms of valence -1.2 or
lower, so the rule covers the crisis vocabulary), and `fixed` cues ("fixed", "rétabli") that
say the failure is over, in which case the rule does not fire ("Great, the outage is fixed").
A failure term right after a negation ("no delays", "pas de panne") is not a failure. Terms
match as whole words in lower case, apostrophes optional, French accents optional (the overlay's
own phrase matcher, models/crisis.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from firestorm.models.crisis import LANGUAGES, entries, phrase_pattern

DATA_FILE = "sarcasm_cues.tsv"
KINDS = ("praise", "failure", "fixed")
OVERLAY_FAILURE = -1.2  # overlay terms this negative or more are failure situations ("refund" is not)
# The words whose presence just before a failure term denies it ("no delays", "pas de panne").
NEGATIONS = {
    "en": frozenset({"no", "not", "never", "without", "zero", "nor", "isn't", "wasn't", "aren't", "weren't"}),
    "fr": frozenset({"pas", "sans", "aucun", "aucune", "jamais", "ni", "zéro", "zero", "plus"}),
}
# Words that may come before an interjection of praise ("Oh wonderful", "Ah super").
OPENERS = {
    "en": ("oh", "ah", "wow", "well", "just", "so", "yeah", "really"),
    "fr": ("oh", "ah", "ouah", "eh bien", "ben", "bah", "alors", "vraiment"),
}
_BEFORE = re.compile(r"[\w'’]+")  # noqa: RUF001 (both apostrophes)
_NEGATION_REACH = 3  # a negation denies a failure term up to this many words after it ("no more delays")


class CueError(ValueError):
    """A line of the cue file that cannot be used, with its line number."""


def parse_cues(text: str) -> dict[tuple[str, str], list[str]]:
    """(kind, lang) -> terms of the cue file, checked: 3 tab-separated fields, a known kind and
    language, a lower-case term with single spaces, no term listed twice for a kind and language."""
    out: dict[tuple[str, str], list[str]] = {(k, lang): [] for k in KINDS for lang in LANGUAGES}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise CueError(f"line {number}: expected kind, language and term separated by tabs, got {line!r}")
        kind, lang, term = fields
        if kind not in KINDS:
            raise CueError(f"line {number}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if lang not in LANGUAGES:
            raise CueError(f"line {number}: language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
        if term != " ".join(term.lower().split()) or not term:
            raise CueError(f"line {number}: the term must be lower case with single spaces, got {term!r}")
        if term in out[kind, lang]:
            raise CueError(f"line {number}: {kind} term {term!r} ({lang}) is listed twice")
        out[kind, lang].append(term)
    return out


@dataclass(frozen=True, slots=True)
class SarcasmRule:
    """The rule of one language: its praise, failure and fixed patterns and its negations."""

    praise: re.Pattern[str]  # praise opening a sentence or closing the text
    praise_terms: re.Pattern[str]  # a praise term anywhere (to show the one `praise` found)
    failure: re.Pattern[str]
    fixed: re.Pattern[str] | None
    negations: frozenset[str]

    def fires(self, text: str) -> bool:
        """Whether `text` praises or thanks and names a failure that is neither denied nor over."""
        return self.contrast(text) is not None

    def contrast(self, text: str) -> tuple[str, str] | None:
        """The praise and the failure of `text` as written (their first matches), when the rule
        fires on it; else None."""
        lowered = text.lower()
        praise = self.praise.search(lowered)
        if praise is None:
            return None
        if self.fixed is not None and self.fixed.search(lowered) is not None:
            return None
        for match in self.failure.finditer(lowered):
            before = _BEFORE.findall(lowered, max(0, match.start() - 40), match.start())[-_NEGATION_REACH:]
            if not self.negations.intersection(before):
                term = self.praise_terms.search(lowered, *praise.span())
                start, end = term.span() if term is not None else praise.span()
                return text[start:end], text[match.start() : match.end()]
        return None


@cache
def cues() -> dict[tuple[str, str], list[str]]:
    """The shipped cue file, parsed (read once)."""
    return parse_cues(files("firestorm.models").joinpath("data", DATA_FILE).read_text(encoding="utf-8"))


def failure_terms(lang: str) -> list[str]:
    """The failure situations of `lang`: the cue file's and the crisis overlay's strong terms."""
    overlay = [e.term for e in entries() if e.lang == lang and e.valence <= OVERLAY_FAILURE]
    return sorted({*cues()["failure", lang], *overlay})


def interjection(praise: re.Pattern[str], lang: str) -> re.Pattern[str]:
    """`praise` where it reads as an interjection, a clause of its own: opening a sentence (after
    @handles and an opening word such as "oh") and followed by punctuation or "for"/"pour"
    ("Great, ...", "Bravo pour ..."; not "Great service"), or closing the text after punctuation
    ("..., thanks a lot", "... Love it. 🙄"; hashtags and emoji may follow)."""
    opener = "|".join(OPENERS[lang])
    start = r"(?:^|[.!?…;]\s*)(?:@\w+\W*)*(?:(?:" + opener + r")\W+)?"
    after = r"(?=\s*(?:[,.!?…:;)-]|$)|\s+(?:for|pour)(?!\w))"
    closing = r"[,.!?…;:-]\s*" + praise.pattern + r"(?:[^\w#]|#\w+)*$"
    return re.compile(f"{start}{praise.pattern}{after}|{closing}")


@cache
def rule(lang: str) -> SarcasmRule:
    """The shared rule of a language: `fr` is French, anything else English."""
    lang = "fr" if lang == "fr" else "en"
    praise = phrase_pattern(cues()["praise", lang], lang)
    failure = phrase_pattern(failure_terms(lang), lang)
    if praise is None or failure is None:
        raise CueError(f"the cue file has no praise or no failure term for {lang}")
    fixed = phrase_pattern(cues()["fixed", lang], lang)
    return SarcasmRule(interjection(praise, lang), praise, failure, fixed, NEGATIONS[lang])


def sarcastic(text: str, lang: str) -> bool:
    """Whether the sarcasm rule of `lang` fires on `text`."""
    return rule(lang).fires(text)


__all__ = ["CueError", "SarcasmRule", "cues", "failure_terms", "parse_cues", "rule", "sarcastic"]
