"""The worker on the Faust app: the mentions batch task and its intake, the state writes and acks, the
idle check and idle advance timers, the control-topic follower and the rebalance hooks
(`install_worker`; the batch path itself is streams/worker/service.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import Any

from firestorm.models.planned import PlannedCalendar
from firestorm.models.timeutil import parse_duration_ms
from firestorm.streams.config import Config
from firestorm.streams.heap import settle_heap
from firestorm.streams.kafka.app import FirestormApp
from firestorm.streams.kafka.intake import BatchIntake
from firestorm.streams.kafka.offsets import GapFetchError
from firestorm.streams.metrics import Metrics
from firestorm.streams.metrics_collectors import sample_consumer_lag
from firestorm.streams.worker.control import follow_control_topic, read_planned_events
from firestorm.streams.worker.partitions import PartitionEngines
from firestorm.streams.worker.service import BatchHandler

log = logging.getLogger("firestorm.worker")
LAG_SAMPLE_INTERVAL_S = 5.0  # consumer lag sample and liveness heartbeat
IDLE_CHECK_S = 5.0  # with no record for this long, look for records read but never processed
# One state write covers the batches of up to this long, backlog or not (Faust commits offsets
# every second: writing the state more often than that lets no offset be committed sooner). A
# write serialises every entity the batches changed, in full: a busy entity's open window is
# written again at every write (about 0.1-0.8 ms each). Written every 0.2 s without a backlog, as
# before, the writes themselves built a backlog at half the worker's rate and took as much of its
# CPU as judging the mentions (bench/RESULTS.md, 2026-12-08).
# Alerts never wait for it: they are on the broker before the batch that raised them ends.
STORE_INTERVAL_S = 1.0


def install_worker(fapp: FirestormApp, config: Config, metrics: Metrics) -> BatchHandler:
    """Register the mentions batch task and its intake, the idle check, the control-topic
    follower and the rebalance hooks on the app."""
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

    handler = BatchHandler(fapp, engines, metrics, config)
    handler.log_windows = bool(config.log_windows)
    intake = BatchIntake(fapp.app, fapp.mentions, batch_size, batch_wait_s)
    fapp.app.intakes.append(intake)

    def _on_rebalance(sender: Any, /, *args: Any, **kwargs: Any) -> None:
        # Another worker may have changed these partitions' state: rebuild from the tables.
        engines.clear()
        handler.forget()
        metrics.forget_domains()

    def _on_revoked(sender: Any, /, *args: Any, **kwargs: Any) -> None:
        intake.clear()  # Faust's flow_control.clear() does it too, but only with a non-empty assignment

    def _on_assigned(sender: Any, /, *args: Any, **kwargs: Any) -> None:
        intake.drop_stale()
        metrics.health.ready = True  # joined the consumer group (possibly with no partition)

    fapp.app.on_partitions_revoked.connect(_on_rebalance)
    fapp.app.on_partitions_revoked.connect(_on_revoked)
    fapp.app.on_partitions_assigned.connect(_on_rebalance)
    fapp.app.on_partitions_assigned.connect(_on_assigned)

    @fapp.app.timer(interval=LAG_SAMPLE_INTERVAL_S)  # type: ignore[untyped-decorator]
    async def sample_lag() -> None:
        metrics.health.beat()  # /healthz fails when the event loop stops getting here
        try:
            await sample_consumer_lag(fapp.app.consumer, config.mentions_topic, metrics)
        except Exception:  # a sample is best effort: never let it stop the worker
            log.debug("consumer lag sample failed", exc_info=True)

    @fapp.app.timer(interval=IDLE_CHECK_S)  # type: ignore[untyped-decorator]
    async def check_idle() -> None:
        if time.monotonic() - handler.last_batch_at >= IDLE_CHECK_S:
            try:
                await handler.check_idle()
            except GapFetchError as exc:
                await crash(exc)

    idle_timeout_s = config.idle_timeout_s
    if idle_timeout_s > 0:

        @fapp.app.timer(interval=min(IDLE_CHECK_S, max(0.5, idle_timeout_s / 4)))  # type: ignore[untyped-decorator]
        async def advance_idle_partitions() -> None:
            await handler.advance_idle(idle_timeout_s)

    @fapp.app.task  # type: ignore[untyped-decorator]
    async def process_mentions() -> None:
        # Runs until the worker stops (Faust cancels its tasks); `take` waits while the flow is
        # suspended (rebalance, table recovery).
        # A batch's state is written after it once the last write is STORE_INTERVAL_S old;
        # until then one write covers several batches, none of them acked before it, and it is
        # made when that time comes even if no batch follows. The write's acknowledgements are awaited while
        # the next batch is processed (at most one write in flight), then the batches it covers
        # are acked, in order.
        settle_heap()
        in_flight: asyncio.Future[bool] | None = None
        unstored: list[list[Any]] = []  # batches processed whose state is not written yet
        stored_at = time.monotonic()
        taking: asyncio.Future[list[Any]] | None = None
        try:
            while True:
                if unstored:
                    # Never leave processed batches unacked for long: a rebalance waits for them.
                    taking = asyncio.ensure_future(intake.take())
                    due = stored_at + STORE_INTERVAL_S - time.monotonic()
                    await asyncio.wait((taking,), timeout=max(0.0, due))
                    if not taking.done():
                        in_flight = await store(unstored, in_flight)
                        unstored, stored_at = [], time.monotonic()
                        if in_flight is None:
                            return
                    batch = await taking
                    taking = None
                else:
                    batch = await intake.take()
                await handler.judge(batch)
                unstored.append(batch)
                if time.monotonic() - stored_at < STORE_INTERVAL_S:
                    continue
                in_flight = await store(unstored, in_flight)
                unstored, stored_at = [], time.monotonic()
                if in_flight is None:
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await crash(exc)
        finally:
            if taking is not None:
                taking.cancel()

    async def store(batches: list[list[Any]], in_flight: asyncio.Future[bool] | None) -> asyncio.Future[bool] | None:
        """Write the state of `batches` and have them acked once it is on the broker (after the
        previous write's batches); None when the worker is stopping after a failed write."""
        pending = await handler.store()
        if in_flight is not None and not await in_flight:
            return None  # the worker is stopping: nothing after the failed batch is acked
        if pending is None:  # a rebalance dropped their state: they are read again, never acked
            log.info("%d processed batches dropped by a rebalance before their state was written", len(batches))
            dropped: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            dropped.set_result(True)
            return dropped
        return asyncio.ensure_future(ack_when_stored(batches, pending))

    async def ack_when_stored(batches: list[list[Any]], pending: list[Awaitable[Any]]) -> bool:
        try:
            await asyncio.gather(*pending)
        except Exception as exc:
            await crash(exc)
            return False
        for batch in batches:
            intake.ack(batch)  # state and alerts are on the broker: the offsets may be committed
        return True

    async def crash(exc: BaseException) -> None:
        # The batch is not acked: its offsets are never committed. Stop the worker rather than go
        # on past a hole; a restarted worker resumes from the last committed offsets.
        if isinstance(exc, GapFetchError):  # a clear line, not a traceback: the broker could not be read
            log.error("stopping the worker: %s", exc)
        else:
            log.error("processing a batch of mentions failed; stopping the worker", exc_info=exc)
        await fapp.app.crash(exc)

    return handler
