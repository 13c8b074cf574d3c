"""Every use firestorm makes of faust-streaming's and mode's private internals, in one place.

The worker needs a few things Faust keeps private: the consumer's read offsets and gap list,
its drain loop (streams/kafka/intake.py hands records to a batch buffer instead of Faust's streams),
the app's transport factory, a table's in-memory store and changelog topic, and mode's SIGTERM
handler. A minor faust-streaming release may rename or change any of them without notice, so:

- nothing else in firestorm touches them: it goes through the functions and classes here;
- `check()` verifies, when the app is built, that the installed versions still have each of
  them with the shape relied on, and fails with an error naming what is missing and the
  versions tested (tests/streams/kafka/test_faust_compat.py runs it too);
- pyproject.toml pins faust-streaming and mode-streaming to the versions tested.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, cast

import faust
import mode
from faust.tables.base import Collection
from faust.tables.manager import TableManager
from faust.tables.recovery import Recovery
from faust.transport.consumer import CONSUMER_FETCHING, Consumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from faust.utils.tracing import finish_span
from mode import Service
from mode.utils.queues import FlowControlQueue

log = logging.getLogger("firestorm.worker")

TESTED = {"faust-streaming": ("0.15.3",), "mode-streaming": ("0.7.1",)}
EXIT_SHUTDOWN_TIMEOUT = 2


class FaustInternalsError(RuntimeError):
    """The installed faust-streaming (or mode) lacks an internal firestorm relies on."""


@dataclass(frozen=True)
class Internal:
    """One private member firestorm uses: where, what shape, and why."""

    owner: type
    name: str
    kind: str  # "coroutine" (async def with these parameters), "method", "attribute" (annotated)
    params: tuple[str, ...] = ()
    why: str = ""

    def problem(self) -> str | None:
        where = f"{self.owner.__module__}.{self.owner.__qualname__}.{self.name}"
        if self.kind == "attribute":
            annotated = any(self.name in getattr(k, "__annotations__", {}) for k in self.owner.__mro__)
            return None if annotated or hasattr(self.owner, self.name) else f"{where}: attribute gone"
        member = getattr(self.owner, self.name, None)
        if member is None:
            return f"{where}: gone"
        if self.kind == "coroutine" and not inspect.iscoroutinefunction(member):
            return f"{where}: no longer a coroutine function"
        if self.params:
            found = tuple(inspect.signature(member).parameters)
            if found != self.params:
                return f"{where}: parameters are {found}, expected {self.params}"
        return None


INTERNALS = (
    Internal(Consumer, "_drain_messages", "coroutine", ("self", "fetcher"), "overridden by the batch intake"),
    Internal(Consumer, "_read_offset", "attribute", why="read offsets: intake rewinds, worker tail repair"),
    Internal(Consumer, "_add_gap", "coroutine", ("self", "tp", "offset_from", "offset_to"), "gaps read back"),
    Internal(Consumer, "_commit_every", "attribute", why="the drain loop's commit cadence"),
    Internal(Consumer, "_n_acked", "attribute", why="the drain loop's commit cadence"),
    Internal(Consumer, "wait_first", "coroutine", why="the drain loop waits for room or a suspension"),
    Internal(Consumer, "perform_seek", "coroutine", ("self",), "intake: seeks to the committed offsets"),
    Internal(Consumer, "_wait_next_records", "coroutine", ("self", "timeout"), "the intake consumer's getmany"),
    Internal(Consumer, "_to_message", "method", ("self", "tp", "record"), "the intake consumer's getmany"),
    Internal(Consumer, "_buffered_partitions", "attribute", why="the intake consumer's getmany"),
    Internal(Consumer, "scheduler", "attribute", why="the intake consumer's getmany: round-robin over topics"),
    Internal(Service, "_stopped", "attribute", why="the drain loop's stop flag"),
    Internal(faust.App, "_new_transport", "method", ("self",), "the app's consumer is the IntakeConsumer"),
    Internal(Collection, "data", "attribute", why="a table write without the per-event changelog path"),
    Internal(TableManager, "_channels", "attribute", why="changelog records queued without a task per record"),
    Internal(TableManager, "_recovery", "attribute", why="the table manager builds the batch recovery"),
    Internal(Recovery, "_slurp_changelogs", "method", why="a Service.task, overridden: changelog events in batches"),
    Internal(Recovery, "_set_recovery_ended", "method", ("self",), "the batch recovery ends recovery as Faust's"),
    Internal(Recovery, "_active_events_received_at", "attribute", why="the batch recovery's bookkeeping"),
    Internal(Recovery, "_standby_events_received_at", "attribute", why="the batch recovery's bookkeeping"),
    Internal(Recovery, "_actives_span", "attribute", why="the batch recovery's bookkeeping"),
    Internal(Recovery, "_standbys_span", "attribute", why="the batch recovery's bookkeeping"),
    Internal(Recovery, "_last_flush_at", "attribute", why="the batch recovery's bookkeeping"),
    Internal(Recovery, "_processing_times", "attribute", why="the batch recovery's bookkeeping"),
    Internal(Recovery, "_last_active_event_processed_at", "attribute", why="the batch recovery's bookkeeping"),
    Internal(
        AIOKafkaConsumerThread,
        "_create_worker_consumer",
        "method",
        ("self", "transport"),
        "the intake consumer's shorter fetch wait",
    ),
    Internal(mode.Worker, "_on_sigterm", "method", ("self",), "bounded shutdown on SIGTERM"),
    Internal(mode.Worker, "_on_sigint", "method", ("self",), "bounded shutdown on SIGINT"),
)


def installed_versions() -> dict[str, str]:
    found = {}
    for name in TESTED:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def problems() -> list[str]:
    return [p for p in (i.problem() for i in INTERNALS) if p is not None]


def check() -> None:
    """Fail loudly if the installed Faust lacks what firestorm relies on (called by create_app)."""
    found = problems()
    if found:
        installed = ", ".join(f"{k} {v}" for k, v in installed_versions().items())
        tested = ", ".join(f"{k} {' '.join(v)}" for k, v in TESTED.items())
        raise FaustInternalsError(
            f"firestorm relies on Faust internals that the installed {installed} no longer has "
            f"(tested with {tested}; see streams/kafka/faust_compat.py): " + "; ".join(found)
        )


# -- the consumer ------------------------------------------------------------------------------


def worker_consumer(thread: Any, transport: Any, fetch_max_wait_ms: int) -> Any:
    """Faust's worker aiokafka consumer (AIOKafkaConsumerThread._create_worker_consumer, which
    hard-codes fetch_max_wait_ms=1500), not yet started, asking the broker to hold a fetch at most
    `fetch_max_wait_ms`: its fetcher takes the value when the consumer starts."""
    consumer = AIOKafkaConsumerThread._create_worker_consumer(thread, transport)
    if not hasattr(consumer, "_fetch_max_wait_ms"):
        raise FaustInternalsError("aiokafka's consumer no longer has _fetch_max_wait_ms (see faust_compat.py)")
    consumer._fetch_max_wait_ms = fetch_max_wait_ms
    return consumer


def read_offsets(consumer: Any) -> MutableMapping[Any, int | None]:
    """Partition -> offset of the last record the consumer handed over (None: none yet)."""
    return cast(MutableMapping[Any, int | None], consumer._read_offset)


async def add_gap(consumer: Any, tp: Any, first: int, last: int) -> None:
    """Tell the consumer that offsets first..last (inclusive) are done, so commits may pass them."""
    await consumer._add_gap(tp, first, last)


async def getmany(consumer: Any, timeout: float) -> AsyncIterator[tuple[Any, Any]]:  # pragma: no cover
    """Faust's Consumer.getmany (faust-streaming 0.15.3) with each partition's highwater read once
    per fetch instead of once per record (a chain of four calls into the consumer thread's
    aiokafka client per record, for a monitor value only the last one of which is kept)."""
    records, active_partitions = await consumer._wait_next_records(timeout)
    generation_id = consumer.app.consumer_generation_id
    if records is None or consumer.should_stop:
        return
    if not consumer.flow_active:
        consumer.log.dev("getmany called while flow not active. Seek back to committed offsets.")
        try:
            await consumer.perform_seek()
        except Exception as ex:
            consumer.log.warning(f"exception performing seek when flow not active {ex}")
        return
    to_message = consumer._to_message
    app = consumer.app
    buffered = consumer._buffered_partitions
    seen: set[Any] = set()
    try:
        for tp, record in consumer.scheduler.iterate(records):
            if not consumer.flow_active:
                break
            if app.consumer_generation_id != generation_id:
                consumer.log.dev("Generation id changed from %r. Cancelling getmany.", generation_id)
                break
            if active_partitions is None or tp in active_partitions or tp in buffered:
                seen.add(tp)
                yield tp, to_message(tp, record)
    finally:
        track = app.monitor.track_tp_end_offset
        for tp in seen:
            track(tp, consumer.highwater(tp))


async def drain_messages(consumer: Any, fetcher: Any) -> None:  # pragma: no cover - integration tests
    """Faust's Consumer._drain_messages (faust-streaming 0.15.3) with the batch intake branch
    added: a record of a topic with an intake goes to `consumer.take_in` (streams/kafka/intake.py),
    and a table's changelog record straight to the recovery's queue when it has room
    (`queue_changelog`)."""
    callback = consumer.callback
    getmany = consumer.getmany
    consumer_should_stop = consumer._stopped.is_set
    fetcher_should_stop = fetcher._stopped.is_set
    offsets = read_offsets(consumer)
    get_read_offset = offsets.__getitem__
    set_read_offset = offsets.__setitem__
    flag_consumer_fetching = CONSUMER_FETCHING
    set_flag = consumer.diag.set_flag
    unset_flag = consumer.diag.unset_flag
    commit_every = consumer._commit_every
    acks_enabled_for = consumer.app.topics.acks_enabled_for
    intakes = consumer.intakes
    yield_every = 100
    num_since_yield = 0
    sleep = asyncio.sleep
    wait_first = cast(Callable[..., Awaitable[Any]], consumer.wait_first)
    try:
        while not (consumer_should_stop() or fetcher_should_stop()):
            set_flag(flag_consumer_fetching)
            if consumer.has_refused() and consumer.steady():
                await consumer.rewind_refused()
            fetched_in = consumer.seeks
            changelogs = changelog_channels(consumer.app)
            ait = getmany(timeout=1.0)
            await consumer.sleep(0)
            if not consumer.should_stop:
                async for tp, message in ait:
                    num_since_yield += 1
                    if num_since_yield > yield_every:
                        await sleep(0)
                        num_since_yield = 0
                    offset = message.offset
                    r_offset = get_read_offset(tp)
                    if r_offset is None or offset >= r_offset:
                        intake = intakes.get(tp.topic)
                        if intake is not None and not consumer.take_in(intake, tp, message, fetched_in):
                            continue  # not marked read: fetched again (see IntakeConsumer.take_in)
                        gap = offset - (r_offset or 0)
                        if gap > 1 and r_offset and acks_enabled_for(message.topic):
                            await add_gap(consumer, tp, r_offset + 1, offset)
                        if commit_every is not None and consumer._n_acked >= commit_every:
                            consumer._n_acked = 0
                            await consumer.commit()
                        if intake is not None:
                            set_read_offset(tp, offset)
                            if intake.full:
                                await wait_first(intake.wait_for_room(), consumer.suspend_flow.wait())
                            continue
                        channel = changelogs.get(tp.topic)
                        if channel is None or not queue_changelog(consumer, channel, await channel.decode(message)):
                            await wait_first(callback(message), consumer.suspend_flow.wait())
                        set_read_offset(tp, offset)
                unset_flag(flag_consumer_fetching)
    except consumer.consumer_stopped_errors:
        if consumer.transport.app.should_stop:
            consumer.log.info("Broker stopped consumer, shutting down...")
            return
        raise
    except asyncio.CancelledError:
        if consumer.transport.app.should_stop:
            consumer.log.info("Consumer shutting down for user cancel.")
            return
        raise
    except Exception as exc:
        consumer.log.exception("Drain messages raised: %r", exc)
        raise
    finally:
        unset_flag(flag_consumer_fetching)


# -- tables ------------------------------------------------------------------------------------


def table_store(table: Any) -> MutableMapping[bytes, bytes]:
    """A memory table's store: what `table[key] = value` updates, without the changelog send."""
    return cast(MutableMapping[bytes, bytes], table.data)


# -- table recovery ----------------------------------------------------------------------------

# Changelog events a recovery takes off its queue at once (Faust: one, with a task and a timer each).
RECOVERY_BATCH = 4096


def changelog_channels(app: Any) -> dict[str, Any]:
    """Changelog topic name -> the table's channel whose queue is the recovery's (empty before
    the tables are registered)."""
    return {name: channel for channel in app.tables._channels.values() for name in channel.topics}


def queue_changelog(consumer: Any, channel: Any, event: Any) -> bool:
    """Queue a decoded changelog event for the recovery without Faust's per-record race of the
    delivery against a flow suspension (`wait_first`: four tasks and an `asyncio.wait`). Only
    when that race could not matter: the flow is active and the queue has room, so Faust's own
    `put` would not wait either. False: nothing queued, take Faust's path."""
    queue = cast(FlowControlQueue[Any], channel.queue)
    if queue.full() or not (consumer.flow_active and consumer.app.flow_control.is_active()):
        return False
    queue.put_nowait(event)
    return True


async def slurp_changelogs(recovery: Any) -> None:
    """Faust's Recovery._slurp_changelogs (faust-streaming 0.15.3), taking the queued changelog
    events in batches: Faust waits for each event with `asyncio.wait_for` (a task and a timer per
    record) and after each one recounts every partition's remaining records twice (a Counter
    over all changelog partitions per record). Here the queue is drained up to RECOVERY_BATCH
    events at a time, each event is applied exactly as Faust applies it, and the end of recovery
    and the standbys' readiness are checked once per batch."""
    changelog_queue = recovery.tables.changelog_queue
    tp_to_table = recovery.tp_to_table
    active_tps = recovery.active_tps
    standby_tps = recovery.standby_tps
    active_offsets = recovery.active_offsets
    standby_offsets = recovery.standby_offsets
    active_received = recovery._active_events_received_at
    standby_received = recovery._standby_events_received_at
    buffers = recovery.buffers
    buffer_sizes = recovery.buffer_sizes
    processing_times = recovery._processing_times
    rlog = recovery.log

    async def detect_aborted_tx() -> None:
        highwaters = recovery.active_highwaters
        offsets = recovery.active_offsets
        for tp, highwater in highwaters.items():
            behind = highwater is not None and offsets[tp] is not None and offsets[tp] < highwater
            if behind and await recovery.app.consumer.position(tp) >= highwater:
                rlog.info(f"Aborted tx until highwater for {tp}")
                offsets[tp] = highwater

    async def maybe_signal_recovery_end(timeout: bool = False, timeout_count: int = 0) -> None:
        if timeout and recovery.app.in_transaction and timeout_count > 1:
            await detect_aborted_tx()
        if recovery.in_recovery and not recovery.need_recovery():
            recovery.flush_buffers()
            recovery._set_recovery_ended()
            if recovery._actives_span is not None:
                recovery._actives_span.set_tag("Actives-Ready", True)
            recovery.signal_recovery_end.set()

    def apply(event: Any, now: float) -> Any:
        """One event, as Faust's loop body applies it; its table if it was applied (the caller
        awaits the table's on_changelog_event), None if it was not."""
        tp = event.message.tp
        offset = event.message.offset
        is_active = tp in active_tps
        if is_active:
            table, offsets = tp_to_table[tp], active_offsets
            bufsize = buffer_sizes.get(tp) or buffer_sizes.setdefault(tp, table.recovery_buffer_size)
            active_received[tp] = now
        elif tp in standby_tps:
            table, offsets = tp_to_table[tp], standby_offsets
            if tp not in buffer_sizes:
                buffer_sizes[tp] = table.standby_buffer_size
                standby_received[tp] = now
            bufsize = buffer_sizes[tp]
        else:
            rlog.warning(f"recovery unknown topic {tp} offset {offset}")
            return None  # Faust applies it to the previous event's table (a bug it keeps): skipped here
        seen_offset = offsets.get(tp, None)
        if seen_offset is not None and offset <= seen_offset:
            return None
        offsets[tp] = offset
        buf = buffers[table]
        buf.append(event)
        if len(buf) >= bufsize:
            table.apply_changelog_batch(buf)
            buf.clear()
            recovery._last_flush_at = now
        if is_active:
            now_after = time.monotonic()
            last = recovery._last_active_event_processed_at
            if last is not None:
                processing_times.append(now_after - last)
                if len(processing_times) > recovery.num_samples_required_for_estimate:
                    processing_times.popleft()
            recovery._last_active_event_processed_at = now_after
        return table

    timeout_count = 0
    while not recovery.should_stop:
        try:
            recovery.signal_recovery_end.clear()
            try:
                events = [await asyncio.wait_for(changelog_queue.get(), timeout=5.0)]
            except TimeoutError:
                timeout_count += 1
                if recovery.should_stop:
                    return
                await maybe_signal_recovery_end(timeout=True, timeout_count=timeout_count)
                continue
            timeout_count = 0
            try:
                while len(events) < RECOVERY_BATCH and not changelog_queue.empty():
                    events.append(changelog_queue.get_nowait())
            except Exception as ex:  # an error thrown into the queue: reported as Faust reports it
                rlog.warning(f"Error in recovery {ex}")
            now = time.monotonic()
            for event in events:
                try:
                    table = apply(event, now)
                    if table is not None:
                        await table.on_changelog_event(event)
                except Exception as ex:
                    rlog.warning(f"Error in recovery {ex}")
            await maybe_signal_recovery_end()
            standby_ready = recovery._standbys_span is None and recovery.tables.standbys_ready
            if not standby_ready and not recovery.standby_remaining_total():
                if recovery._standbys_span:
                    finish_span(recovery._standbys_span)
                    recovery._standbys_span = None
                recovery.tables.on_standbys_ready()
        except Exception as ex:
            rlog.warning(f"Error in recovery {ex}")


class BatchRecovery(Recovery):
    """Faust's table recovery with the changelog events applied in batches (`slurp_changelogs`)."""

    @Service.task
    async def _slurp_changelogs(self) -> None:  # pragma: no cover - integration tests
        await slurp_changelogs(self)


class BatchTableManager(TableManager):
    """Faust's table manager whose recovery is a BatchRecovery (the app's `TableManager` setting)."""

    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = BatchRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery


# -- the worker process ------------------------------------------------------------------------


class BoundedWorker(faust.Worker):
    """faust.Worker whose shutdown on SIGTERM/SIGINT is bounded: past `shutdown_timeout_s` (a broker
    gone makes the consumer's and producer's stops wait on it), the process logs why and exits with
    status 2. Offsets not committed by then are read again by the next worker (at-least-once)."""

    def __init__(self, *args: Any, shutdown_timeout_s: float = 15.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shutdown_timeout_s = shutdown_timeout_s
        self._deadline: threading.Timer | None = None

    def _arm(self, what: str) -> None:
        if self._deadline is None:
            self._deadline = threading.Timer(self.shutdown_timeout_s, self._give_up, args=(what,))
            self._deadline.daemon = True
            self._deadline.start()

    def _give_up(self, what: str) -> None:
        log.error(
            "shutdown after %s did not finish within %.0f s (FIRESTORM_SHUTDOWN_TIMEOUT; is the broker "
            "reachable?): exiting with status %d; offsets not committed are read again on restart",
            what,
            self.shutdown_timeout_s,
            EXIT_SHUTDOWN_TIMEOUT,
        )
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(EXIT_SHUTDOWN_TIMEOUT)

    def _on_sigterm(self) -> None:
        self._arm(signal.SIGTERM.name)
        super()._on_sigterm()

    def _on_sigint(self) -> None:
        self._arm(signal.SIGINT.name)
        super()._on_sigint()


check()
