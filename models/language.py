"""Offline language identification for mentions that do not say their language."""

from __future__ import annotations

from functools import lru_cache

UNDETERMINED = "und"
# Restricting the candidate set keeps short posts from being labelled with rare
# languages; it covers the languages most mentions of western brands come in.
CANDIDATES = [
    "en",
    "fr",
    "de",
    "es",
    "it",
    "pt",
    "nl",
    "pl",
    "sv",
    "da",
    "no",
    "fi",
    "tr",
    "ru",
    "ar",
    "ja",
    "zh",
    "ko",
    "id",
    "ca",
]
MIN_CHARS = 3


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import _load_identifier

    return _load_identifier(langs=CANDIDATES)


def detect_language(text: str) -> str:
    """Return an ISO 639-1 code for `text`, or 'und' when there is too little text."""
    if len(text.strip()) < MIN_CHARS:
        return UNDETERMINED
    lang, _score = _identifier().classify(text)
    return str(lang)
