"""The shared delivery machinery: backoff, rate limiting, lanes (order per incident), outcomes."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from firestorm.streams.notifier.delivery import (
    Backoff,
    DeliverySettings,
    Dispatcher,
    Job,
    RateLimiter,
    Result,
    SlidingWindow,
    classify_http,
)
from firestorm.streams.notifier.metrics import NotifierMetrics

OK = Result("ok", "delivered", 202)
BUSY = Result("retry", "server_error", 503)
BAD = Result("reject", "rejected", 400, {"errors": ["nope"]})


# --- backoff -----------------------------------------------------------------------------------


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    backoff = Backoff(initial_s=1, max_s=30, multiplier=2)
    assert [backoff.ceiling(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.ceiling(10_000) == 30  # no overflow


def test_backoff_jitter_stays_between_half_and_the_ceiling_and_spreads() -> None:
    backoff = Backoff(initial_s=1, max_s=60, multiplier=2)
    rng = random.Random(1)
    delays = [backoff.delay(4, rng) for _ in range(500)]
    assert all(4 <= d <= 8 for d in delays)
    assert max(delays) - min(delays) > 3  # really jittered, not a fixed step
    assert len({round(d, 6) for d in delays}) > 400


def test_backoff_honours_retry_after_within_reason() -> None:
    backoff = Backoff(initial_s=1, max_s=10)
    rng = random.Random(2)
    assert backoff.delay(1, rng, retry_after_s=7) == 7
    assert backoff.delay(1, rng, retry_after_s=10_000) == 50  # capped at 5x the max


# --- classification --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "reason"),
    [
        (202, "ok", "delivered"),
        (200, "ok", "delivered"),
        (400, "reject", "rejected"),
        (404, "reject", "rejected"),
        (413, "reject", "rejected"),
        (408, "retry", "timeout"),
        (429, "retry", "rate_limited"),
        (500, "retry", "server_error"),
        (503, "retry", "server_error"),
    ],
)
def test_classify_http(status: int, kind: str, reason: str) -> None:
    result = classify_http(status, b'{"status": "x"}')
    assert (result.kind, result.reason, result.status) == (kind, reason, status)
    assert result.detail == {"status": "x"}


def test_classify_keeps_text_answers_and_retry_after() -> None:
    result = classify_http(429, b"slow down", "12")
    assert result.detail == "slow down" and result.retry_after_s == 12
    assert classify_http(429, b"", "Wed, 21 Oct 2015 07:28:00 GMT").retry_after_s is None


# --- sliding window rate limit ---------------------------------------------------------------


def test_sliding_window_counts_in_flight_and_finished_requests() -> None:
    window = SlidingWindow(limit=2, window_s=10)
    assert window.wait_s(0) == 0.0
    window.start()
    window.start()
    assert window.wait_s(0.5) is None  # both in flight: wait for one to finish
    window.finish(1.0)
    window.finish(2.0)
    assert window.wait_s(3.0) == pytest.approx(8.0)  # the slot frees 10 s after the first answer
    assert window.wait_s(11.0) == 0.0
    window.start()
    assert window.wait_s(11.5) == pytest.approx(0.5)
    assert window.wait_s(12.0) == 0.0


def test_sliding_window_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        SlidingWindow(0, 1)


def test_rate_limiter_spaces_requests_per_key_and_keys_are_independent() -> None:
    async def scenario() -> dict[str, list[float]]:
        limiter = RateLimiter(limit=3, window_s=0.3)
        starts: dict[str, list[float]] = {"a": [], "b": []}
        t0 = time.monotonic()

        async def one(key: str) -> None:
            async with limiter.slot(key):
                starts[key].append(time.monotonic() - t0)
                await asyncio.sleep(0.01)

        await asyncio.gather(*[one("a") for _ in range(7)], *[one("b") for _ in range(3)])
        return starts

    starts = asyncio.run(scenario())
    a = sorted(starts["a"])
    # any 4 consecutive requests of one key span more than the window
    assert all(a[i + 3] - a[i] >= 0.3 for i in range(len(a) - 3)), a
    assert a[-1] >= 0.6  # 7 requests at 3 per 0.3 s need at least two full windows
    assert max(starts["b"]) < 0.15  # key b was not held up by key a


# --- dispatcher --------------------------------------------------------------------------------


class FakeSink:
    """Answers from a script per payload id; records (time, id) of each attempt."""

    def __init__(self, script: dict[str, list[Result]] | None = None, delay_s: float = 0.0, name: str = "fake") -> None:
        self.script = script or {}
        self.delay_s = delay_s
        self.attempts: list[str] = []
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    async def send(self, destination: str, payload: dict[str, Any]) -> Result:
        self.attempts.append(payload["id"])
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        answers = self.script.get(payload["id"], [])
        return answers.pop(0) if answers else OK


def settings(**overrides: Any) -> DeliverySettings:
    base: dict[str, Any] = {"rate_limit": 1000, "rate_window_s": 1.0, "backoff_initial_s": 0.001, "backoff_max_s": 0.01}
    return DeliverySettings(**{**base, **overrides})


def run_jobs(
    sink: FakeSink,
    items: list[tuple[str, str]],
    dispatcher_settings: DeliverySettings | None = None,
    metrics: NotifierMetrics | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> list[tuple[str, Result]]:
    """Submit (incident, id) jobs in order; return (id, final result) in completion order."""
    done: list[tuple[str, Result]] = []

    async def scenario() -> None:
        kwargs: dict[str, Any] = {"sleep": sleep} if sleep else {}
        dispatcher = Dispatcher(dispatcher_settings or settings(), metrics, rng=random.Random(3), **kwargs)

        async def on_done(job: Job, result: Result) -> None:
            done.append((job.payload["id"], result))

        for incident, item in items:
            dispatcher.submit(Job(sink, "default", incident, "trigger", {"id": item}, f"job {item}", on_done))
        assert await dispatcher.drain(10)
        assert dispatcher.pending == 0
        await dispatcher.close()

    asyncio.run(scenario())
    return done


def test_retries_until_delivered_and_counts_them() -> None:
    sink = FakeSink({"t1": [BUSY, Result("retry", "network"), Result("retry", "rate_limited", 429)]})
    metrics = NotifierMetrics()
    done = run_jobs(sink, [("i1", "t1")], metrics=metrics)
    assert done == [("t1", OK)]
    assert sink.attempts == ["t1"] * 4
    assert metrics.retries.labels("fake", "server_error")._value.get() == 1
    assert metrics.retries.labels("fake", "rate_limited")._value.get() == 1
    assert metrics.sent.labels("fake", "trigger")._value.get() == 1
    assert metrics.queue_depth._value.get() == 0


def test_rejection_is_final_and_not_retried() -> None:
    sink = FakeSink({"t1": [BAD]})
    metrics = NotifierMetrics()
    assert run_jobs(sink, [("i1", "t1")], metrics=metrics) == [("t1", BAD)]
    assert sink.attempts == ["t1"]
    assert metrics.failed.labels("fake", "rejected")._value.get() == 1


def test_max_attempts_turns_endless_failure_into_a_final_result() -> None:
    sink = FakeSink({"t1": [BUSY] * 10})
    (item, result), *_ = run_jobs(sink, [("i1", "t1")], settings(max_attempts=3))
    assert (item, result.kind, result.reason, result.status) == ("t1", "reject", "retries_exhausted", 503)
    assert len(sink.attempts) == 3


def test_backoff_delays_grow_between_attempts() -> None:
    delays: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    sink = FakeSink({"t1": [BUSY] * 5})
    run_jobs(sink, [("i1", "t1")], settings(backoff_initial_s=1, backoff_max_s=8), sleep=fake_sleep)
    assert len(delays) == 5
    ceilings = [1, 2, 4, 8, 8]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True)), delays


def test_one_incident_in_order_even_through_failures() -> None:
    sink = FakeSink({"trigger": [BUSY, BUSY], "escalate": [BUSY]})
    done = run_jobs(sink, [("i1", "trigger"), ("i1", "escalate"), ("i1", "resolve")])
    assert [item for item, _ in done] == ["trigger", "escalate", "resolve"]
    # the resolve was never even attempted before the trigger and the escalation went through
    assert sink.attempts == ["trigger", "trigger", "trigger", "escalate", "escalate", "resolve"]


def test_a_stuck_incident_does_not_hold_up_others() -> None:
    sink = FakeSink({"a1": [BUSY] * 20})
    done = run_jobs(sink, [("a", "a1"), ("b", "b1"), ("b", "b2"), ("c", "c1")])
    order = [item for item, _ in done]
    assert order[-1] == "a1"
    assert order.index("b1") < order.index("b2")


def test_concurrency_is_bounded() -> None:
    sink = FakeSink(delay_s=0.05)
    in_flight = 0
    peak = 0
    original = sink.send

    async def counting(destination: str, payload: dict[str, Any]) -> Result:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await original(destination, payload)
        finally:
            in_flight -= 1

    sink.send = counting  # type: ignore[method-assign]
    run_jobs(sink, [(f"i{n}", f"t{n}") for n in range(12)], settings(concurrency=3))
    assert peak == 3


def test_a_sink_that_raises_is_dead_lettered_not_spun_on() -> None:
    class Broken(FakeSink):
        async def send(self, destination: str, payload: dict[str, Any]) -> Result:
            self.attempts.append(payload["id"])
            raise KeyError("bug")

    sink = Broken()
    (_, result), *_ = run_jobs(sink, [("i", "t")])
    assert (result.kind, result.reason) == ("reject", "internal_error")
    assert sink.attempts == ["t"]


def test_drain_times_out_while_undeliverable_and_close_abandons() -> None:
    async def scenario() -> tuple[bool, int]:
        dispatcher = Dispatcher(settings(backoff_initial_s=0.05, backoff_max_s=0.05))
        dispatcher.submit(Job(FakeSink({"t": [BUSY] * 1000}), "d", "i", "trigger", {"id": "t"}, "t"))
        drained = await dispatcher.drain(0.2)
        pending = dispatcher.pending
        await dispatcher.close()
        return drained, pending

    assert asyncio.run(scenario()) == (False, 1)
