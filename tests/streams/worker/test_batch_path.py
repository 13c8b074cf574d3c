"""The worker's batch path (BatchHandler, PartitionEngines) on in-memory fakes of Faust's objects.

Integration tests run it on a real broker; these pin its bookkeeping down without one: what goes
to the alerts and dead-letter topics, what the changelogged tables hold, what a restarted worker
resumes from, and the idle advance (issue 14 items 1, 4 and 5).
"""

from __future__ import annotations

import asyncio
import base64
import logging

import orjson
import pytest

from firestorm.streams.config import Config
from tests.models.builders import MINUTE, SECOND, T0, storm_stream
from tests.models.test_clock_jump import issue_stream
from tests.streams.worker.batch_fakes import Harness

HOUR = 60 * MINUTE


def lines_of(objs: list[dict[str, object]]) -> list[bytes]:
    return [orjson.dumps(o) for o in objs]


def test_a_batch_writes_alerts_state_and_changelog_records_to_its_partition() -> None:
    async def scenario() -> None:
        h = Harness.build()
        storm = lines_of(storm_stream(entities=("acme",)))
        for i in range(0, len(storm), 500):
            await h.run(h.records(1, storm[i : i + 500]))
        assert [a["status"] for a in h.alerts][:1] == ["triggered"]
        assert h.outcome("accepted") == len(storm)
        # State of partition 1 only, its changelog records to partition 1, the clock with the next offset.
        assert set(h.fapp.entities.data) == {b"acme"}
        assert {s.partition for s in h.fapp.app.producer.sent} == {1}  # type: ignore[attr-defined]
        assert h.clock(1)["next_offset"] == len(storm)
        assert orjson.loads(h.fapp.entities.data[b"acme"])["p"] == 1

    asyncio.run(scenario())


def test_a_redelivered_batch_is_not_counted_twice_after_a_restart() -> None:
    async def scenario() -> None:
        h = Harness.build()
        storm = lines_of(storm_stream(entities=("acme",)))
        cut = len(storm) // 2
        first = h.records(0, storm[:cut])
        await h.run(first)
        h.restart()
        await h.run(first[10:])  # redelivered after a crash: the state already counts them
        assert h.metrics.redelivered._value.get() == cut - 10
        assert h.outcome("accepted") == 0
        await h.run(h.records(0, storm[cut:]))
        assert h.outcome("accepted") == len(storm) - cut
        # The alerts are those of one uninterrupted run.
        once = Harness.build()
        await once.run(once.records(0, storm))
        assert h.alerts == once.alerts and h.fapp.entities.data == once.fapp.entities.data

    asyncio.run(scenario())


def test_a_far_future_timestamp_is_dead_lettered_with_its_bytes_and_moves_no_time() -> None:
    """Issue 14 item 1 in the worker: the same outcome as the replay, across a restart in between."""

    async def scenario() -> None:
        h = Harness.build()
        lines, typo = issue_stream()
        await h.run(h.records(2, lines[: typo + 1]))  # the typo is held, in the changelogged clock
        assert [held["ref"]["offset"] for held in h.clock(2)["held"]] == [typo - 1, typo]
        h.restart()
        await h.run(h.records(2, lines[typo + 1 :]))
        assert h.outcome("late") == 0
        # This process counts the rest and the normal mention the first one held (the 600 before are the first's).
        assert h.outcome("accepted") == len(lines) - (typo + 1) + 1
        [dead] = h.dead_letters
        assert dead["reason"] == "future_timestamp" and dead["offset"] == typo and dead["partition"] == 2
        assert base64.b64decode(dead["payload_b64"]) == lines[typo]
        [sent] = h.fapp.dead_letters.sent  # type: ignore[attr-defined]
        assert dict(sent.headers) == {"firestorm-dlq-reason": b"future_timestamp"}
        assert "held" not in h.clock(2) and h.clock(2)["clock_ms"] < T0 + 10 * HOUR
        assert h.metrics.registry.get_sample_value("firestorm_dead_letters_total", {"reason": "future_timestamp"})

    asyncio.run(scenario())


def test_an_idle_partition_closes_its_windows_and_resolves_its_incident() -> None:
    """Issue 14 item 4: a storm that stops dead, then nothing; the wall clock is passed in."""

    async def scenario() -> None:
        h = Harness.build()
        storm = lines_of(storm_stream(entities=("acme",), tail_minutes=0))
        await h.run(h.records(3, storm))
        assert [a["status"] for a in h.alerts][:1] == ["triggered"]
        clock = h.clock(3)["clock_ms"]
        now = asyncio.get_running_loop().time()  # any monotonic origin; the handler gets times passed in
        wall_ms = clock + 1000 * HOUR  # a wall clock far ahead: the advance follows elapsed time, not it
        await h.handler.advance_idle(120, now=now, now_ms=wall_ms)
        before = h.clock(3)["clock_ms"]
        # Before the idle timeout: nothing moves.
        last_record_at = h.handler._last_record[3][0]
        await h.handler.advance_idle(120, now=last_record_at + 119, now_ms=wall_ms)
        assert h.clock(3)["clock_ms"] == before == clock
        # Idle for 2 minutes: event time runs on by 2 minutes. Then by the resolve time: resolved.
        await h.handler.advance_idle(120, now=last_record_at + 120, now_ms=wall_ms)
        assert h.clock(3)["clock_ms"] == clock + 2 * MINUTE
        resolve_s = h.config.engine_settings().resolve_after_ms / 1000 + 3 * 60
        await h.handler.advance_idle(120, now=last_record_at + resolve_s, now_ms=wall_ms)
        statuses = [a["status"] for a in h.alerts]
        assert statuses[-1] == "resolved", statuses
        state = orjson.loads(h.fapp.entities.data[b"acme"])["s"]
        assert state["incident"]["incident_id"] is None
        # Never past the wall clock.
        await h.handler.advance_idle(120, now=last_record_at + 10 * 3600, now_ms=clock + 20 * MINUTE)
        assert h.clock(3)["clock_ms"] == clock + 20 * MINUTE

    asyncio.run(scenario())


def test_the_idle_advance_can_be_turned_off_and_is_documented() -> None:
    from firestorm.streams.config import load_config

    assert load_config({}).idle_timeout_s == 120.0
    assert load_config({"FIRESTORM_IDLE_TIMEOUT": "0"}).idle_timeout_s == 0.0
    assert load_config({}).shutdown_timeout_s == 15.0
    assert Config().idle_timeout == "2m"
    _ = SECOND


def test_windows_closed_by_the_idle_advance_are_logged_and_an_idle_partition_is_logged_rarely(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 26 item 6. Before: FIRESTORM_LOG_WINDOWS=1 logged only the windows a mention closed,
    not those the idle advance closed; and an idle partition logged "idle for N s" at every check."""

    async def scenario() -> None:
        h = Harness.build()
        h.handler.log_windows = True
        storm = lines_of(storm_stream(entities=("acme",), tail_minutes=0))
        await h.run(h.records(3, storm))
        by_mentions = window_lines(caplog.records)
        assert by_mentions  # the storm's own mentions closed most of its windows
        caplog.clear()
        clock = h.clock(3)["clock_ms"]
        wall_ms = clock + 1000 * HOUR
        last_record_at = h.handler._last_record[3][0]
        for check in range(0, 600, 5):  # every 5 s, as the worker checks, for 10 minutes
            await h.handler.advance_idle(120, now=last_record_at + 120 + check, now_ms=wall_ms)
        by_advance = window_lines(caplog.records)
        # The windows still open when the mentions stopped: closed by the advance, and logged.
        assert by_advance and not set(by_advance) & set(by_mentions)
        assert max(start for _entity, start, _count in by_advance) > max(s for _e, s, _c in by_mentions)
        idle = [r for r in caplog.records if "idle for" in r.getMessage()]
        assert len(idle) == 120 and [r.levelno for r in idle].count(logging.INFO) == 1
        await h.handler.advance_idle(120, now=last_record_at + 120 + 600, now_ms=wall_ms)  # 10 minutes on
        idle = [r for r in caplog.records if "idle for" in r.getMessage() and r.levelno == logging.INFO]
        assert len(idle) == 2
        # A record ends the idle spell: the next one is logged when it starts.
        await h.run(h.records(3, lines_of(storm_stream(entities=("acme",), start_ms=clock + 30 * MINUTE))[:1]))
        caplog.clear()
        last_record_at = h.handler._last_record[3][0]
        await h.handler.advance_idle(120, now=last_record_at + 120, now_ms=wall_ms)
        assert [r.levelno for r in caplog.records if "idle for" in r.getMessage()] == [logging.INFO]

    with caplog.at_level(logging.DEBUG, logger="firestorm"):
        asyncio.run(scenario())


def window_lines(records: list[logging.LogRecord]) -> list[tuple[str, int, int]]:
    """(entity, window start, count) of each FIRESTORM_LOG_WINDOWS line."""
    lines = [r.getMessage().split() for r in records if r.name == "firestorm.windows"]
    return [(words[1], int(words[2]), int(words[3])) for words in lines]
