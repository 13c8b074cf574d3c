"""Writes in proportion to change (issue 23): the changelog gets the entities a batch changed, not
every entity the partition knows, and a restarted worker parses only its partitions' entities."""

from __future__ import annotations

import asyncio

import orjson

from firestorm.streams.worker.partitions import partition_prefix
from tests.models.builders import MINUTE, T0
from tests.streams.worker.batch_fakes import Harness

WATCHED = 300


def mention(i: str, entity: str, ts_ms: int) -> bytes:
    return orjson.dumps({"id": i, "entity": entity, "ts": ts_ms, "text": f"flying {entity} today", "lang": "en"})


def changelog_keys(h: Harness) -> list[bytes]:
    sent = h.fapp.app.producer.sent  # type: ignore[attr-defined]
    return [s.key for s in sent if s.topic == "entities-changelog"]


def test_quiet_watched_entities_are_written_once_then_not_while_they_sleep() -> None:
    async def scenario() -> None:
        h = Harness.build()
        # Every watched entity speaks once in the first minute; then only "busy" speaks, for 3 hours.
        await h.run(h.records(0, [mention(f"w{n}", f"watched-{n:03d}", T0 + n) for n in range(WATCHED)]))
        for minute in range(1, 180):
            await h.run(h.records(0, [mention(f"b{minute}", "busy", T0 + minute * MINUTE)]))
        before = len(changelog_keys(h))
        for minute in range(180, 240):  # an hour later the watched ones are long dormant
            await h.run(h.records(0, [mention(f"b{minute}", "busy", T0 + minute * MINUTE)]))
        last_hour = changelog_keys(h)[before:]
        assert set(last_hour) == {b"busy"}  # one write a batch, for the one entity that changed
        assert len(h.fapp.entities.data) == WATCHED + 1
        # Restarted: every entity back, and a watched one that speaks again carries on from its state.
        h.restart()
        await h.run(h.records(0, [mention("again", "watched-007", T0 + 240 * MINUTE)]))
        engine = h.handler.engines.get(0)
        assert len(engine.entities) == WATCHED + 1
        assert engine.entities["watched-007"].closed_until_ms == engine.closed_boundary_ms

    asyncio.run(scenario())


def test_restore_parses_only_the_partitions_own_entities() -> None:
    async def scenario() -> None:
        h = Harness.build()
        await h.run(h.records(1, [mention("a", "acme", T0)]))
        await h.run(h.records(2, [mention("b", "bolt", T0)]))
        # Another partition's value that would not even parse: restoring partition 1 never reads it.
        h.fapp.entities.data[b"broken"] = partition_prefix(2) + b"not json"
        h.restart()
        assert set(h.handler.engines.get(1).entities) == {"acme"}

    asyncio.run(scenario())
