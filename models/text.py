"""Terms and hashtags of a post, for the 'drivers' that explain an alert."""

from __future__ import annotations

import re

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


def terms_of(text: str) -> tuple[set[str], set[str]]:
    """Return the distinct (terms, hashtags) of a post, lowercased, without stopwords or mentions."""
    terms: set[str] = set()
    hashtags: set[str] = set()
    lowered = text.lower().replace("\u2019", "'")
    if "http" in lowered or "www." in lowered:  # _URL cannot match otherwise
        lowered = _URL.sub(" ", lowered)
    handles = set(_HANDLE.findall(lowered)) if "@" in lowered else set()
    for token in _TOKEN.findall(lowered):
        if token.startswith("#"):
            if len(token) > 2:
                hashtags.add(token)
            continue
        token = token.strip("'\u2019-_")
        if "'" in token[1:3]:  # _ELISION needs an apostrophe second or third
            token = _ELISION.sub("", token)
        if len(token) < MIN_TERM_CHARS or token in _STOPWORDS or token.isdigit():
            continue
        terms.add(token)
    # '@handle' tokens lose their '@' in the regex; drop the handles the text names.
    return terms - handles, hashtags
