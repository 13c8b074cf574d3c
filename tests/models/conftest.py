"""Fixtures for the pure-model tests; the builders themselves live in tests/models/builders.py."""

from __future__ import annotations

import pytest

from firestorm.models.records import Mention, mention_from_obj
from firestorm.models.sentiment import Sentiment, SentimentScorer
from tests.models.builders import storm_stream


@pytest.fixture(scope="session")
def scorer() -> SentimentScorer:
    """Stock VADER (the `vader` mode): the identity tests compare it with vaderSentiment."""
    return SentimentScorer("vader")


@pytest.fixture(scope="session")
def crisis_scorer() -> SentimentScorer:
    """VADER with the crisis/complaint overlay (the `vader+crisis` mode)."""
    return SentimentScorer("vader+crisis")


@pytest.fixture(scope="session")
def storm_mentions(scorer: SentimentScorer) -> list[tuple[Mention, Sentiment]]:
    """The default synthetic storm stream, decoded and scored once (mentions are immutable)."""
    scored = []
    for obj in storm_stream():
        mention = mention_from_obj(obj)
        scored.append((mention, scorer.score(mention.text, mention.lang)))
    return scored
