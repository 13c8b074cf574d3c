"""The worker's batch path: batches of mentions per partition through the shared engine (the
handler; streams/worker/install.py puts it on the Faust app, streams/worker/partitions.py keeps the
engines and their tables).

The mentions topic's records come in through a BatchIntake (streams/kafka/intake.py), not a Faust
agent: Faust's per-record stream machinery cost more CPU than the models.

Each Kafka partition is one event-time clock domain with its own Engine; entity state and
the domain's clock are written to changelogged tables once a second (not per mention or batch),
in the partition the mentions came from, so a restarted or rebalanced worker resumes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from faust.types import TP

from firestorm.models.engine import ClosedWindow, Engine
from firestorm.models.pipeline import DEAD_LETTER, MentionProcessor, Processed
from firestorm.models.records import DecodeError
from firestorm.models.timeutil import iso_utc
from firestorm.streams.config import Config
from firestorm.streams.kafka import faust_compat
from firestorm.streams.kafka.app import FirestormApp
from firestorm.streams.kafka.dead_letter import PRODUCER_MAX_REQUEST_BYTES, send_dead_letter
from firestorm.streams.kafka.offsets import FetchedRecord, OffsetGuard, fetch_range, start_offset
from firestorm.streams.metrics import Metrics
from firestorm.streams.worker.partitions import PartitionEngines

log = logging.getLogger("firestorm.worker")
# FIRESTORM_LOG_WINDOWS=1: one line per closed window with mentions (an audit trail; tests check counts).
window_log = logging.getLogger("firestorm.windows")
IDLE_LOG_EVERY_S = 600.0  # an idle partition's advance is logged when it starts, then this often


def trace_headers(produced_s: float | None, fetched: float, taken_s: float) -> list[tuple[str, bytes]]:
    """An alert record's headers saying when, in wall-clock seconds, the mention whose arrival
    closed its window was produced (its Kafka timestamp, when known) and handed over by the
    consumer (`fetched`: its time.monotonic() stamp), its batch was taken, and the alert was sent:
    the latency probe (bench/throughput/latency.py) splits an alert's latency into these steps."""
    now, wall = time.monotonic(), time.time()
    stamps = [("fetched", wall - now + fetched), ("taken", taken_s), ("sent", wall)]
    if produced_s is not None:
        stamps.insert(0, ("produced", produced_s))
    return [(f"firestorm-{name}", f"{at:.6f}".encode()) for name, at in stamps]


class RecordRef:
    """Where a mention came from, kept by the engine if it holds the mention (models/engine.py
    Held) so that it can be dead-lettered later, untouched; serialized only then."""

    __slots__ = ("key", "offset", "partition", "raw", "topic")

    def __init__(self, topic: str, partition: int, offset: int, key: bytes | None, raw: bytes) -> None:
        self.topic, self.partition, self.offset, self.key, self.raw = topic, partition, offset, key, raw

    def to_json(self) -> dict[str, Any]:
        key = None if self.key is None else base64.b64encode(self.key).decode("ascii")
        raw = base64.b64encode(self.raw).decode("ascii")
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset, "key": key, "raw": raw}

    @classmethod
    def of(cls, ref: Any) -> RecordRef:
        """The ref as given, or as read back from a changelogged state."""
        if isinstance(ref, RecordRef):
            return ref
        key = None if ref["key"] is None else base64.b64decode(ref["key"])
        return cls(str(ref["topic"]), int(ref["partition"]), int(ref["offset"]), key, base64.b64decode(ref["raw"]))


class BatchHandler:
    """Processes one batch of records of the mentions topic (Faust Messages): decode, score,
    window, detect, emit, persist."""

    def __init__(self, fapp: FirestormApp, engines: PartitionEngines, metrics: Metrics, config: Config) -> None:
        self.fapp = fapp
        self.engines = engines
        self.metrics = metrics
        self.config = config
        self.processor = MentionProcessor(config.scorer())
        self.log_windows = False
        # Where a partition with no state starts (asks the broker; tests on fakes give their own).
        self.first_offset: Callable[[Config, str, int], Awaitable[int]] = start_offset
        self._suspects: dict[int, int] = {}  # partition -> read offset seen at the last idle check
        # Partitions processed since their state was last written, and the engines' epoch then.
        self._unstored: set[int] = set()
        self._unstored_epoch = 0
        self._busy = asyncio.Lock()  # a batch and an idle check never touch the engines at once
        self.last_batch_at = time.monotonic()
        # partition -> (time.monotonic() of its last record, its engine's clock then): the idle advance
        self._last_record: dict[int, tuple[float, int | None]] = {}
        self._idle_logged: dict[int, float] = {}  # partition -> when its idle advance was last logged
        self._taken_s = time.time()  # wall-clock time the batch being judged was taken (trace_headers)

    async def judge_and_store(self, messages: Sequence[Any]) -> list[Awaitable[Any]]:
        """Judge a batch and write its state; returns the broker acknowledgements of that state,
        which must all resolve before the batch is acked. The next batch may be processed
        meanwhile: its state goes to the same partitions after this one's, and its offsets are
        acked after these."""
        await self.judge(messages)
        pending = await self.store()
        assert pending is not None  # nothing can clear the engines between the two (one task)
        return pending

    async def judge(self, messages: Sequence[Any]) -> None:
        """Judge a batch (its mentions through the engines) without writing its state: its alerts
        and dead letters are on the broker when this returns, its state is written by the next
        `store()`. Until then the batch must not be acked."""
        async with self._busy:
            self._taken_s = time.time()  # the batch is taken from the intake, its judging starts (trace_headers)
            if not self._unstored:
                self._unstored_epoch = self.engines.epoch
            await self._judge_partitions(messages)
        self.last_batch_at = time.monotonic()

    @property
    def unstored(self) -> bool:
        """Some processed batch has state not written yet."""
        return bool(self._unstored)

    async def store(self) -> list[Awaitable[Any]] | None:
        """Write the state of every partition processed since the last store; returns the broker
        acknowledgements to await before the batches processed since then are acked, or None
        when a rebalance dropped the engines meanwhile: that state is gone, those batches must
        never be acked (their records are read again from the committed offsets)."""
        async with self._busy:
            partitions, self._unstored = self._unstored, set()
            if self.engines.epoch != self._unstored_epoch:
                return None
            pending: list[Awaitable[Any]] = []
            for partition in sorted(partitions):
                pending += await self.engines.persist(partition, self.engines.get(partition))
            return pending

    async def _judge_partitions(self, messages: Sequence[Any]) -> None:
        started = time.perf_counter()
        by_partition: dict[int, list[Any]] = {}
        for message in messages:
            by_partition.setdefault(message.partition, []).append(message)
        assigned = self._assigned()
        for partition, batch in by_partition.items():
            if assigned is not None and batch[0].tp not in assigned:
                # Fetched before a rebalance that gave the partition away: its new owner reads
                # these records again from the committed offset; writing state here would race it.
                self.metrics.stale_records.inc(len(batch))
                continue
            await self._judge_partition(partition, batch)
            self._unstored.add(partition)
        self.metrics.batch_seconds.observe(time.perf_counter() - started)

    def _assigned(self) -> set[Any] | None:
        try:
            return set(self.fapp.app.consumer.assignment())
        except Exception:  # no consumer yet (tests drive the handler directly): take everything
            return None

    async def _judge_partition(self, partition: int, batch: list[Any]) -> None:
        engine = self.engines.get(partition)
        guard = await self._guard(partition)
        sent: list[Any] = []
        done: list[Processed] = []
        for message in batch:
            verdict = guard.check(message.offset)
            if verdict.skip and not guard.reset_if_beyond(self._log_end(message.tp)):
                self.metrics.redelivered.inc()  # the state already counts it
                continue
            if verdict.gap_start is not None:
                await self._fill_gap(engine, partition, message.topic, verdict.gap_start, message.offset, sent, done)
            raw = message.value if isinstance(message.value, bytes) else bytes(message.value or b"")
            # The intake stamps time_in (time.monotonic) when the consumer hands the record over.
            arrived = getattr(message, "time_in", None) or time.monotonic()
            await self._judge_record(engine, partition, message, raw, arrived, sent, done)
            guard.accept(message.offset)
        self._last_record[partition] = (time.monotonic(), engine.clock_ms)
        self._idle_logged.pop(partition, None)
        await self._emitted(partition, engine, sent, done)

    async def _guard(self, partition: int) -> OffsetGuard:
        """The partition's offset guard; one whose state was never written starts at the group's
        committed offset or the log's first offset (streams/kafka/offsets.py start_offset), so records a
        brand-new group skipped while it rebalanced are a hole read back, not lost."""
        guard = self.engines.guard(partition)
        if guard.next_offset is None:
            guard.next_offset = await self.first_offset(self.config, self.config.mentions_topic, partition)
            log.info("partition %d: no state yet, starting at offset %d", partition, guard.next_offset)
        return guard

    async def _emitted(self, partition: int, engine: Engine, sent: list[Any], done: list[Processed]) -> None:
        """Count what was processed and wait for the broker to have the alerts and dead letters:
        the state that says their windows are judged may only be written after them."""
        self.metrics.record_batch(done)
        self.metrics.record_dormant(engine.take_dormant())
        self.metrics.set_watermark(f"partition-{partition}", engine.watermark_ms)
        if sent:
            await asyncio.gather(*sent)

    async def check_idle(self) -> None:
        """Nothing arrived for a while: records the consumer read but never handed over (the last
        ones of a partition, with no later record to reveal the hole) are read back from the broker.

        A partition qualifies when the consumer's read offset stands at or past the offset its
        state expects at two checks in a row (a seek about to re-read a record moves it back).
        """
        async with self._busy:
            await self._check_idle()

    async def _check_idle(self) -> None:
        consumer = self.fapp.app.consumer
        assigned = self._assigned() or set()
        read_offsets = faust_compat.read_offsets(consumer)
        suspects: dict[int, int] = {}
        for tp in assigned:
            if tp.topic != self.config.mentions_topic:
                continue
            read = read_offsets.get(tp)
            if read is None:
                continue
            expected = (await self._guard(tp.partition)).next_offset
            if read is not None and expected is not None and read >= expected:
                suspects[tp.partition] = read
        for partition, read in suspects.items():
            log_end = self._log_end(TP(self.config.mentions_topic, partition))
            if self._suspects.get(partition) == read and log_end is not None:
                # After a seek the read offset names the next record to read, which may not exist yet.
                await self._repair_tail(partition, min(read + 1, log_end))
        self._suspects = suspects

    async def _repair_tail(self, partition: int, end: int) -> None:
        engine = self.engines.get(partition)
        start = self.engines.guard(partition).next_offset
        if start is None or start >= end:
            return
        sent: list[Any] = []
        done: list[Processed] = []
        await self._fill_gap(engine, partition, self.config.mentions_topic, start, end, sent, done)
        await self._emitted(partition, engine, sent, done)
        await asyncio.gather(*await self.engines.persist(partition, engine))

    def _log_end(self, tp: Any) -> int | None:
        try:
            end = self.fapp.app.consumer.highwater(tp)
        except Exception:
            return None
        return int(end) if end is not None else None

    async def _fill_gap(
        self,
        engine: Engine,
        partition: int,
        topic: str,
        start: int,
        end: int,
        sent: list[Any],
        done: list[Processed],
    ) -> None:
        """Process the records [start, end) that the consumer skipped, read from the broker."""
        records = await fetch_range(self.config, topic, partition, start, end)
        log.warning(
            "partition %d: offsets %d-%d never reached the worker; read %d of them from the broker",
            partition,
            start,
            end - 1,
            len(records),
        )
        guard = self.engines.guard(partition)
        for record in records:
            await self._judge_record(engine, partition, record, record.value, time.monotonic(), sent, done)
            guard.accept(record.offset)
        self.metrics.gap_filled.inc(len(records))
        self.metrics.gap_missing.inc(end - start - len(records))
        # Those offsets are now in the state: let Faust's commits pass them (they were never acked).
        if records:
            with contextlib.suppress(Exception):
                await faust_compat.add_gap(self.fapp.app.consumer, TP(topic, partition), start, end - 1)

    async def _judge_record(
        self,
        engine: Engine,
        partition: int,
        message: Any | FetchedRecord,
        raw: bytes,
        arrived: float,
        sent: list[Any],
        done: list[Processed],
    ) -> None:
        ref = RecordRef(message.topic, message.partition, message.offset, message.key, raw)
        processed = self.processor.process(engine, raw, ref)
        done.append(processed)
        if processed.outcome == DEAD_LETTER and processed.error is not None:
            # Awaited with the alerts before the state: a crash must not lose a dead letter behind the ack.
            sent.append(self._send_dead_letter(message.key, raw, processed.error, message))
        await self._dead_letter_released(processed.released, sent)
        if processed.closed:
            produced = getattr(message, "timestamp", None)  # a Faust message's Kafka timestamp, in seconds
            produced_s = float(produced) if isinstance(produced, int | float) else None
            await self._send_alerts(processed.closed, partition, arrived, sent, produced_s)

    async def _send_alerts(
        self,
        closed: Sequence[ClosedWindow],
        partition: int,
        arrived: float,
        sent: list[Any],
        produced_s: float | None = None,
    ) -> None:
        """Log the closed windows (FIRESTORM_LOG_WINDOWS) and send their alerts, by a batch or by the
        idle advance alike. The alerts must reach the broker before the state that says their
        windows are judged: the caller awaits `sent` before it persists."""
        for window in closed:
            if self.log_windows and window.window.count:
                w = window.window
                window_log.info("window %s %d %d partition %d", w.entity, w.start_ms, w.count, partition)
            if window.alert is not None:
                alert = window.alert
                log.info("alert %s", alert.timeline_line())
                headers = trace_headers(produced_s, arrived, self._taken_s)
                sent.append(
                    await self.fapp.alerts.send(key=alert.entity.encode(), value=alert.to_json(), headers=headers)
                )
                self.metrics.observe_alert_latency(arrived)

    async def _dead_letter_released(self, released: Sequence[Processed], sent: list[Any]) -> None:
        """Held mentions decided as dead letters (future_timestamp): to the dead-letter topic, with
        the record's own bytes and place, acknowledged before the state that no longer holds them."""
        for decided in released:
            if decided.outcome == DEAD_LETTER and decided.error is not None and decided.ref is not None:
                ref = RecordRef.of(decided.ref)
                sent.append(self._send_dead_letter(ref.key, ref.raw, decided.error, ref))

    def _send_dead_letter(self, key: bytes | None, raw: bytes, error: DecodeError, where: Any) -> Awaitable[Any]:
        """The dead letter on its way, cut to fit the producer's request size (streams/kafka/dead_letter.py)."""
        conf = getattr(self.fapp.app, "conf", None)
        limit = getattr(conf, "producer_max_request_size", PRODUCER_MAX_REQUEST_BYTES)
        place = (where.topic, where.partition, where.offset)
        return send_dead_letter(self.fapp.dead_letters, key, raw, error, place, limit, self.metrics.dead_letter_cut)

    def forget(self) -> None:
        """After a rebalance: the idle clocks start again from the restored state."""
        self._last_record.clear()
        self._idle_logged.clear()

    async def advance_idle(self, timeout_s: float, now: float | None = None, now_ms: int | None = None) -> None:
        """Move on the clock of every partition that has had no record for `timeout_s` (wall clock).

        Its event time runs on from its clock at the last record by the wall-clock time elapsed
        since then, never past the wall clock (`now_ms`): the watermark trails it by the lateness,
        windows close (quiet ones as zero counts), incidents can resolve; alerts and state are
        written as for a batch. A partition gets its first idle clock at the first check after it is
        assigned (a restarted worker waits `timeout_s` from then).
        """
        async with self._busy:
            await self._advance_idle(
                timeout_s,
                time.monotonic() if now is None else now,
                int(time.time() * 1000) if now_ms is None else now_ms,
            )

    async def _advance_idle(self, timeout_s: float, now: float, now_ms: int) -> None:
        assigned = self._assigned()
        if assigned is None:  # no consumer (tests drive the handler directly): the partitions it saw
            partitions = sorted(self._last_record)
        elif self._flow_active():
            partitions = sorted(tp.partition for tp in assigned if tp.topic == self.config.mentions_topic)
        else:
            return  # a rebalance or a table recovery is under way: the state is not settled
        for partition in partitions:
            engine = self.engines.get(partition)
            last = self._last_record.get(partition)
            if last is None:
                self._last_record[partition] = (now, engine.clock_ms)
                continue
            at, clock = last
            idle_s = now - at
            if clock is None or idle_s < timeout_s:
                continue
            target = min(clock + int(idle_s * 1000), now_ms)
            if engine.clock_ms is not None and target <= engine.clock_ms:
                continue
            closed = engine.advance_to(target)
            released = self.processor.released(engine)
            self._log_idle(partition, idle_s, target, now)
            sent: list[Any] = []
            arrived = time.monotonic()
            self._taken_s = time.time()
            for window in closed:
                self.metrics.record_window(window)
            await self._send_alerts(closed, partition, arrived, sent)
            for decided in released:
                self.metrics.record_release(decided)
            await self._dead_letter_released(released, sent)
            self.metrics.record_dormant(engine.take_dormant())
            self.metrics.set_watermark(f"partition-{partition}", engine.watermark_ms)
            await asyncio.gather(*sent)
            await asyncio.gather(*await self.engines.persist(partition, engine))

    def _log_idle(self, partition: int, idle_s: float, target: int, now: float) -> None:
        """Once when the partition goes idle, then every IDLE_LOG_EVERY_S (not at every 5 s check)."""
        last = self._idle_logged.get(partition)
        level = logging.INFO if last is None or now - last >= IDLE_LOG_EVERY_S else logging.DEBUG
        if level == logging.INFO:
            self._idle_logged[partition] = now
        log.log(level, "partition %d idle for %.0f s: event time advanced to %s", partition, idle_s, iso_utc(target))

    def _flow_active(self) -> bool:
        app: Any = self.fapp.app
        try:
            return bool(app.consumer.flow_active and app.flow_control.is_active())
        except Exception:
            return False
