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
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, cast

import faust
import mode
from faust.tables.base import Collection
from faust.transport.consumer import CONSUMER_FETCHING, Consumer
from mode import Service

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
    added: a record of a topic with an intake goes to `consumer.take_in` (streams/kafka/intake.py)."""
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
