from __future__ import annotations

import orjson
import pytest

from firestorm.models.engine import Engine, EngineSettings, Outcome
from firestorm.models.pipeline import DEAD_LETTER, MentionProcessor, Tally
from firestorm.models.sentiment import SentimentScorer
from tests.models.builders import DROP, mention_bytes, storm_stream


@pytest.fixture
def processor(scorer: SentimentScorer) -> MentionProcessor:
    return MentionProcessor(scorer)


def test_good_bytes_are_scored_and_accepted(processor: MentionProcessor) -> None:
    engine = Engine(EngineSettings())
    processed = processor.process(engine, mention_bytes(text="This is a disgrace, awful service"))
    assert processed.outcome == Outcome.ACCEPTED.value == "accepted"
    assert processed.mention is not None and processed.mention.id == "x:1"
    assert processed.sentiment is not None and processed.sentiment.negative
    assert processed.error is None
    assert processed.closed == ()
    assert "acme" in engine.entities


def test_language_is_detected_when_absent(processor: MentionProcessor) -> None:
    processed = processor.process(Engine(), mention_bytes(lang=DROP, text="C'est un scandale, rappel du lait"))
    assert processed.sentiment is not None and processed.sentiment.lang == "fr" and processed.sentiment.scored


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{oops", "not_json"),
        (b"\xff\xfe", "invalid_utf8"),
        (b"", "empty"),
        (mention_bytes(ts="soon"), "bad_timestamp"),
    ],
)
def test_bad_bytes_are_dead_lettered(processor: MentionProcessor, raw: bytes, reason: str) -> None:
    engine = Engine(EngineSettings())
    processed = processor.process(engine, raw)
    assert processed.outcome == DEAD_LETTER
    assert processed.error is not None and processed.error.reason == reason
    assert processed.mention is None and processed.sentiment is None
    assert engine.entities == {} and engine.clock_ms is None  # bad input does not move event time


def test_duplicate_and_late(processor: MentionProcessor) -> None:
    engine = Engine(EngineSettings())
    outcomes = [
        processor.process(engine, raw).outcome
        for raw in (
            mention_bytes(id="a", ts="2026-03-02T00:00:10Z"),
            mention_bytes(id="a", ts="2026-03-02T00:00:10Z"),
            mention_bytes(id="b", ts="2026-03-02T00:05:00Z"),
            mention_bytes(id="c", ts="2026-03-02T00:01:00Z"),
        )
    ]
    assert outcomes == ["accepted", "duplicate", "accepted", "late"]


def test_tally_adds_up(processor: MentionProcessor) -> None:
    objs = storm_stream(baseline_minutes=20, storm_counts=(5,), tail_minutes=5)
    raws = [orjson.dumps(o) for o in objs]
    raws.insert(10, raws[9])  # a duplicate
    raws.insert(20, b"not json at all")
    raws.insert(30, b"[]")
    raws.append(orjson.dumps({**objs[0], "id": "very-late"}))  # 25 minutes behind the clock
    raws.append(mention_bytes(id="de", lang="de", text="Das ist schlecht"))
    engine = Engine(EngineSettings())
    tally = Tally()
    for raw in raws:
        tally.add(processor.process(engine, raw))
    assert tally.consumed == len(raws)
    assert tally.consumed == sum(tally.outcomes.values())
    outcomes = tally.outcomes
    assert tally.consumed == outcomes["accepted"] + outcomes["duplicate"] + outcomes["late"] + outcomes["dead_letter"]
    assert tally.outcomes["duplicate"] == 1
    assert tally.outcomes["dead_letter"] == 2
    assert tally.outcomes["late"] == 2  # the very late one, and the 00:00:10 'de' mention
    assert tally.dead_letter_reasons == {"not_json": 1, "not_object": 1}
    assert sum(tally.languages.values()) == tally.consumed - tally.outcomes["dead_letter"]
    assert tally.languages["de"] == 1
    assert tally.unscored == 1
