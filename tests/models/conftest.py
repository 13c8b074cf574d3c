"""Fixtures for the pure-model tests; the builders themselves live in tests/models/builders.py."""

from __future__ import annotations

import pytest

from models.records import Mention, mention_from_obj
from models.sentiment import Sentiment, SentimentScorer
from tests.models.builders import storm_stream


@pytest.fixture(scope="session")
def scorer() -> SentimentScorer:
    return SentimentScorer()


@pytest.fixture(scope="session")
def storm_mentions(scorer: SentimentScorer) -> list[tuple[Mention, Sentiment]]:
    """The default synthetic storm stream, decoded and scored once (mentions are immutable)."""
    scored = []
    for obj in storm_stream():
        mention = mention_from_obj(obj)
        scored.append((mention, scorer.score(mention.text, mention.lang)))
    return scored
