"""Terms and hashtags of a post, for the 'drivers' that explain an alert."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from itertools import chain
from typing import TypeVar

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
also after again any because before being how only over some such those while today
depuis chez année années ans aussi encore comme avoir faire sans après avant fois même alors donc
car quand où ça cet leurs nos notre vers entre sous peu trop tous toute toutes autre autres ici là
déjà jamais toujours
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
MIN_TERM_CHARS = 3


@functools.lru_cache(maxsize=4096)
def entity_tokens(entity: str) -> frozenset[str]:
    """The entity's own name as terms and hashtags may spell it (maison-lait: maison-lait, maisonlait,
    maison_lait, maison, lait, #maisonlait, ...): a brand's name explains none of its storms."""
    name = entity.lower()
    parts = [p for p in name.replace("_", "-").split("-") if p]
    words = {name, name.replace("-", ""), name.replace("-", "_"), *parts}
    return frozenset(words | {f"#{w}" for w in words})


def without_entity(counts: dict[str, int], entity: str) -> dict[str, int]:
    """The term (or hashtag) counts without the entity's own name (the same dict when it is absent)."""
    own = entity_tokens(entity)
    if own.isdisjoint(counts):
        return counts
    return {k: v for k, v in counts.items() if k not in own}


MEMO_MAX = 50_000  # distinct pieces a PieceMemo remembers before it starts over (about 10 MB at most)
MEMO_MAX_CHARS = 64  # longer pieces are worked out each time, not remembered
T = TypeVar("T")


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


class PieceMemo(dict[str, T]):
    """A whitespace-free piece of a lowercased post -> what `work_out` makes of it, filled on a
    miss: posts repeat words far more than they repeat whole texts, and `map(memo.__getitem__,
    ...)` then runs without a Python call per piece. Pieces longer than `max_chars` are worked
    out each time; the memo starts over after `max_entries`."""

    def __init__(
        self, work_out: Callable[[str], T], max_entries: int = MEMO_MAX, max_chars: int = MEMO_MAX_CHARS
    ) -> None:
        super().__init__()
        self.work_out = work_out
        self.max_entries = max_entries
        self.max_chars = max_chars

    def __missing__(self, piece: str) -> T:
        value = self.work_out(piece)
        if len(piece) <= self.max_chars:
            if len(self) >= self.max_entries:
                self.clear()
            self[piece] = value
        return value


_PIECES = PieceMemo(_piece_terms)


def lowered_for_terms(text: str) -> str:
    """The post as terms are read from it: lower case, typographic apostrophes made plain."""
    return text.lower().replace("\u2019", "'")


def has_link(lowered: str) -> bool:
    """Whether _URL may match (links are cut before terms are read)."""
    return "http" in lowered or "www." in lowered


def terms_of(text: str) -> tuple[set[str], set[str]]:
    """Return the distinct (terms, hashtags) of a post, lowercased, without stopwords or mentions."""
    lowered = lowered_for_terms(text)
    if has_link(lowered):
        lowered = _URL.sub(" ", lowered)
    return terms_of_pieces(lowered, lowered.split())


def terms_of_pieces(lowered: str, pieces: list[str]) -> tuple[set[str], set[str]]:
    """`terms_of` given the post's `lowered_for_terms` with no link left, and its `split()`
    (a caller that splits it anyway passes its pieces)."""
    found = set(chain.from_iterable(map(_PIECES.__getitem__, pieces)))
    # A term never starts with "#" (tokens only hold it first, and hashtags keep it).
    hashtags = {term for term in found if term[0] == "#"} if "#" in lowered else set()
    if hashtags:
        found -= hashtags
    if "@" in lowered:
        # '@handle' tokens lose their '@' in the regex; drop the handles the text names.
        found -= set(_HANDLE.findall(lowered))
    return found, hashtags
