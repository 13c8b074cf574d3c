"""The worker's batch task: batches of mentions per partition through the shared engine.

The mentions topic's records come in through a BatchIntake (streams/intake.py), not a Faust
agent: Faust's per-record stream machinery cost more CPU than the models.

Each Kafka partition is one event-time clock domain with its own Engine; entity state and
the domain's clock are written to changelogged tables once per batch (not per mention),
in the partition the mentions came from, so a restarted or rebalanced worker resumes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Sequence
from typing import Any

import orjson

from models.engine import Engine, EngineSettings, EntityState
from models.pipeline import DEAD_LETTER, MentionProcessor, Processed
from models.planned import PlannedCalendar
from models.timeutil import parse_duration_ms
from streams.app import FirestormApp
from streams.config import Config
from streams.control import follow_control_topic, read_planned_events
from streams.dead_letter import dead_letter_record
from streams.intake import BatchIntake
from streams.metrics import Metrics, sample_consumer_lag

log = logging.getLogger("firestorm.worker")
# FIRESTORM_LOG_WINDOWS=1: one line per closed window with mentions (an audit trail; tests check counts).
window_log = logging.getLogger("firestorm.windows")
LAG_SAMPLE_INTERVAL_S = 5.0  # consumer lag sample and liveness heartbeat


class PartitionEngines:
    """One Engine per assigned partition, rebuilt from the tables after a rebalance."""

    def __init__(self, fapp: FirestormApp, settings: EngineSettings, calendar: PlannedCalendar) -> None:
        self.fapp = fapp
        self.settings = settings
        self.calendar = calendar  # shared by every partition's engine, fed by the control topic
        self._engines: dict[int, Engine] = {}

    def clear(self) -> None:
        self._engines.clear()

    def get(self, partition: int) -> Engine:
        engine = self._engines.get(partition)
        if engine is None:
            engine = self._engines[partition] = self._restore(partition)
        return engine

    def _restore(self, partition: int) -> Engine:
        entities: dict[str, EntityState] = {}
        for _key, value in self.fapp.entities.items():
            record = orjson.loads(value)
            if record["p"] == partition:
                state = EntityState.from_dict(record["s"])
                entities[state.entity] = state
        clock = self.fapp.clocks.get(str(partition).encode())
        clock_state = orjson.loads(clock) if clock else {}
        log.info("partition %d: resumed %d entities, clock %s", partition, len(entities), clock_state)
        return Engine(
            self.settings,
            entities=entities,
            clock_ms=clock_state.get("clock_ms"),
            closed_boundary_ms=clock_state.get("closed_boundary_ms"),
            pending_jump=clock_state.get("pending_jump"),
            planned=self.calendar,
        )

    async def persist(self, partition: int, engine: Engine) -> list[Awaitable[Any]]:
        """Write changed entities and the clock to the tables, their changelog records to the
        partition of the mentions they account for. Returns the broker acknowledgements to await
        before the batch's offsets may be committed."""
        acks = [
            await self._write(
                self.fapp.entities,
                entity.encode(),
                orjson.dumps({"p": partition, "s": engine.entities[entity].to_dict()}),
                partition,
            )
            for entity in sorted(engine.take_dirty())
        ]
        acks.append(
            await self._write(self.fapp.clocks, str(partition).encode(), orjson.dumps(engine.clock_state()), partition)
        )
        return acks

    async def _write(self, table: Any, key: bytes, value: bytes, partition: int) -> Awaitable[Any]:
        """`table[key] = value`, with the changelog record handed to the producer directly.

        Faust's Table.__setitem__ takes the changelog partition from the current stream event
        (the worker has none: it takes records in batches) and queues the record in its
        ProducerBuffer, which one task drains a record at a time and whose flush before a commit
        gives up after 100 ms: offsets could then be committed ahead of the state. Here the store
        is updated as __setitem__ does it (the tables are memory stores: no persisted offset to
        keep) and the record goes to the producer at once; the returned future resolves when the
        broker has it. The keys and values are bytes, which is what the tables' raw codec writes.
        """
        table.data[key] = value
        return await self.fapp.app.producer.send(table.changelog_topic_name, key, value, partition, None, None)


class BatchHandler:
    """Processes one batch of records of the mentions topic (Faust Messages): decode, score,
    window, detect, emit, persist."""

    def __init__(self, fapp: FirestormApp, engines: PartitionEngines, metrics: Metrics) -> None:
        self.fapp = fapp
        self.engines = engines
        self.metrics = metrics
        self.processor = MentionProcessor()
        self.log_windows = False

    async def handle(self, messages: Sequence[Any]) -> None:
        started = time.perf_counter()
        by_partition: dict[int, list[Any]] = {}
        for message in messages:
            by_partition.setdefault(message.partition, []).append(message)
        for partition, batch in by_partition.items():
            await self._handle_partition(partition, batch)
        self.metrics.batch_seconds.observe(time.perf_counter() - started)

    async def _handle_partition(self, partition: int, batch: list[Any]) -> None:
        engine = self.engines.get(partition)
        process = self.processor.process
        sent: list[Any] = []
        done: list[Processed] = []
        for message in batch:
            raw = message.value if isinstance(message.value, bytes) else bytes(message.value or b"")
            processed = process(engine, raw)
            done.append(processed)
            if processed.outcome == DEAD_LETTER and processed.error is not None:
                value, headers = dead_letter_record(
                    raw, processed.error, message.topic, message.partition, message.offset
                )
                await self.fapp.dead_letters.send(key=message.key, value=value, headers=headers)
            for closed in processed.closed:
                if self.log_windows and closed.window.count:
                    w = closed.window
                    window_log.info("window %s %d %d partition %d", w.entity, w.start_ms, w.count, partition)
                if closed.alert is not None:
                    alert = closed.alert
                    log.info("alert %s", alert.timeline_line())
                    # The alert must reach the broker before the state that says its window is judged.
                    sent.append(await self.fapp.alerts.send(key=alert.entity.encode(), value=alert.to_json()))
                    # The intake stamps time_in (time.monotonic) when the consumer hands the record over.
                    self.metrics.observe_alert_latency(getattr(message, "time_in", None) or time.monotonic())
        self.metrics.record_batch(done)
        self.metrics.set_watermark(f"partition-{partition}", engine.watermark_ms)
        if sent:
            await asyncio.gather(*sent)
        # The batch is acked (its offsets committable) only once the broker has its state.
        await asyncio.gather(*await self.engines.persist(partition, engine))


def install_agent(fapp: FirestormApp, config: Config, metrics: Metrics) -> BatchHandler:
    """Register the mentions batch task and its intake, the control-topic follower and the
    rebalance hooks on the app."""
    # Planned events from the file and those already on the control topic are known before
    # the first mention is processed; later declarations arrive through follow_control().
    calendar = PlannedCalendar([*config.planned_events(), *read_planned_events(config)])
    engines = PartitionEngines(fapp, config.engine_settings(), calendar)
    batch_size = config.batch_size
    batch_wait_s = parse_duration_ms(config.batch_wait) / 1000

    @fapp.app.task  # type: ignore[untyped-decorator]
    async def follow_control() -> None:
        # Runs until the worker stops (Faust cancels its tasks).
        await follow_control_topic(config, calendar, asyncio.Event())

    handler = BatchHandler(fapp, engines, metrics)
    intake = BatchIntake(fapp.app, fapp.mentions, batch_size, batch_wait_s)
    fapp.app.intakes.append(intake)
    handler.log_windows = bool(config.log_windows)

    def _on_rebalance(sender: Any, /, *args: Any, **kwargs: Any) -> None:
        # Another worker may have changed these partitions' state: rebuild from the tables.
        engines.clear()
        metrics.forget_domains()

    def _on_revoked(sender: Any, /, *args: Any, **kwargs: Any) -> None:
        intake.clear()  # Faust's flow_control.clear() does it too, but only with a non-empty assignment

    def _on_assigned_intake(sender: Any, /, *args: Any, **kwargs: Any) -> None:
        intake.drop_stale()

    def _on_assigned(sender: Any, /, *args: Any, **kwargs: Any) -> None:
        metrics.health.ready = True  # joined the consumer group (possibly with no partition)

    fapp.app.on_partitions_revoked.connect(_on_rebalance)
    fapp.app.on_partitions_assigned.connect(_on_rebalance)
    fapp.app.on_partitions_assigned.connect(_on_assigned)
    fapp.app.on_partitions_revoked.connect(_on_revoked)
    fapp.app.on_partitions_assigned.connect(_on_assigned_intake)

    @fapp.app.timer(interval=LAG_SAMPLE_INTERVAL_S)  # type: ignore[untyped-decorator]
    async def sample_lag() -> None:
        metrics.health.beat()  # /healthz fails when the event loop stops getting here
        try:
            await sample_consumer_lag(fapp.app.consumer, config.mentions_topic, metrics)
        except Exception:  # a sample is best effort: never let it stop the worker
            log.debug("consumer lag sample failed", exc_info=True)

    @fapp.app.task  # type: ignore[untyped-decorator]
    async def process_mentions() -> None:
        # Runs once the tables are recovered, until the worker stops (Faust cancels its tasks;
        # stopping waits for the batch in hand to be acked, as it waits for agents' events).
        try:
            while True:
                batch = await intake.take()
                await handler.handle(batch)
                intake.ack(batch)  # state and alerts are on the broker: the offsets may be committed
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The batch is not acked: its offsets are never committed. Stop the worker rather than
            # go on past a hole; a restarted worker resumes from the last committed offsets.
            log.exception("processing a batch of mentions failed; stopping the worker")
            await fapp.app.crash(exc)

    return handler
