"""Offset continuity per partition: the state knows which records it already counts.

Faust can drop a record it fetched while it suspends the flow (a rebalance, a table recovery)
and later commit offsets past it: that mention would be lost. The worker therefore keeps, with
each partition's state and in the same changelogged batch, the next offset that state expects.

- A record below it was already counted (redelivered after a crash, between the state write and
  the offset commit, or refetched after a rebalance): it is skipped, so counts are not doubled.
- A record above it means a hole: the missing records are read straight from the broker
  (`fetch_range`) and processed first, in order, so nothing is lost.

The decision is pure (`OffsetGuard`); only `fetch_range` talks to Kafka.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.config import Config
from streams.kafka_security import aiokafka_security

log = logging.getLogger("firestorm.offsets")

FETCH_TIMEOUT_S = 30.0


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


async def fetch_range(
    config: Config, topic: str, partition: int, start: int, end: int, timeout_s: float = FETCH_TIMEOUT_S
) -> list[FetchedRecord]:
    """Records of `topic`/`partition` with start <= offset < end, straight from the broker.

    Fewer come back when some no longer exist (retention) or never were records (transaction
    markers); the caller counts the difference. Gives up after `timeout_s`.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=config.kafka_bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **aiokafka_security(config),
    )
    tp = TopicPartition(topic, partition)
    found: list[FetchedRecord] = []
    await consumer.start()
    try:
        consumer.assign([tp])
        consumer.seek(tp, start)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if await consumer.position(tp) >= end:
                break
            batches: dict[Any, list[Any]] = await consumer.getmany(tp, timeout_ms=500, max_records=10_000)
            for record in batches.get(tp, []):
                if start <= record.offset < end:
                    found.append(
                        FetchedRecord(record.topic, record.partition, record.offset, record.key, record.value or b"")
                    )
        else:
            log.error("partition %d: gave up reading offsets %d-%d after %.0f s", partition, start, end - 1, timeout_s)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("partition %d: could not read offsets %d-%d", partition, start, end - 1)
    finally:
        await consumer.stop()
    return found
