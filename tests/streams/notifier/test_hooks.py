"""The webhook (HMAC-signed) and Slack sinks, over real HTTP to the local receiver."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Iterator

import aiohttp
import orjson
import pytest

from firestorm.streams.notifier.delivery import DeliverySettings, Dispatcher, Job, Result
from firestorm.streams.notifier.hooks import SlackSink, WebhookSink, sign, verify_signature
from firestorm.streams.notifier.secrets import Secret
from tests.paging.alerts import make_alert
from tests.paging.server import PagerDutyServer

SECRET = b"shared-webhook-secret"


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"a":1}'
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    assert sign(SECRET, body) == expected
    assert verify_signature(SECRET, body, expected)
    assert not verify_signature(SECRET, body + b" ", expected)
    assert not verify_signature(b"other", body, expected)
    assert not verify_signature(SECRET, body, None)
    assert not verify_signature(SECRET, body, expected.removeprefix("sha256="))


@pytest.fixture
def server() -> Iterator[PagerDutyServer]:
    with PagerDutyServer() as pd:
        yield pd


async def _send(sink_factory, alert_status: str = "triggered") -> Result:  # type: ignore[no-untyped-def]
    async with aiohttp.ClientSession() as session:
        sink = sink_factory(session)
        alert = make_alert(status=alert_status)
        return await sink.send(sink.name, sink.render(alert, "airlines"))  # type: ignore[no-any-return]


def test_webhook_posts_the_alert_signed(server: PagerDutyServer) -> None:
    result = asyncio.run(
        _send(lambda s: WebhookSink("audit", f"{server.url}/hooks/audit", s, secret=Secret(SECRET.decode(), "S")))
    )
    assert result.ok and result.status == 200
    (request,) = server.hooks["audit"]
    assert verify_signature(SECRET, request.body, request.headers["x-firestorm-signature-256"])
    body = request.json()
    assert body["type"] == "firestorm.alert" and body["action"] == "trigger" and body["group"] == "airlines"
    assert body["dedup_key"] == body["alert"]["incident_id"] == "acme-20260105T0830Z"
    assert body["links"]["samples"] == ["https://example.org/acme/1", "https://example.org/acme/2"]
    assert request.headers["x-firestorm-delivery"] == "acme-20260105T0830Z/triggered/2026-01-05T08:31:00Z"
    assert SECRET.decode() not in request.body.decode()


def test_unsigned_webhook_and_resolve(server: PagerDutyServer) -> None:
    assert asyncio.run(_send(lambda s: WebhookSink("plain", f"{server.url}/hooks/plain", s), "resolved")).ok
    (request,) = server.hooks["plain"]
    assert "x-firestorm-signature-256" not in request.headers
    assert request.json()["action"] == "resolve"


def test_slack_message(server: PagerDutyServer) -> None:
    url = Secret(f"{server.url}/slack/comms", "SLACK_URL")
    result = asyncio.run(_send(lambda s: SlackSink("comms", url, s, 5.0, "https://grafana.example/{entity}", 2)))
    assert result.ok and result.detail == "ok"
    body = server.hooks["comms"][0].json()
    assert set(body) == {"text", "blocks"}
    assert body["text"].startswith(":warning: acme: negative spike")
    assert "<https://grafana.example/acme|Grafana>" in orjson.dumps(body["blocks"]).decode()


def test_slack_escapes_control_characters() -> None:
    sink = SlackSink("s", "https://x", None, 1.0, "", 0)  # type: ignore[arg-type]
    body = sink.render(make_alert(entity="a<b>&c"), None)
    assert "a&lt;b&gt;&amp;c" in body["text"]


def test_rejected_slack_payload_is_final(server: PagerDutyServer) -> None:
    async def scenario() -> Result:
        async with aiohttp.ClientSession() as session:
            sink = SlackSink("comms", f"{server.url}/slack/comms", session, 5.0, "", 0)
            return await sink.send("comms", {"text": "   "})

    result = asyncio.run(scenario())
    assert (result.kind, result.status, result.detail) == ("reject", 400, "invalid_payload")


def test_hooks_share_the_retrying_machinery(server: PagerDutyServer) -> None:
    server.fail_next(2, 503, path="/hooks/")
    server.fail_next(1, "drop", path="/hooks/")
    results: list[Result] = []

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            sink = WebhookSink("audit", f"{server.url}/hooks/audit", session)
            dispatcher = Dispatcher(DeliverySettings(backoff_initial_s=0.01, backoff_max_s=0.02))
            alert = make_alert()

            async def done(job: Job, result: Result) -> None:
                results.append(result)

            dispatcher.submit(Job(sink, "audit", alert.incident_id, "trigger", sink.render(alert, None), "l", done))
            assert await dispatcher.drain(5)

    asyncio.run(scenario())
    assert [r.kind for r in results] == ["ok"]
    assert server.statuses() == [503, 503, "drop", 200]
