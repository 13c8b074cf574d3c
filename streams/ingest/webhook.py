"""Webhook: an HTTP endpoint where any vendor or in-house tool posts mentions (the mention contract).

POST /mentions with a JSON object (one mention) or a JSON array (a batch), authenticated by
either a shared secret (`Authorization: Bearer <secret>`) or an HMAC-SHA256 signature of the raw
body (`X-Firestorm-Signature: sha256=<hex>`). Answers, once the broker acked:
  202 {"accepted": n}                     every mention is on the mentions topic
  422 {"accepted": n, "rejected": [...]}  the others were dead-lettered, each with its reason
  400 a body that is not JSON, or neither an object nor an array (dead-lettered too)
  401 missing or wrong secret/signature (not dead-lettered: anyone could fill the topic)
  413 a body over the size limit or a batch of more than 1,000 mentions (not dead-lettered: the
      sender splits it and sends again), 415 not application/json, 503 the broker did not ack (retry)
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp import web

from firestorm.models.records import MAX_MESSAGE_BYTES, DecodeError, mention_from_obj
from firestorm.streams.ingest.connector import Batch, Connector, Cursor

log = logging.getLogger("firestorm.ingest.webhook")

SIGNATURE_HEADER = "X-Firestorm-Signature"
MAX_BATCH = 1000


def signature(secret: str, body: bytes) -> str:
    """The X-Firestorm-Signature value a sender computes for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookConnector(Connector):
    kind = "webhook"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8787,
        secret: str = "",
        hmac_secret: str = "",
        max_body_bytes: int = 1024 * 1024,
        name: str = "webhook",
        ack_timeout_s: float = 30.0,
    ) -> None:
        super().__init__(name)
        if not secret and not hmac_secret:
            raise ValueError("the webhook needs a shared secret or an HMAC secret")
        self.host, self.port = host, port
        self.secret, self.hmac_secret = secret, hmac_secret
        self.max_body_bytes = max_body_bytes
        self.ack_timeout_s = ack_timeout_s
        self._queue: asyncio.Queue[Batch] = asyncio.Queue(maxsize=64)
        self._runner: web.AppRunner | None = None
        self.bound_port: int | None = None

    def _authorized(self, request: web.Request, body: bytes) -> bool:
        if self.hmac_secret:
            given = request.headers.get(SIGNATURE_HEADER, "")
            if given and hmac.compare_digest(given, signature(self.hmac_secret, body)):
                return True
        if self.secret:
            given = request.headers.get("Authorization", "")
            if given and hmac.compare_digest(given.encode(), f"Bearer {self.secret}".encode()):
                return True
        return False

    async def _handle(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > self.max_body_bytes:
            return _error(413, "too_large", f"body over {self.max_body_bytes} bytes")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _error(413, "too_large", f"body over {self.max_body_bytes} bytes")
        if not self._authorized(request, body):
            return _error(401, "unauthorized", "missing or wrong Authorization bearer secret or X-Firestorm-Signature")
        if request.content_type not in ("application/json", "application/x-ndjson", ""):
            return _error(415, "unsupported_media_type", "send application/json")
        batch = Batch(received=1)
        status, answer = self._parse(body, batch)
        if status == 413:
            return web.json_response(answer, status=status)
        if status == 400:
            batch.rejected.append((body[:MAX_MESSAGE_BYTES], DecodeError(answer["error"], answer["detail"])))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def acked() -> None:
            if not done.done():
                done.set_result(None)

        def failed(exc: BaseException) -> None:
            if not done.done():
                done.set_exception(exc)

        batch.on_acked, batch.on_failed = acked, failed
        await self._queue.put(batch)
        try:
            await asyncio.wait_for(asyncio.shield(done), self.ack_timeout_s)
        except Exception as exc:
            log.warning("%s: mentions not acked by the broker: %s", self.name, exc)
            return _error(503, "not_acked", "the broker did not acknowledge the mentions; retry later")
        return web.json_response(answer, status=status)

    def _parse(self, body: bytes, batch: Batch) -> tuple[int, dict[str, Any]]:
        try:
            obj = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return 400, {"error": "not_json", "detail": str(exc)[:200]}
        items = obj if isinstance(obj, list) else [obj] if isinstance(obj, dict) else None
        if items is None:
            return 400, {"error": "not_object", "detail": "send a mention object or an array of them"}
        if len(items) > MAX_BATCH:
            return 413, {"error": "too_large", "detail": f"{len(items)} mentions in one batch (limit {MAX_BATCH})"}
        rejected = []
        for index, item in enumerate(items):
            try:
                mention = mention_from_obj(item)
            except DecodeError as exc:
                batch.rejected.append((orjson.dumps(item), exc))
                rejected.append({"index": index, "reason": exc.reason, "detail": exc.detail})
                continue
            batch.mentions.append({**item, "entity": mention.entity, "source": mention.source or "webhook"})
            batch.last_event_ms = max(batch.last_event_ms or 0, mention.ts_ms)
        answer: dict[str, Any] = {"accepted": len(batch.mentions)}
        if rejected:
            answer["rejected"] = rejected
            return 422, answer
        return 202, answer

    async def start(self) -> int:
        app = web.Application(client_max_size=self.max_body_bytes)
        app.router.add_post("/mentions", self._handle)
        app.router.add_post("/", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        addresses = self._runner.addresses
        self.bound_port = int(addresses[0][1]) if addresses else self.port
        self.stats.connected = True
        log.info("%s: listening on http://%s:%s/mentions", self.name, self.host, self.bound_port)
        return int(self.bound_port or 0)

    async def batches(self, cursor: Cursor) -> AsyncIterator[Batch]:
        if self._runner is None:
            await self.start()
        while True:
            yield await self._queue.get()

    async def close(self) -> None:
        self.stats.connected = False
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def _error(status: int, reason: str, detail: str) -> web.Response:
    return web.json_response({"error": reason, "detail": detail}, status=status)
