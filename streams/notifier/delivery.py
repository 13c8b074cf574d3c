"""The delivery machinery every sink shares.

- One ordered *lane* per (sink, destination, order key), the key being the alert's entity
  (streams/notifier/sinks.py): an entity's events go out one at a time, in the order they were
  submitted, so a resolve never overtakes its trigger and a later incident never overtakes an
  earlier one; different entities are delivered concurrently and a stuck one does not hold up
  the others.
- Retries with exponential backoff and jitter on 429, 408, 5xx and network errors (a
  `Retry-After` is honoured); any other 4xx is final and handed back as rejected.
- A rate limiter per destination (PagerDuty allows about 120 events a minute per routing
  key), counted over a sliding window like PagerDuty's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import orjson

if TYPE_CHECKING:
    from firestorm.streams.notifier.metrics import NotifierMetrics

log = logging.getLogger("firestorm.notifier")

Kind = Literal["ok", "retry", "reject"]
MAX_DETAIL_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Result:
    """What one attempt (or a whole delivery) came to."""

    kind: Kind
    reason: str  # delivered | rate_limited | timeout | server_error | network | rejected | retries_exhausted | ...
    status: int | None = None  # HTTP status, when there was an answer
    detail: Any = None  # the receiver's answer: PagerDuty's {status, message, errors | dedup_key}, or text
    retry_after_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: rare for these APIs, our own backoff applies
    return seconds if seconds >= 0 else None


def response_detail(body: bytes) -> Any:
    """The receiver's answer as JSON when it is JSON, else as (shortened) text."""
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:MAX_DETAIL_CHARS].decode("utf-8", errors="replace")


def classify_http(status: int, body: bytes = b"", retry_after: str | None = None) -> Result:
    """Map an HTTP answer to ok / retry / reject, following PagerDuty's published retry table."""
    detail = response_detail(body)
    if 200 <= status < 300:
        return Result("ok", "delivered", status, detail)
    if status == 429:
        return Result("retry", "rate_limited", status, detail, _retry_after(retry_after))
    if status == 408:
        return Result("retry", "timeout", status, detail)
    if status >= 500:
        return Result("retry", "server_error", status, detail, _retry_after(retry_after))
    return Result("reject", "rejected", status, detail)


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """Tunables of the delivery machinery (the `[delivery]` table of the notify config)."""

    rate_limit: int = 120  # events per destination (routing key, webhook) ...
    rate_window_s: float = 60.0  # ... per this sliding window
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    backoff_multiplier: float = 2.0
    max_attempts: int = 0  # 0: retry retryable failures until delivered (at-least-once)
    request_timeout_s: float = 10.0
    concurrency: int = 8  # HTTP requests in flight, all sinks together
    max_pending: int = 10_000  # alerts held in memory; beyond this the consumer pauses
    drain_timeout_s: float = 10.0  # on shutdown, how long to finish what is in flight

    def backoff(self) -> Backoff:
        return Backoff(self.backoff_initial_s, self.backoff_max_s, self.backoff_multiplier)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with "equal jitter": attempt n waits between half and all of
    min(max, initial * multiplier**(n-1)), so retries spread out but never collapse to zero."""

    initial_s: float = 1.0
    max_s: float = 60.0
    multiplier: float = 2.0

    def ceiling(self, attempt: int) -> float:
        exponent = max(0, attempt - 1)
        try:
            return min(self.max_s, self.initial_s * self.multiplier**exponent)
        except OverflowError:
            return self.max_s

    def delay(self, attempt: int, rng: random.Random, retry_after_s: float | None = None) -> float:
        ceiling = self.ceiling(attempt)
        delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
        if retry_after_s is not None:
            # The receiver said when; never sooner, and never absurdly later than our own cap.
            delay = max(delay, min(retry_after_s, 5 * self.max_s))
        return delay


class SlidingWindow:
    """At most `limit` requests in any `window_s`, counted conservatively: a request occupies
    its slot from the moment it is sent until `window_s` after its answer. The receiver saw it
    somewhere in between, so its own sliding count can never exceed the limit."""

    def __init__(self, limit: int, window_s: float) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("a rate limit needs limit >= 1 and a positive window")
        self.limit = limit
        self.window_s = window_s
        self.finished: deque[float] = deque()
        self.in_flight = 0

    def _prune(self, now: float) -> None:
        while self.finished and self.finished[0] <= now - self.window_s:
            self.finished.popleft()

    def wait_s(self, now: float) -> float | None:
        """0 when a request may start now, else how long until one may (None: until one finishes)."""
        self._prune(now)
        if len(self.finished) + self.in_flight < self.limit:
            return 0.0
        if self.finished:
            return max(self.finished[0] + self.window_s - now, 0.001)
        return None

    def start(self) -> None:
        self.in_flight += 1

    def finish(self, now: float) -> None:
        self.in_flight -= 1
        self.finished.append(now)


class RateLimiter:
    """A SlidingWindow per destination; waiters are served in arrival order."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._windows: dict[str, tuple[SlidingWindow, asyncio.Condition]] = {}

    def _window(self, key: str) -> tuple[SlidingWindow, asyncio.Condition]:
        entry = self._windows.get(key)
        if entry is None:
            entry = self._windows[key] = (SlidingWindow(self.limit, self.window_s), asyncio.Condition())
        return entry

    @contextlib.asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[float]:
        """Hold one request slot of `key` while the body runs; yields the seconds waited for it."""
        window, cond = self._window(key)
        started = self.clock()
        async with cond:
            while True:
                wait = window.wait_s(self.clock())
                if wait == 0.0:
                    window.start()
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(cond.wait(), timeout=wait)
        try:
            yield self.clock() - started
        finally:
            async with cond:
                window.finish(self.clock())
                cond.notify_all()


class Sink(Protocol):
    """Somewhere alerts go. `send` makes one attempt and says how it went; it never raises for
    HTTP or network failures."""

    @property
    def name(self) -> str: ...

    async def send(self, destination: str, payload: dict[str, Any]) -> Result: ...


DoneCallback = Callable[["Job", Result], Awaitable[None]]


@dataclass(slots=True)
class Job:
    """One event for one sink and destination, in the lane of its entity (`order_key`)."""

    sink: Sink
    destination: str  # routing-key name or webhook name: the rate-limit scope; never a secret
    order_key: str  # the entity: events with the same key go out in submission order
    action: str  # trigger | resolve | post
    payload: dict[str, Any]  # what the sink sends, without secrets (the sink adds the routing key)
    label: str  # for logs: what, for which incident, to where
    on_done: DoneCallback | None = None
    enqueued_at: float = field(default_factory=time.monotonic)
    attempts: int = 0
    retries: int = 0

    @property
    def lane(self) -> tuple[str, str, str]:
        return (self.sink.name, self.destination, self.order_key)


class Dispatcher:
    """Runs every submitted job to a final result (delivered or rejected), lane by lane."""

    def __init__(
        self,
        settings: DeliverySettings,
        metrics: NotifierMetrics | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.backoff = settings.backoff()
        self.limiter = RateLimiter(settings.rate_limit, settings.rate_window_s, clock=clock)
        self.rng = rng or random.Random()
        self.sleep = sleep
        self.clock = clock
        self._lanes: dict[tuple[str, str, str], deque[Job]] = {}
        self._tasks: dict[tuple[str, str, str], asyncio.Task[None]] = {}
        self._http = asyncio.Semaphore(max(1, settings.concurrency))
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def pending(self) -> int:
        """Jobs submitted and not yet final."""
        return self._pending

    def submit(self, job: Job) -> None:
        lane = self._lanes.setdefault(job.lane, deque())
        lane.append(job)
        self._pending += 1
        self._idle.clear()
        self._report_depth()
        if job.lane not in self._tasks:
            self._tasks[job.lane] = asyncio.create_task(self._run_lane(job.lane), name=f"lane {job.label}")

    async def drain(self, timeout_s: float | None = None) -> bool:
        """Wait until every submitted job is final; False if the timeout came first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=timeout_s)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        """Abandon what is not delivered (its offsets are not committed: it is redelivered later)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._lanes.clear()

    def _report_depth(self) -> None:
        if self.metrics is not None:
            self.metrics.queue_depth.set(self._pending)

    async def _run_lane(self, key: tuple[str, str, str]) -> None:
        lane = self._lanes[key]
        try:
            while lane:
                job = lane[0]
                result = await self._deliver(job)
                lane.popleft()
                self._pending -= 1
                self._report_depth()
                if job.on_done is not None:
                    try:
                        await job.on_done(job, result)
                    except Exception:
                        log.exception("after delivering %s", job.label)
        finally:
            if not lane:
                self._lanes.pop(key, None)
            self._tasks.pop(key, None)
            if not self._tasks:
                self._idle.set()

    async def _attempt(self, job: Job) -> Result:
        job.attempts += 1
        try:
            async with self.limiter.slot(f"{job.sink.name}/{job.destination}"), self._http:
                return await job.sink.send(job.destination, job.payload)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in a sink: do not spin on it, dead-letter it
            log.error("%s: unexpected %s while sending", job.label, type(exc).__name__)
            return Result("reject", "internal_error", None, type(exc).__name__)

    async def _deliver(self, job: Job) -> Result:
        sink = job.sink.name
        while True:
            result = await self._attempt(job)
            if result.kind == "ok":
                latency = self.clock() - job.enqueued_at
                if self.metrics is not None:
                    self.metrics.sent.labels(sink, job.action).inc()
                    self.metrics.latency.labels(sink).observe(latency)
                log.info(
                    "delivered %s in %.2fs (%d attempt%s)",
                    job.label,
                    latency,
                    job.attempts,
                    "" if job.attempts == 1 else "s",
                )
                return result
            if result.kind == "reject":
                if self.metrics is not None:
                    self.metrics.failed.labels(sink, result.reason).inc()
                log.error(
                    "%s rejected (%s, %s): %s",
                    job.label,
                    result.reason,
                    f"HTTP {result.status}" if result.status else "no HTTP answer",
                    result.detail,
                )
                return result
            if self.settings.max_attempts and job.attempts >= self.settings.max_attempts:
                if self.metrics is not None:
                    self.metrics.failed.labels(sink, "retries_exhausted").inc()
                log.error("%s: giving up after %d attempts (last: %s)", job.label, job.attempts, result.reason)
                return Result("reject", "retries_exhausted", result.status, result.detail)
            delay = self.backoff.delay(job.attempts, self.rng, result.retry_after_s)
            job.retries += 1
            if self.metrics is not None:
                self.metrics.retries.labels(sink, result.reason).inc()
            level = logging.WARNING if job.attempts == 1 or job.attempts % 10 == 0 else logging.DEBUG
            log.log(
                level,
                "%s: %s (%s) on attempt %d, retrying in %.2fs",
                job.label,
                result.reason,
                f"HTTP {result.status}" if result.status else result.detail,
                job.attempts,
                delay,
            )
            await self.sleep(delay)
