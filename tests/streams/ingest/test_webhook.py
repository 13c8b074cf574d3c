"""The webhook: authentication, single and batched mentions, size limits, 4xx with dead letters, 503."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from firestorm.streams.ingest.webhook import MAX_BATCH, SIGNATURE_HEADER, WebhookConnector, signature
from tests.streams.ingest.harness import MemorySink, make_runner

SECRET = "s3cret-token"
HMAC_KEY = "hmac-key"


def mention(n: int, entity: str = "skyway") -> dict[str, Any]:
    return {"id": f"vendor-{n}", "entity": entity, "ts": "2025-12-03T08:00:00Z", "text": f"post {n} about {entity}"}


Post = Callable[..., Awaitable[tuple[int, Any]]]


def scenario(
    tmp_path: Path,
    body: Callable[[Post, MemorySink], Awaitable[None]],
    sink: MemorySink | None = None,
    max_body_bytes: int = 4096,
) -> None:
    async def run() -> None:
        hook = WebhookConnector("127.0.0.1", 0, secret=SECRET, hmac_secret=HMAC_KEY, max_body_bytes=max_body_bytes)
        port = await hook.start()
        memory = sink or MemorySink()
        runner = make_runner([hook], tmp_path, memory)
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        async with aiohttp.ClientSession() as session:

            async def post(data: bytes, headers: dict[str, str] | None = None, auth: bool = True) -> tuple[int, Any]:
                sent = {"Content-Type": "application/json", **(headers or {})}
                if auth and "Authorization" not in sent and SIGNATURE_HEADER not in sent:
                    sent["Authorization"] = f"Bearer {SECRET}"
                async with session.post(f"http://127.0.0.1:{port}/mentions", data=data, headers=sent) as response:
                    return response.status, await response.json(content_type=None)

            try:
                await body(post, memory)
            finally:
                stop.set()
                await task

    asyncio.run(run())


def test_single_and_batched_mentions_are_acked_before_the_answer(tmp_path: Path) -> None:
    async def body(post: Post, sink: MemorySink) -> None:
        assert await post(orjson.dumps(mention(1))) == (202, {"accepted": 1})
        assert [m["id"] for m in sink.mentions] == ["vendor-1"]  # on the topic when the vendor hears 202
        status, answer = await post(orjson.dumps([mention(2), mention(3, "Lumiere")]))
        assert (status, answer) == (202, {"accepted": 2})
        assert [(m["id"], m["entity"], m["source"]) for m in sink.mentions[1:]] == [
            ("vendor-2", "skyway", "webhook"),
            ("vendor-3", "lumiere", "webhook"),
        ]
        assert sink.keys == [b"skyway", b"skyway", b"lumiere"]
        assert await post(orjson.dumps([mention(2)])) == (202, {"accepted": 1})  # a vendor's retry ...
        assert len(sink.mentions) == 3  # ... is dropped by id

    scenario(tmp_path, body)


def test_hmac_signature_or_bearer_secret_is_required(tmp_path: Path) -> None:
    async def body(post: Post, sink: MemorySink) -> None:
        raw = orjson.dumps(mention(1))
        assert (await post(raw, auth=False))[0] == 401
        assert (await post(raw, {"Authorization": "Bearer wrong"}))[0] == 401
        assert (await post(raw, {SIGNATURE_HEADER: signature(HMAC_KEY, raw + b" ")}))[0] == 401
        status, answer = await post(raw, {SIGNATURE_HEADER: signature(HMAC_KEY, raw)})
        assert status == 202 and answer == {"accepted": 1}
        assert sink.dead == []  # unauthenticated bodies are not dead-lettered

    scenario(tmp_path, body)


def test_bad_bodies_get_a_clear_4xx_and_are_dead_lettered_with_a_reason(tmp_path: Path) -> None:
    async def body(post: Post, sink: MemorySink) -> None:
        status, answer = await post(b"{not json")
        assert status == 400 and answer["error"] == "not_json"
        status, answer = await post(b'"a string"')
        assert status == 400 and answer["error"] == "not_object"
        no_ts = {k: v for k, v in mention(5).items() if k != "ts"}
        status, answer = await post(orjson.dumps([mention(4), no_ts, {**mention(6), "ts": "yesterday"}]))
        assert status == 422
        assert answer["accepted"] == 1
        assert [(r["index"], r["reason"]) for r in answer["rejected"]] == [(1, "missing_field"), (2, "bad_timestamp")]
        assert [m["id"] for m in sink.mentions] == ["vendor-4"]
        assert [(reason, origin) for _raw, reason, origin in sink.dead] == [
            ("not_json", "ingest:webhook"),
            ("not_object", "ingest:webhook"),
            ("missing_field", "ingest:webhook"),
            ("bad_timestamp", "ingest:webhook"),
        ]
        assert sink.dead[0][0] == b"{not json"  # the original bytes
        status, answer = await post(orjson.dumps([mention(n) for n in range(100)]))
        assert status == 413 and answer["error"] == "too_large"
        status, _ = await post(orjson.dumps(mention(7)), {"Content-Type": "text/plain"})
        assert status == 415

    scenario(tmp_path, body)


def test_more_than_1000_mentions_in_one_body_get_413_and_are_not_dead_lettered(tmp_path: Path) -> None:
    """Before: 400, and the whole body went to the dead-letter topic; the docs say 413, like a body
    over the size limit: the sender splits the batch and sends it again."""

    async def body(post: Post, sink: MemorySink) -> None:
        status, answer = await post(orjson.dumps([mention(n) for n in range(MAX_BATCH + 1)]))
        assert (status, answer["error"]) == (413, "too_large") and str(MAX_BATCH) in answer["detail"]
        assert sink.mentions == [] and sink.dead == []
        status, answer = await post(orjson.dumps([mention(n) for n in range(MAX_BATCH)]))
        assert (status, answer) == (202, {"accepted": MAX_BATCH})
        assert len(sink.mentions) == MAX_BATCH and sink.dead == []

    scenario(tmp_path, body, max_body_bytes=1024 * 1024)


def test_a_broker_that_does_not_ack_gets_a_503_and_the_retry_goes_through(tmp_path: Path) -> None:
    async def body(post: Post, sink: MemorySink) -> None:
        status, answer = await post(orjson.dumps(mention(1)))
        assert status == 503 and answer["error"] == "not_acked"
        assert sink.mentions == []
        assert await post(orjson.dumps(mention(1))) == (202, {"accepted": 1})
        assert [m["id"] for m in sink.mentions] == ["vendor-1"]

    scenario(tmp_path, body, MemorySink(fail_next=1))
