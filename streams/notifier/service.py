"""`firestorm notifier`: the alerts topic (the durable outbox) in, pages out.

At-least-once: an alert event's offset is committed only once every sink it was routed to has
accepted it, or it has been written to the notifier dead-letter topic. A notifier killed at
any moment reads the uncommitted events again and sends them again; PagerDuty folds a repeated
trigger into the open alert with the same dedup_key (the incident id), so no second incident.
Offsets are committed per partition up to the first event not yet final, so a stuck incident
holds back the commit point (not the delivery of others).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped,unused-ignore]
from aiokafka.abc import ConsumerRebalanceListener  # type: ignore[import-untyped,unused-ignore]

from firestorm.models.alerts import Alert, BadAlert, decode_alert
from firestorm.streams.config import Config
from firestorm.streams.notifier.dead_letter import REASON_HEADER, dead_letter_value
from firestorm.streams.notifier.delivery import Dispatcher, Job, Result
from firestorm.streams.notifier.ledger import DEAD, DeliveryLedger, entry
from firestorm.streams.notifier.metrics import NotifierMetrics
from firestorm.streams.notifier.paging import Paging
from firestorm.streams.notifier.secrets import redact
from firestorm.streams.notifier.sinks import build_sinks, jobs_for

log = logging.getLogger("firestorm.notifier")

COMMIT_DEBOUNCE_S = 0.05
POLL_TIMEOUT_MS = 200
POLL_MAX_RECORDS = 500


class OffsetTracker:
    """Per partition, the offsets handed out and which are final; the commit point of a
    partition is its first offset that is not final (or one past the last, when all are)."""

    def __init__(self) -> None:
        self._offsets: dict[Hashable, dict[int, bool]] = {}
        self._committed: dict[Hashable, int] = {}

    def add(self, tp: Hashable, offset: int) -> None:
        self._offsets.setdefault(tp, {})[offset] = False
        self._committed.setdefault(tp, offset)  # where this partition started: nothing to commit yet

    def done(self, tp: Hashable, offset: int) -> None:
        offsets = self._offsets.get(tp)
        if offsets is not None and offset in offsets:
            offsets[offset] = True

    def pending(self) -> int:
        return sum(1 for offsets in self._offsets.values() for final in offsets.values() if not final)

    def positions(self) -> dict[Hashable, int]:
        """Commit points that moved since the last `committed()`."""
        out: dict[Hashable, int] = {}
        for tp, offsets in self._offsets.items():
            position = None
            while offsets:
                first = next(iter(offsets))
                if not offsets[first]:
                    position = first
                    break
                del offsets[first]
                position = first + 1
            if position is not None and position > self._committed.get(tp, -1):
                out[tp] = position
        return out

    def committed(self, positions: dict[Hashable, int]) -> None:
        for tp, position in positions.items():
            self._committed[tp] = max(position, self._committed.get(tp, -1))

    def committed_positions(self) -> dict[Hashable, int]:
        return dict(self._committed)

    def forget(self, tps: Iterable[Hashable]) -> None:
        for tp in tps:
            self._offsets.pop(tp, None)
            self._committed.pop(tp, None)


@dataclass(slots=True)
class _Pending:
    tp: Any
    record: Any
    alert: Alert
    remaining: int
    failures: list[tuple[Job, Result]]


class NotifierService:
    """Consumes the alerts topic with aiokafka and runs each alert through routing and delivery."""

    def __init__(
        self,
        config: Config,
        paging: Paging,
        metrics: NotifierMetrics | None = None,
        ledger: DeliveryLedger | None = None,
    ) -> None:
        self.config = config
        self.ledger = ledger if ledger is not None else DeliveryLedger(None)
        self.paging = paging
        self.metrics = metrics or NotifierMetrics()
        self.router = paging.router()
        self.tracker = OffsetTracker()
        self.dispatcher = Dispatcher(paging.notify.delivery, self.metrics)
        self._secrets = paging.secrets()
        self._commit_wanted = asyncio.Event()
        self._consumer: Any = None
        self._producer: Any = None
        self._sinks: dict[str, Any] = {}
        self._paused = False
        self._stop = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        config = self.config
        session_ms = max(6000, int(parse_s(config.session_timeout) * 1000))
        from firestorm.streams.kafka.security import aiokafka_security

        security = aiokafka_security(config)
        self._producer = AIOKafkaProducer(
            bootstrap_servers=config.kafka_bootstrap,
            client_id=f"{config.notifier_group_id}-dlq",
            acks="all",
            **security,
        )
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=config.kafka_bootstrap,
            **security,
            group_id=config.notifier_group_id,
            client_id=config.notifier_group_id,
            enable_auto_commit=False,
            auto_offset_reset=config.notifier_offset_reset,
            session_timeout_ms=session_ms,
            heartbeat_interval_ms=max(500, session_ms // 4),
        )
        self._consumer.subscribe([config.alerts_topic], listener=_Listener(self))
        async with aiohttp.ClientSession(headers={"User-Agent": "firestorm-notifier"}) as session:
            paging = self.paging
            self._sinks = dict(build_sinks(paging.notify, paging.pagerduty_url, paging.keys, paging.hooks, session))
            try:
                self.ledger.open()
                await self._producer.start()
                await self._consumer.start()
                log.info(
                    "notifier: reading %s as group %s; %s; dead letters to %s",
                    config.alerts_topic,
                    config.notifier_group_id,
                    self.paging.describe(),
                    config.notifier_dead_letter_topic,
                )
                committer = asyncio.create_task(self._commit_loop(), name="commit offsets")
                try:
                    await self._consume(stop)
                finally:
                    await self._shutdown(committer)
            finally:
                await self._consumer.stop()
                await self._producer.stop()
                self.ledger.compact(self.tracker.committed_positions(), force=True)
                self.ledger.close()

    async def _consume(self, stop: asyncio.Event) -> None:
        max_pending = self.paging.notify.delivery.max_pending
        while not stop.is_set():
            pending = self.tracker.pending()
            if not self._paused and pending >= max_pending:
                self._consumer.pause(*self._consumer.assignment())
                self._paused = True
                log.warning("%d alert events waiting for delivery: pausing the alerts topic", pending)
            elif self._paused and pending < max_pending // 2:
                self._consumer.resume(*self._consumer.assignment())
                self._paused = False
                log.info("delivery caught up: resuming the alerts topic")
            batch = await self._consumer.getmany(timeout_ms=POLL_TIMEOUT_MS, max_records=POLL_MAX_RECORDS)
            for tp, records in batch.items():
                for record in records:
                    await self._handle(tp, record)

    async def _shutdown(self, committer: asyncio.Task[None]) -> None:
        grace = self.paging.notify.delivery.drain_timeout_s
        if self.dispatcher.pending:
            log.info("stopping: %d events in delivery, waiting up to %.0fs", self.dispatcher.pending, grace)
            if not await self.dispatcher.drain(grace):
                log.warning(
                    "stopping with %d events undelivered: they are redelivered on restart", self.dispatcher.pending
                )
        await self.dispatcher.close()
        committer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await committer
        await self._commit()

    async def _handle(self, tp: Any, record: Any) -> None:
        self.metrics.consumed.inc()
        self.tracker.add(tp, record.offset)
        if entry(record, DEAD) in self.ledger:
            log.info("%s[%d]@%d was dead-lettered before a restart", record.topic, record.partition, record.offset)
            self._final(tp, record.offset)
            return
        try:
            alert = decode_alert(record.value)
        except BadAlert as exc:
            log.error("%s[%d]@%d is not an alert event: %s", record.topic, record.partition, record.offset, exc)
            self.metrics.failed.labels("notifier", "bad_alert").inc()
            if await self._dead_letter("bad_alert", record, dead_letter_value("bad_alert", record, None, [], str(exc))):
                self._final(tp, record.offset)
            return
        decision = self.router.decide(alert)
        done_before = [r for r in decision.routes if self._delivered_key(record, r.sink, r.destination) in self.ledger]
        for route in done_before:  # delivered before a restart, not committed then: not again
            decision.routes.remove(route)
            decision.skipped.append((route.sink, "already_delivered"))
            log.info(
                "%s %s -> %s/%s: delivered before a restart, not sent again",
                alert.status,
                alert.incident_id,
                route.sink,
                route.destination,
            )
        for sink, reason in decision.skipped:
            self.metrics.skipped.labels(sink, reason).inc()
            log.debug("%s %s: not for %s (%s)", alert.status, alert.incident_id, sink, reason)
        pending = _Pending(tp, record, alert, len(decision.routes), [])
        jobs = jobs_for(alert, decision, self._sinks, on_done=lambda job, result: self._job_done(pending, job, result))
        if not jobs:
            self._final(tp, record.offset)
            return
        for job in jobs:
            self.dispatcher.submit(job)

    @staticmethod
    def _delivered_key(record: Any, sink: str, destination: str) -> str:
        return entry(record, f"{sink}/{destination}")

    async def _job_done(self, pending: _Pending, job: Job, result: Result) -> None:
        if result.ok:
            self.ledger.add(self._delivered_key(pending.record, job.sink.name, job.destination))
        else:
            pending.failures.append((job, result))
        pending.remaining -= 1
        if pending.remaining:
            return
        if pending.failures:
            reason = pending.failures[0][1].reason
            envelope = dead_letter_value(reason, pending.record, pending.alert, pending.failures)
            if not await self._dead_letter(reason, pending.record, envelope):
                return
        self._final(pending.tp, pending.record.offset)

    def _final(self, tp: Any, offset: int) -> None:
        self.tracker.done(tp, offset)
        self._commit_wanted.set()

    async def _dead_letter(self, reason: str, record: Any, envelope: bytes) -> bool:
        """Write the `envelope` of `record` (`dead_letter_value`, secrets redacted here), retrying
        until the broker takes it (the offset waits for it) or the notifier stops (False: the alert
        is read again on restart)."""
        value = redact(envelope.decode(), self._secrets).encode()
        topic = self.config.notifier_dead_letter_topic
        backoff = self.dispatcher.backoff
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._producer.send_and_wait(
                    topic, value=value, key=record.key, headers=[(REASON_HEADER, reason.encode())]
                )
                break
            except Exception as exc:
                delay = backoff.delay(attempt, self.dispatcher.rng)
                log.warning("dead letter to %s failed (%s), retrying in %.1fs", topic, type(exc).__name__, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=delay)
                if self._stop.is_set():
                    return False
        self.ledger.add(entry(record, DEAD))
        self.metrics.dead_letters.labels(reason).inc()
        log.warning("dead-lettered %s[%d]@%d (%s) to %s", record.topic, record.partition, record.offset, reason, topic)
        return True

    async def _commit_loop(self) -> None:
        while True:
            await self._commit_wanted.wait()
            self._commit_wanted.clear()
            await self._commit()
            await asyncio.sleep(COMMIT_DEBOUNCE_S)

    async def _commit(self) -> None:
        positions = self.tracker.positions()
        if not positions or self._consumer is None:
            return
        try:
            await self._consumer.commit(dict(positions))
        except Exception as exc:  # a rebalance in progress: the next commit carries it
            log.warning("offset commit failed (%s); retrying with the next one", type(exc).__name__)
            self._commit_wanted.set()
            return
        self.tracker.committed(positions)
        self.ledger.compact(self.tracker.committed_positions())
        for tp, position in positions.items():
            self.metrics.committed.labels(str(getattr(tp, "partition", tp))).set(position)

    async def on_revoked(self, revoked: Iterable[Any]) -> None:
        revoked = list(revoked)
        await self._commit()
        self.tracker.forget(revoked)


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc,unused-ignore]
    """aiokafka rebalance listener: commit what is final before partitions move away."""

    def __init__(self, service: NotifierService) -> None:
        self.service = service

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.service.on_revoked(revoked)

    async def on_partitions_assigned(self, assigned: Any) -> None:
        if self.service._paused and assigned:
            self.service._consumer.pause(*assigned)  # still catching up: new partitions wait too
        log.info("assigned %s", ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(assigned)) or "nothing")


def parse_s(text: str) -> float:
    from firestorm.models.timeutil import parse_duration_ms

    return parse_duration_ms(text) / 1000


def ensure_notifier_topics(config: Config, timeout_s: float = 30.0) -> list[str]:
    """Create the alerts topic and the notifier dead-letter topic if they are missing."""
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    from firestorm.streams.kafka.topics import TOPIC_CONFIG, admin_client, topic_config, with_replication

    admin = admin_client(config, f"{config.notifier_group_id}-admin", timeout_s)
    created: list[str] = []
    try:
        config = with_replication(config, admin)
        existing = set(admin.list_topics())
        for name in (config.alerts_topic, config.notifier_dead_letter_topic):
            if name in existing:
                continue
            try:
                admin.create_topics(
                    [
                        NewTopic(
                            name,
                            config.partitions,
                            config.replication_factor,
                            topic_configs=topic_config(config, TOPIC_CONFIG),
                        )
                    ],
                    timeout_ms=int(timeout_s * 1000),
                )
                created.append(name)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()
    return created


def ledger_path(config: Config) -> Path:
    """Where the notifier keeps its delivery ledger: in FIRESTORM_DATA_DIR, one file per group."""
    return Path(config.data_dir) / f"{config.notifier_group_id}.delivered"


async def run_notifier(config: Config, paging: Paging, metrics: NotifierMetrics, stop: asyncio.Event) -> None:
    started = time.monotonic()
    service = NotifierService(config, paging, metrics, DeliveryLedger(ledger_path(config)))
    await service.run(stop)
    log.info("notifier stopped after %.0fs", time.monotonic() - started)


def serve(config: Config, paging: Paging, metrics: NotifierMetrics) -> None:
    """Run until SIGTERM or SIGINT; then finish what is in flight (briefly) and commit."""
    import signal

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_notifier(config, paging, metrics, stop)

    asyncio.run(main())
