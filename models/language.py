"""Offline language identification for mentions that do not say their language."""

from __future__ import annotations

from functools import lru_cache

from firestorm.models.langid_fast import FastLanguageIdentifier

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


@lru_cache(maxsize=1)
def _fast() -> FastLanguageIdentifier:
    return FastLanguageIdentifier(_identifier())


def detect_language(text: str) -> str:
    """Return an ISO 639-1 code for `text`, or 'und' when there is too little text.

    The label is py3langid's `classify(text)` label with CANDIDATES, computed faster
    (models/langid_fast.py).
    """
    if len(text.strip()) < MIN_CHARS:
        return UNDETERMINED
    return _fast().label(text)
