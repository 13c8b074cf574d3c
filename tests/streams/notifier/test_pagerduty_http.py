"""The PagerDuty sink and the delivery machinery against the contract-enforcing server, over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aiohttp
import orjson
import pytest

from firestorm.models.alerts import Alert
from firestorm.streams.notifier.delivery import DeliverySettings, Dispatcher, Job, Result
from firestorm.streams.notifier.pagerduty import PagerDutySink
from firestorm.streams.notifier.secrets import Secret
from tests.paging.alerts import lifecycle, make_alert, routing_key
from tests.paging.server import PagerDutyServer, validate_event

KEY = routing_key("unit")


@pytest.fixture
def server() -> Iterator[PagerDutyServer]:
    with PagerDutyServer() as pd:
        yield pd


# --- the test server holds PagerDuty's contract ---------------------------------------------------

GOOD: dict[str, Any] = {
    "routing_key": KEY,
    "event_action": "trigger",
    "dedup_key": "k",
    "payload": {"summary": "s", "source": "h", "severity": "info"},
}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"routing_key": "short"}, "Length of 'routing_key' is incorrect"),
        ({"routing_key": None}, "'routing_key' is missing"),
        ({"event_action": "explode"}, "'event_action' is invalid"),
        ({"dedup_key": "d" * 256}, "'dedup_key' is too long"),
        ({"payload": None}, "'payload' is missing"),
        ({"payload": {"summary": "x" * 1025, "source": "h", "severity": "info"}}, "'payload.summary' is too long"),
        ({"payload": {"summary": "", "source": "h", "severity": "info"}}, "'payload.summary' is missing"),
        ({"payload": {"summary": "s", "severity": "info"}}, "'payload.source' is missing"),
        ({"payload": {"summary": "s", "source": "h", "severity": "high"}}, "'payload.severity' is invalid"),
        ({"payload": {**GOOD["payload"], "timestamp": "yesterday"}}, "ISO 8601"),
        ({"payload": {**GOOD["payload"], "custom_details": [1]}}, "custom_details' must be an object"),
        ({"payload": {**GOOD["payload"], "summry": "typo"}}, "Unknown field 'payload.summry'"),
        ({"links": [{"text": "no href"}]}, "'links[0].href' must be a URL"),
        ({"images": [{"src": "http://insecure"}]}, "must be an https URL"),
        ({"extra": 1}, "Unknown field 'extra'"),
    ],
)
def test_contract_violations_are_named(change: dict[str, Any], error: str) -> None:
    event = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    errors = validate_event(event)
    assert any(error in e for e in errors), errors


def test_resolve_needs_a_dedup_key_but_no_payload() -> None:
    assert validate_event({"routing_key": KEY, "event_action": "resolve", "dedup_key": "k"}) == []
    assert "'dedup_key' is required to resolve" in validate_event({"routing_key": KEY, "event_action": "resolve"})


def post(server: PagerDutyServer, body: bytes, content_type: str = "application/json") -> tuple[int, Any]:
    async def go() -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{server.url}/v2/enqueue", data=body, headers={"Content-Type": content_type}) as r,
        ):
            return r.status, orjson.loads(await r.read())

    return asyncio.run(go())


def test_server_answers_202_with_the_dedup_key_and_400_with_errors(server: PagerDutyServer) -> None:
    assert post(server, orjson.dumps(GOOD)) == (
        202,
        {"status": "success", "message": "Event processed", "dedup_key": "k"},
    )
    status, body = post(server, orjson.dumps({**GOOD, "event_action": "nope"}))
    assert status == 400 and body["status"] == "invalid event" and body["message"] == "Event object is invalid"
    assert body["errors"]
    status, body = post(server, b"x" * (512 * 1024 + 1))
    assert status == 400 and "512 KB" in body["errors"][0]
    status, body = post(server, b"{not json")
    assert status == 400
    status, body = post(server, orjson.dumps(GOOD), content_type="text/plain")
    assert status == 400
    no_dedup = {k: v for k, v in GOOD.items() if k != "dedup_key"}
    status, body = post(server, orjson.dumps(no_dedup))
    assert status == 202 and len(body["dedup_key"]) == 32  # PagerDuty makes one up


def test_server_incident_model(server: PagerDutyServer) -> None:
    resolve = {"routing_key": KEY, "event_action": "resolve", "dedup_key": "k"}
    for event in (GOOD, GOOD, resolve, resolve, GOOD):
        assert post(server, orjson.dumps(event))[0] == 202
    first, second = server.incidents["k"]
    assert (first.triggers, first.status) == (2, "resolved")  # the repeat trigger was a dedup
    assert second.status == "triggered"  # a trigger after the resolve opens a new incident
    assert server.dropped_resolves == 1
    other_key = {**resolve, "routing_key": routing_key("other")}
    assert post(server, orjson.dumps(other_key))[0] == 202
    assert server.incidents["k"][-1].status == "triggered"  # only the opening key may resolve it


def test_server_rate_limit_answers_429() -> None:
    with PagerDutyServer(rate_limit=2, rate_window_s=30) as server:
        statuses = [post(server, orjson.dumps(GOOD))[0] for _ in range(3)]
        assert statuses == [202, 202, 429]


# --- the sink ------------------------------------------------------------------------------------


def send_all(server: PagerDutyServer, alerts: list[Alert], key: str = KEY, timeout_s: float = 2) -> list[Result]:
    async def go() -> list[Result]:
        async with aiohttp.ClientSession() as session:
            sink = PagerDutySink(server.url, {"default": Secret(key, "K")}, session, request_timeout_s=timeout_s)
            return [await sink.send("default", sink.render(a, None)) for a in alerts]

    return asyncio.run(go())


def test_sink_classifies_answers(server: PagerDutyServer) -> None:
    server.fail_next(1, 500)
    server.fail_next(1, 429)
    server.fail_next(1, "drop")
    server.fail_next(1, "lost_response")
    results = send_all(server, [make_alert()] * 5)
    assert [(r.kind, r.reason) for r in results] == [
        ("retry", "server_error"),
        ("retry", "rate_limited"),
        ("retry", "network"),
        ("retry", "network"),  # PagerDuty took it, the answer was lost: a retry is a dedup
        ("ok", "delivered"),
    ]
    assert results[-1].detail["dedup_key"] == "acme-20260105T0830Z"
    assert server.incident_count() == 1 and server.incidents["acme-20260105T0830Z"][0].triggers == 2


def test_sink_timeout_is_retryable(server: PagerDutyServer) -> None:
    server.hold(5)
    (result,) = send_all(server, [make_alert()], timeout_s=0.3)
    server.release()
    assert (result.kind, result.reason) == ("retry", "timeout")


def test_sink_rejection_carries_pagerdutys_errors(server: PagerDutyServer) -> None:
    (result,) = send_all(server, [make_alert()], key="tooshort")
    assert (result.kind, result.status) == ("reject", 400)
    assert result.detail["errors"] == ["Length of 'routing_key' is incorrect (should be 32 characters)"]


def test_unknown_destination_is_rejected_without_a_request(server: PagerDutyServer) -> None:
    async def go() -> Result:
        async with aiohttp.ClientSession() as session:
            return await PagerDutySink(server.url, {}, session).send("airlines", {"event_action": "trigger"})

    assert asyncio.run(go()).reason == "no_routing_key"
    assert server.requests == []


# --- machinery + sink + server -----------------------------------------------------------------


def deliver(server: PagerDutyServer, alerts: list[Alert], settings: DeliverySettings) -> list[Result]:
    results: list[Result] = []

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            sink = PagerDutySink(server.url, {"default": Secret(KEY, "K")}, session, request_timeout_s=2)
            dispatcher = Dispatcher(settings)

            async def done(job: Job, result: Result) -> None:
                results.append(result)

            for alert in alerts:
                payload = sink.render(alert, None)
                dispatcher.submit(Job(sink, "default", alert.incident_id, payload["event_action"], payload, "j", done))
            assert await dispatcher.drain(20)

    asyncio.run(go())
    return results


def test_lifecycles_survive_flaky_pagerduty_in_order(server: PagerDutyServer) -> None:
    alerts = [a for n, entity in enumerate(("a", "b", "c", "d")) for a in lifecycle(entity, opened_minute=n)]
    for mode in (500, "drop", 429, "lost_response", 503, 500):
        server.fail_next(1, mode)
    results = deliver(server, alerts, DeliverySettings(backoff_initial_s=0.01, backoff_max_s=0.05))
    assert all(r.ok for r in results) and len(results) == 12
    for entity in "abcd":
        (incident,) = [i for history in server.incidents.values() for i in history if i.dedup_key.startswith(entity)]
        assert incident.status == "resolved"
        assert [e["event_action"] for e in server.events(incident.dedup_key)][-1] == "resolve"
        assert incident.severities[-1] == "critical"
    assert server.incident_count() == 4


def test_rate_limit_keeps_pagerduty_from_throttling() -> None:
    with PagerDutyServer(rate_limit=4, rate_window_s=0.5) as server:
        alerts = [make_alert(f"e{n}") for n in range(10)]
        results = deliver(server, alerts, DeliverySettings(rate_limit=4, rate_window_s=0.5))
        assert all(r.ok for r in results)
        assert 429 not in server.statuses()
        times = sorted(r.at for r in server.accepted)
        assert all(times[i + 4] - times[i] > 0.5 for i in range(len(times) - 4))
