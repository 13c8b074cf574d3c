"""Offset continuity per partition: the state knows which records it already counts.

Faust can drop a record it fetched while it suspends the flow (a rebalance, a table recovery)
and later commit offsets past it: that mention would be lost. The worker therefore keeps, with
each partition's state and in the same changelogged batch, the next offset that state expects.

- A record below it was already counted (redelivered after a crash, between the state write and
  the offset commit, or refetched after a rebalance): it is skipped, so counts are not doubled.
- A record above it means a hole: the missing records are read straight from the broker
  (`fetch_range`) and processed first, in order, so nothing is lost. A read that keeps failing
  raises GapFetchError (the worker stops) rather than return part of the hole.
- A partition whose state was never written starts at the group's committed offset, or the
  log's first offset (`start_offset`): a brand-new group's first records are guarded too.

The decision is pure (`OffsetGuard`); only `fetch_range` and `start_offset` talk to Kafka.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from firestorm.streams.config import Config
from firestorm.streams.kafka.security import aiokafka_security

log = logging.getLogger("firestorm.offsets")

FETCH_TIMEOUT_S = 30.0  # one read of a hole
FETCH_ATTEMPTS = 4  # reads of a hole before the worker stops
FETCH_BACKOFF_S = 1.0  # wait after the first failed read, doubled after each


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with one record: skip it, or process it after filling the hole [gap_start, offset)."""

    skip: bool
    gap_start: int | None = None


PROCESS = Verdict(skip=False)
SKIP = Verdict(skip=True)


class OffsetGuard:
    """The next offset one partition's state expects (None: unknown, take what comes)."""

    def __init__(self, next_offset: int | None = None) -> None:
        self.next_offset = next_offset

    def check(self, offset: int) -> Verdict:
        """Judge the record at `offset`; call `accept(offset)` once it is processed."""
        expected = self.next_offset
        if expected is None or offset == expected:
            return PROCESS
        if offset < expected:
            return SKIP
        return Verdict(skip=False, gap_start=expected)

    def accept(self, offset: int) -> None:
        self.next_offset = offset + 1

    def reset_if_beyond(self, log_end: int | None) -> bool:
        """Forget the expectation when it lies past the end of the log (the topic was recreated):
        otherwise every new record would be skipped as already counted."""
        if self.next_offset is not None and log_end is not None and self.next_offset > log_end:
            self.next_offset = None
            return True
        return False


@dataclass(frozen=True, slots=True)
class FetchedRecord:
    """A record read to fill a hole: what the worker needs of a Faust message."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


class GapFetchError(RuntimeError):
    """Records the state needs could not be read from the broker, even after retries: the worker
    must stop rather than move past them (a restarted worker reads them again from its last commit)."""


async def fetch_range(
    config: Config,
    topic: str,
    partition: int,
    start: int,
    end: int,
    timeout_s: float = FETCH_TIMEOUT_S,
    attempts: int = FETCH_ATTEMPTS,
    backoff_s: float = FETCH_BACKOFF_S,
) -> list[FetchedRecord]:
    """Records of `topic`/`partition` with start <= offset < end, straight from the broker.

    Fewer come back when some no longer exist (retention) or never were records (transaction
    markers): the read is complete once the position reaches `end`, and the caller counts the
    difference. A failed or timed-out read (`timeout_s` each) is retried from where it stopped,
    `attempts` times in all with doubling waits from `backoff_s`; then GapFetchError: a partial
    result would let the worker move past records it never counted.
    """
    tp = TopicPartition(topic, partition)
    found: list[FetchedRecord] = []
    last_error = "timed out"
    for attempt in range(1, attempts + 1):
        resume = found[-1].offset + 1 if found else start
        try:
            if await _read_range(config, tp, resume, end, timeout_s, found):
                return found
            last_error = f"position short of offset {end} after {timeout_s:.0f} s"
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            last_error = f"{exc.__class__.__name__}: {exc}"
        if attempt < attempts:
            wait_s = backoff_s * 2 ** (attempt - 1)
            log.warning(
                "partition %d: reading offsets %d-%d failed (attempt %d of %d: %s); retrying in %.1f s",
                partition, resume, end - 1, attempt, attempts, last_error, wait_s,
            )  # fmt: skip
            await asyncio.sleep(wait_s)
    raise GapFetchError(
        f"partition {partition}: offsets {start}-{end - 1} of {topic} could not be read from the broker "
        f"after {attempts} attempts (last: {last_error}); stopping rather than skip them"
    )


async def _read_range(
    config: Config, tp: TopicPartition, start: int, end: int, timeout_s: float, found: list[FetchedRecord]
) -> bool:
    """One read of [start, end) into `found`; True once the position reached `end`."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=config.kafka_bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **aiokafka_security(config),
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        consumer.seek(tp, start)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if await consumer.position(tp) >= end:
                return True
            batches: dict[Any, list[Any]] = await consumer.getmany(tp, timeout_ms=500, max_records=10_000)
            for record in batches.get(tp, []):
                if start <= record.offset < end:
                    found.append(
                        FetchedRecord(record.topic, record.partition, record.offset, record.key, record.value or b"")
                    )
        return False
    finally:
        await consumer.stop()


async def start_offset(
    config: Config, topic: str, partition: int, attempts: int = FETCH_ATTEMPTS, backoff_s: float = FETCH_BACKOFF_S
) -> int:
    """Where a partition whose state has never been written starts: the worker group's committed
    offset, or the first offset of the log when the group never committed one (a brand-new group
    reads from the earliest). Records before the first one the consumer hands over are then a hole
    the worker reads back, instead of records skipped while a brand-new group rebalanced."""
    tp = TopicPartition(topic, partition)
    last_error = ""
    for attempt in range(1, attempts + 1):
        consumer = AIOKafkaConsumer(
            bootstrap_servers=config.kafka_bootstrap,
            group_id=config.app_id,  # only asked for its committed offset: this consumer never joins
            enable_auto_commit=False,
            **aiokafka_security(config),
        )
        try:
            await consumer.start()
            try:
                committed = await consumer.committed(tp)
                if committed is not None and committed >= 0:
                    return int(committed)
                return int((await consumer.beginning_offsets([tp]))[tp])
            finally:
                await consumer.stop()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            last_error = f"{exc.__class__.__name__}: {exc}"
        if attempt < attempts:
            await asyncio.sleep(backoff_s * 2 ** (attempt - 1))
    raise GapFetchError(
        f"partition {partition}: the start offset of {topic} for group {config.app_id} could not be read "
        f"after {attempts} attempts (last: {last_error}); stopping rather than guess it"
    )
