"""Terms and hashtags of a post, for the 'drivers' that explain an alert."""

from __future__ import annotations

import re
from itertools import chain

_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"@(\w+)")
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu)['\u2019]")  # French l'avion, d'air, qu'il
_TOKEN = re.compile(r"#?\w[\w'\u2019-]*", re.UNICODE)
_STOPWORDS_TEXT = """
a an and are as at be been but by can could did do does for from had has have he her his i if
in into is it its just me my no not of on or our so than that the their them then there these
they this to too up us was we were what when where which who why will with would you your
i'm it's don't can't im rt amp via get got one all about out more now like still very really
au aux avec ce ces cette dans de des du elle en est et être il ils je la le les leur lui ma mais
me mes moi mon ne nous on ou par pas pour qu que qui sa se ses son sont sur ta te tes toi ton tu
un une vos votre vous c'est j'ai d'un d'une l'on y a été fait plus tout très bien
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
MIN_TERM_CHARS = 3


_MEMO_MAX = 50_000  # distinct pieces remembered before the memo starts over (about 10 MB at most)
_MEMO_MAX_CHARS = 64  # longer pieces are worked out each time, not remembered


def _term(token: str) -> str:
    """What one lowercased token contributes: itself if a hashtag, its term, or "" for nothing."""
    if token.startswith("#"):
        return token if len(token) > 2 else ""
    token = token.strip("'\u2019-_")
    if "'" in token[1:3]:  # _ELISION needs an apostrophe second or third
        token = _ELISION.sub("", token)
    if len(token) < MIN_TERM_CHARS or token in _STOPWORDS or token.isdigit():
        return ""
    return token


def _piece_terms(piece: str) -> tuple[str, ...]:
    """The terms and hashtags of one whitespace-free piece of a lowercased post. No _TOKEN match
    holds whitespace, so a post's tokens are its pieces' tokens, in order."""
    return tuple(term for term in map(_term, _TOKEN.findall(piece)) if term)


class _PieceMemo(dict[str, tuple[str, ...]]):
    """piece -> _piece_terms(piece), filled on a miss: posts repeat words far more than they
    repeat whole texts, and `map(memo.__getitem__, ...)` then runs without a Python call per word."""

    def __missing__(self, piece: str) -> tuple[str, ...]:
        terms = _piece_terms(piece)
        if len(piece) <= _MEMO_MAX_CHARS:
            if len(self) >= _MEMO_MAX:
                self.clear()
            self[piece] = terms
        return terms


_PIECES = _PieceMemo()


def terms_of(text: str) -> tuple[set[str], set[str]]:
    """Return the distinct (terms, hashtags) of a post, lowercased, without stopwords or mentions."""
    lowered = text.lower().replace("\u2019", "'")
    if "http" in lowered or "www." in lowered:  # _URL cannot match otherwise
        lowered = _URL.sub(" ", lowered)
    found = set(chain.from_iterable(map(_PIECES.__getitem__, lowered.split())))
    # A term never starts with "#" (tokens only hold it first, and hashtags keep it).
    hashtags = {term for term in found if term[0] == "#"} if "#" in lowered else set()
    if hashtags:
        found -= hashtags
    if "@" in lowered:
        # '@handle' tokens lose their '@' in the regex; drop the handles the text names.
        found -= set(_HANDLE.findall(lowered))
    return found, hashtags
