"""VADER, faster and bit-identical: the English analyzer and the French port, re-implemented.

`vaderSentiment` (English) and `vaderSentiment_fr` (French) spend most of their time on work
that does not change the result: every lexicon hit lower-cases the whole text again (in
`_negation_check` and `_special_idioms_check`), the emoji pass rebuilds the text one character
at a time, and every token is looked up several times. This module keeps VADER's rules and its
arithmetic exactly (the same floating-point operations in the same order, the same values and
types in the per-token list, the same `sum`, `round` and clamping), and only removes that
repeated work:

- tokens are lower-cased once per text, and a token's stripped/lower-cased forms are cached;
- the emoji pass is skipped when the text holds no emoji (one set test), and otherwise is one
  `str.translate` plus two `replace` calls that insert the same spaces as the stock loop;
- only lexicon hits run the rules (boosters, negations, "never so", "without doubt", idioms,
  "least", caps), reading the pre-lowered neighbours; the idiom strings are only built when one
  of the neighbours can start an idiom (an exact pre-filter: tokens hold no spaces); a hit
  with no word around it that any rule looks for skips the rules altogether (`_plain_valence`);
- the French port's accent folding (`unidecode`) runs once per distinct non-ASCII token.

What the French port does differently, and is kept: tokens split on whitespace and `'`, its
lexicon keys are accent-folded (`unidecode`) and looked up with the folded token, but the
neighbour tests use the unfolded lower case; its own boosters and negations (`pas`, `jamais`,
...), a list of words never negated (`no_negate.txt`), no "never so"/"without doubt" rules,
no contrastive "mais" rule in `polarity_scores` (commented out in the port), and extra
emphasis from ellipses and words in capitals. Its fuzzy matching (`fuzzywuzzy`) is only used by
`polarity_scores_max`, not by `polarity_scores`, so it is not reproduced.

The lexicons and emoji tables are read from the files that ship in the two packages, parsed as
the stock analyzers parse them, and the rule constants (boosters, negations, special cases) are
imported from the stock modules so both always agree (models/vader_tables.py); the text-level
arithmetic (normalisation, emphasis, proportions) is models/vader_rules.py.
tests/models/test_vader_fast.py checks bit-identical scores against the stock analyzers on a large generated corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from itertools import compress
from operator import itemgetter
from typing import ClassVar

import unidecode
from mypy_extensions import mypyc_attr

from firestorm.models.vader_rules import (
    amplify_ep,
    amplify_qm,
    amplify_sp,
    amplify_uc,
    normalize,
    proportions,
    strip_punc_if_word,
)
from firestorm.models.vader_tables import (
    C_INCR,
    N_SCALAR,
    first_words,
    parse_emojis,
    parse_lexicon,
    read_utf8,
    stock_en,
    stock_fr,
)

_TOKEN_CACHE_MAX = 200_000  # distinct raw tokens kept per analyzer before the cache is reset
_MARK = "\0"  # marks an emoji's description in the translated text
_Token = tuple[str, str, str, bool, bool]
_WORD, _LOWER, _SCORED, _STIRS = itemgetter(0), itemgetter(1), itemgetter(3), itemgetter(4)
# The steps of `_valence` before a hit at i (at most i of them): (start_i, words back, the factor
# VADER scales that word's booster by). Scaling a zero keeps it (and its sign), and by 1.0 changes
# nothing, so the stock `if s != 0` guards are not needed for bit-identical scores.
_STEPS = tuple(((0, 1, 1.0), (1, 2, 0.95), (2, 3, 0.9))[:n] for n in range(4))
# Words the rules of `_valence` look for around a hit (besides boosters, negations, idiom starts).
_RULE_WORDS = frozenset({"no", "or", "nor", "least", "never", "without", "so", "this", "doubt", "kind", "of"})

_unidecode: Callable[[str], str] = unidecode.unidecode


class _TokenMemo(dict[str, _Token]):
    """raw token -> its _Token, made on a miss and forgotten all at once when full; read with
    `map(memo.__getitem__, tokens)`, a text's tokens are looked up without a Python call each."""

    def __init__(self, make: Callable[[str], _Token]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, raw: str) -> _Token:
        if len(self) >= _TOKEN_CACHE_MAX:
            self.clear()
        entry = self[raw] = self._make(raw)
        return entry


@mypyc_attr(allow_interpreted_subclasses=True)  # models/crisis.py extends them
class _FastVader:
    """What both languages share: emoji pass, token cache, the per-token loop, scoring."""

    booster: ClassVar[Mapping[str, float]]
    special: ClassVar[Mapping[str, float]]
    negate: ClassVar[frozenset[str]]
    _contrasts: ClassVar[bool] = False  # the stock `_but_check` applies

    def __init__(self, lexicon: dict[str, float], emojis: dict[str, str]) -> None:
        self.lexicon = lexicon
        self.emojis = emojis
        # Only single characters can match: the stock loop tests `chr in self.emojis`.
        self._single_emojis = {e: d for e, d in emojis.items() if len(e) == 1}
        self._emoji_chars = frozenset(self._single_emojis)
        # One translate() marks each emoji "\0description"; a mark after a space or at the start
        # is dropped, any other becomes a space: the stock loop's spacing. Only valid when no
        # description is empty, has outer spaces or a NUL (checked here; else the loop is used).
        self._emoji_marks: dict[int, str] | None = {ord(e): _MARK + d for e, d in self._single_emojis.items()}
        if any(not d or d != d.strip(" ") or _MARK in d for d in self._single_emojis.values()):
            self._emoji_marks = None
        self._idiom_starts = first_words(self.special, self.booster)
        self._stirring = frozenset(self.booster) | self.negate | self._idiom_starts | _RULE_WORDS
        self._tokens = _TokenMemo(self._token)
        # An ASCII text holds no emoji when every emoji is non-ASCII (str.isascii() is O(1)).
        self._emoji_free_ascii = not any(e.isascii() for e in self._single_emojis)

    # -- text preparation ------------------------------------------------------------------

    def _demoji(self, text: str) -> str:
        """The stock emoji pass (each emoji replaced by its description) and `strip()`."""
        if (self._emoji_free_ascii and text.isascii()) or self._emoji_chars.isdisjoint(text):
            return text.strip()
        if self._emoji_marks is not None and _MARK not in text:
            marked = text.translate(self._emoji_marks)
            if marked[0] == _MARK:
                marked = marked[1:]
            return marked.replace(" " + _MARK, " ").replace(_MARK, " ").strip()
        emojis = self._single_emojis
        pieces: list[str] = []
        prev_space = True
        for character in text:
            if character in emojis:
                # A space before the description unless the previous output was a space.
                if not prev_space:
                    pieces.append(" ")
                pieces.append(emojis[character])
                prev_space = False
            else:
                pieces.append(character)
                prev_space = character == " "
        return "".join(pieces).strip()

    def _split(self, text: str) -> list[str]:
        raise NotImplementedError

    def _token(self, raw: str) -> _Token:
        """(word, lower case, lexicon key, scored) of a raw token."""
        word = strip_punc_if_word(raw)
        lower = word.lower()
        return self._entry(word, lower, lower)

    def _entry(self, word: str, lower: str, key: str) -> _Token:
        stirs = lower in self._stirring or key in self._stirring or "n't" in lower
        return (word, lower, key, key in self.lexicon and lower not in self.booster, stirs)

    # -- the rules -----------------------------------------------------------------------------

    def _scalar(self, word: str, lower: str, valence: float, is_cap_diff: bool) -> float:
        scalar = 0.0
        if lower in self.booster:
            scalar = self.booster[lower]
            if valence < 0:
                scalar *= -1
            if word.isupper() and is_cap_diff:
                if valence > 0:
                    scalar += C_INCR
                else:
                    scalar -= C_INCR
        return scalar

    def _negated(self, lower: str) -> bool:
        return lower in self.negate or "n't" in lower

    def _idioms(self, valence: float, lowers: list[str], i: int) -> float:
        w3, w2, w1, w0 = lowers[i - 3], lowers[i - 2], lowers[i - 1], lowers[i]
        n = len(lowers)
        starts = self._idiom_starts
        if not (w0 in starts or w1 in starts or w2 in starts or w3 in starts):
            return valence  # no n-gram below can be a key
        special = self.special
        onezero = f"{w1} {w0}"
        twoonezero = f"{w2} {w1} {w0}"
        twoone = f"{w2} {w1}"
        threetwoone = f"{w3} {w2} {w1}"
        threetwo = f"{w3} {w2}"
        for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
            if seq in special:
                valence = special[seq]
                break
        if n - 1 > i:
            zeroone = f"{w0} {lowers[i + 1]}"
            if zeroone in special:
                valence = special[zeroone]
        if n - 1 > i + 1:
            zeroonetwo = f"{w0} {lowers[i + 1]} {lowers[i + 2]}"
            if zeroonetwo in special:
                valence = special[zeroonetwo]
        booster = self.booster
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in booster:
                valence = valence + booster[n_gram]
        return valence

    def _least(self, valence: float, lowers: list[str], i: int) -> float:
        lexicon = self.lexicon
        if i > 1 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
            if lowers[i - 2] != "at" and lowers[i - 2] != "very":
                valence = valence * N_SCALAR
        elif i > 0 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
            valence = valence * N_SCALAR
        return valence

    def _negation(self, valence: float, lowers: list[str], start_i: int, i: int) -> float:
        raise NotImplementedError

    def _valence(self, key: str, i: int, words: list[str], lowers: list[str], is_cap_diff: bool) -> float:
        """The stock `sentiment_valence` for a token whose lexicon key is `key`."""
        lexicon = self.lexicon
        n = len(words)
        valence = lexicon[key]
        if key == "no" and i != n - 1 and lowers[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lowers[i - 1] == "no")
            or (i > 1 and lowers[i - 2] == "no")
            or (i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[key] * N_SCALAR
        if is_cap_diff and words[i].isupper():
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        # The stock loop over start_i = 0, 1, 2 (the 1st, 2nd, 3rd word before the hit; see _STEPS);
        # `_least()` only acts after "least".
        if i > 0:
            booster = self.booster
            negation = self._negation
            for start_i, back, damping in _STEPS[i if i < 3 else 3]:
                lower = lowers[i - back]
                if lower not in lexicon:
                    if lower in booster:
                        valence = valence + self._scalar(words[i - back], lower, valence, is_cap_diff) * damping
                    else:
                        valence = valence + 0.0  # the stock scalar of a non-booster (turns -0.0 into 0.0)
                    valence = negation(valence, lowers, start_i, i)
            if i > 2 and lowers[i - 3] not in lexicon:
                valence = self._idioms(valence, lowers, i)
            if lowers[i - 1] == "least":
                valence = self._least(valence, lowers, i)
        return valence

    def _plain_valence(self, key: str, i: int, words: list[str], lowers: list[str], is_cap_diff: bool) -> float:
        """`_valence` for a hit that neither itself nor any of the three words before it can stir
        a rule (booster, negation, "no", "least", idiom start, ...): the lexicon value, the caps
        emphasis, and the `+ 0.0` a word outside the lexicon adds there (it turns -0.0 into 0.0)."""
        lexicon = self.lexicon
        valence = lexicon[key]
        if is_cap_diff and words[i].isupper():
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        for lower in lowers[i - 3 if i > 3 else 0 : i]:
            if lower not in lexicon:
                return valence + 0.0
        return valence

    def sentiments(self, text: str) -> tuple[list[float], str]:
        """The per-token valences (the stock `sentiments` list) and the text they were read from."""
        text = self._demoji(text)
        entries = list(map(self._tokens.__getitem__, self._split(text)))
        n = len(entries)
        sentiments: list[float] = [0] * n
        # _SCORED: the lexicon has the token and it is not a booster (a booster counts 0)
        hits = list(compress(range(n), map(_SCORED, entries)))
        if hits:
            lowers = list(map(_LOWER, entries))
            words = list(map(_WORD, entries))
            uppers = sum(map(str.isupper, words))
            is_cap_diff = 0 < n - uppers < n
            stirs = list(map(_STIRS, entries))
            for i in hits:
                if i < n - 1 and lowers[i] == "kind" and lowers[i + 1] == "of":
                    continue
                if any(stirs[i - 3 if i > 3 else 0 : i + 1]):
                    sentiments[i] = self._valence(entries[i][2], i, words, lowers, is_cap_diff)
                else:
                    sentiments[i] = self._plain_valence(entries[i][2], i, words, lowers, is_cap_diff)
            if self._contrasts:
                self._contrast(lowers, sentiments)
        return sentiments, text

    def _contrast(self, lowers: list[str], sentiments: list[float]) -> None:
        """The stock `_but_check` (English only)."""

    def contributions(self, text: str) -> list[tuple[str, str, float]]:
        """The words that moved the score: (word, lexicon key, valence after the rules), for `--explain`."""
        sentiments, prepared = self.sentiments(text)
        entries = [self._tokens[raw] for raw in self._split(prepared)]
        return [(e[0], e[2], valence) for e, valence in zip(entries, sentiments, strict=True) if valence != 0]

    def _emphasis(self, text: str) -> float:
        return amplify_ep(text) + amplify_qm(text)

    def _adjusted_sum(self, sum_s: float, punct: float, text: str) -> float:
        if sum_s > 0:
            sum_s += punct
        elif sum_s < 0:
            sum_s -= punct
        return sum_s

    def compound(self, text: str) -> float:
        """`polarity_scores(text)["compound"]`, without the proportions."""
        sentiments, text = self.sentiments(text)
        if not sentiments:
            return 0.0
        sum_s = float(sum(sentiments))
        punct = self._emphasis(text)
        return round(normalize(self._adjusted_sum(sum_s, punct, text)), 4)

    def polarity_scores(self, text: str) -> dict[str, float]:
        """The stock analyzer's result: neg, neu, pos (3 decimals) and compound (4 decimals)."""
        sentiments, text = self.sentiments(text)
        if not sentiments:
            return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}
        sum_s = float(sum(sentiments))
        punct = self._emphasis(text)
        compound = normalize(self._adjusted_sum(sum_s, punct, text))
        neg, neu, pos = proportions(sentiments, punct)
        return {"neg": round(neg, 3), "neu": round(neu, 3), "pos": round(pos, 3), "compound": round(compound, 4)}


@mypyc_attr(allow_interpreted_subclasses=True)  # models/crisis.py extends them
class EnglishVader(_FastVader):
    """`vaderSentiment.SentimentIntensityAnalyzer`, same scores."""

    booster = stock_en.BOOSTER_DICT
    special = stock_en.SPECIAL_CASES
    negate = frozenset(stock_en.NEGATE)
    _contrasts = True

    def __init__(self) -> None:
        super().__init__(
            parse_lexicon(read_utf8("vaderSentiment", "vader_lexicon.txt"), "\t"),
            parse_emojis(read_utf8("vaderSentiment", "emoji_utf8_lexicon.txt")),
        )

    def _split(self, text: str) -> list[str]:
        return text.split()

    def _negation(self, valence: float, lowers: list[str], start_i: int, i: int) -> float:
        if start_i == 0:
            if self._negated(lowers[i - 1]):
                valence = valence * N_SCALAR
        elif start_i == 1:
            if lowers[i - 2] == "never" and (lowers[i - 1] == "so" or lowers[i - 1] == "this"):
                valence = valence * 1.25
            elif lowers[i - 2] == "without" and lowers[i - 1] == "doubt":
                pass
            elif self._negated(lowers[i - 2]):
                valence = valence * N_SCALAR
        else:
            if (lowers[i - 3] == "never" and (lowers[i - 2] == "so" or lowers[i - 2] == "this")) or (
                lowers[i - 1] == "so" or lowers[i - 1] == "this"
            ):
                valence = valence * 1.25
            elif lowers[i - 3] == "without" and (lowers[i - 2] == "doubt" or lowers[i - 1] == "doubt"):
                pass
            elif self._negated(lowers[i - 3]):
                valence = valence * N_SCALAR
        return valence

    def _contrast(self, lowers: list[str], sentiments: list[float]) -> None:
        if "but" in lowers:
            bi = lowers.index("but")
            # As the stock code: `index` finds the first equal value, so repeated values are
            # scaled at their first position (the list never changes length).
            for sentiment in sentiments:
                si = sentiments.index(sentiment)
                if si < bi:
                    sentiments[si] = sentiment * 0.5
                elif si > bi:
                    sentiments[si] = sentiment * 1.5


_FR_SPLIT = re.compile(r"[\s']")


@mypyc_attr(allow_interpreted_subclasses=True)  # models/crisis.py extends them
class FrenchVader(_FastVader):
    """`vaderSentiment_fr.SentimentIntensityAnalyzer.polarity_scores`, same scores."""

    booster = stock_fr.BOOSTER_DICT
    special = stock_fr.SPECIAL_CASES
    negate = frozenset(stock_fr.NEGATE)

    def __init__(self) -> None:
        super().__init__(
            parse_lexicon(read_utf8("vaderSentiment_fr", "fr_lexicon.txt"), "->", fold=_unidecode),
            parse_emojis(read_utf8("vaderSentiment_fr", "emojis_fr.txt")),
        )
        self.no_negate = frozenset(_unidecode(word) for word in stock_fr.NO_NEGATE)

    def _split(self, text: str) -> list[str]:
        return _FR_SPLIT.split(text)

    def _token(self, raw: str) -> _Token:
        word = strip_punc_if_word(raw)
        lower = word.lower()
        return self._entry(word, lower, lower if lower.isascii() else _unidecode(lower))

    def _negation(self, valence: float, lowers: list[str], start_i: int, i: int) -> float:
        if lowers[i] in self.no_negate:
            return valence
        if self._negated(lowers[i - (start_i + 1)]):
            valence = valence * N_SCALAR
        return valence

    def _emphasis(self, text: str) -> float:
        return amplify_ep(text) + amplify_qm(text) + amplify_sp(text)

    def _adjusted_sum(self, sum_s: float, punct: float, text: str) -> float:
        if sum_s > 0:
            sum_s += punct
            if sum_s >= 0.05:
                sum_s += amplify_uc(text)
        elif sum_s < 0:
            sum_s -= punct
            if sum_s <= -0.05:
                sum_s -= amplify_uc(text)
        else:
            sum_s -= 0.5 * punct
        return sum_s


@cache
def analyzer(lang: str) -> _FastVader:
    """The shared analyzer of a language: `fr` is the French port, anything else English."""
    return FrenchVader() if lang == "fr" else EnglishVader()


__all__ = ["EnglishVader", "FrenchVader", "analyzer", "parse_emojis", "parse_lexicon"]
