"""Mastodon: the streaming API (public or hashtag timelines of an instance), token optional.

WebSocket `/api/v1/streaming?stream=public` (or `stream=hashtag&tag=NAME`); each message is
`{"stream": [...], "event": "update", "payload": "<the status, JSON-encoded>"}`. A status becomes a
Post: HTML content stripped to text, `language`, the account's `followers_count`; a reblog is a
repost (`repost_of` = the original's URI) carrying the original's text. Ids are the statuses'
global `uri`, so the same status seen from two instances is one mention.

The cursor is the last acked status id of this instance. On every (re)connect the stream is opened
first, then the REST timeline is read from that id (`min_id`, oldest first) to catch up what was
missed while disconnected; the runner drops what appears in both.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import orjson

from firestorm.models.timeutil import TimestampError, parse_ts
from firestorm.streams.ingest.connector import Backoff, Batch, Connector, Cursor, Post
from firestorm.streams.ingest.html_text import html_to_text
from firestorm.streams.ingest.websocket import FrameBatching

log = logging.getLogger("firestorm.ingest.mastodon")

CATCH_UP_PAGES = 20  # at most 800 statuses read back after a disconnect
PAGE = 40


def _id_key(status_id: str) -> tuple[int, str]:
    """Mastodon ids are numeric strings (snowflakes); compare them as numbers."""
    return (int(status_id), status_id) if status_id.isdigit() else (0, status_id)


def post_from_status(status: Any) -> Post | str:
    """A Post for a status (a reblog is a repost of the original); a reason slug for a broken one."""
    if not isinstance(status, dict):
        return "not_object"
    account = status.get("account")
    uri, created = status.get("uri"), status.get("created_at")
    if not isinstance(uri, str) or not isinstance(created, str) or not isinstance(account, dict):
        return "bad_status"
    try:
        ts_ms = parse_ts(created)
    except TimestampError:
        return "bad_timestamp"
    original = status.get("reblog")
    shown = original if isinstance(original, dict) else status
    content = shown.get("content")
    if not isinstance(content, str):
        return "bad_status"
    spoiler = shown.get("spoiler_text")
    text = html_to_text(content)
    if isinstance(spoiler, str) and spoiler:
        text = f"{spoiler}\n{text}"
    followers = account.get("followers_count")
    lang = shown.get("language")
    url = shown.get("url") or shown.get("uri")
    return Post(
        uri,
        ts_ms,
        text,
        "mastodon",
        lang=lang if isinstance(lang, str) else None,
        author_id=str(account.get("acct") or account.get("id") or "") or None,
        followers=followers if isinstance(followers, int) and followers >= 0 else 0,
        url=url if isinstance(url, str) else None,
        repost_of=original.get("uri") if isinstance(original, dict) else None,
    )


class MastodonConnector(Connector):
    kind = "mastodon"

    def __init__(
        self,
        instance: str,
        hashtag: str = "",
        token: str = "",
        name: str | None = None,
        streaming_url: str = "",
        batch_wait_s: float = 0.25,
        backoff: Backoff | None = None,
        idle_timeout_s: float = 30.0,
    ) -> None:
        base = instance if "://" in instance else f"https://{instance}"
        self.base = base.rstrip("/")
        self.hashtag = hashtag.lstrip("#")
        super().__init__(
            name or f"mastodon:{self.base.split('://', 1)[1]}" + (f"#{self.hashtag}" if self.hashtag else "")
        )
        self.token = token
        self.streaming_url = streaming_url.rstrip("/")
        # a quiet hashtag is normal: the WebSocket heartbeat tells a dead link
        self.batching = FrameBatching(batch_wait_s, idle_timeout_s, quiet_ok=True)
        self.backoff = backoff or Backoff()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def stream_url(self) -> str:
        base = self.streaming_url or self.base
        ws_base = (
            "wss://" + base.split("://", 1)[1] if base.startswith("https://") else "ws://" + base.split("://", 1)[1]
        )
        params = {"stream": "hashtag", "tag": self.hashtag} if self.hashtag else {"stream": "public"}
        return f"{ws_base}/api/v1/streaming?{urlencode(params)}"

    def timeline_url(self, min_id: str) -> str:
        path = f"/api/v1/timelines/tag/{quote(self.hashtag)}" if self.hashtag else "/api/v1/timelines/public"
        return f"{self.base}{path}?{urlencode({'min_id': min_id, 'limit': PAGE})}"

    async def batches(self, cursor: Cursor) -> AsyncIterator[Batch]:
        last_id: str | None = cursor if isinstance(cursor, str) else None
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(sock_connect=30)) as session:
            while True:
                try:
                    async with session.ws_connect(self.stream_url(), headers=self._headers(), heartbeat=30.0) as ws:
                        self.stats.connected = True
                        log.info("%s: streaming %s (catching up from id %s)", self.name, self.stream_url(), last_id)
                        if last_id is not None:
                            async for batch in self.catch_up(session, last_id):
                                last_id = batch.cursor
                                yield batch
                        async for batch in self.batching.read(ws, last_id, self._add_message):
                            last_id = batch.cursor
                            self.backoff.reset()
                            yield batch
                    log.warning("%s: the server closed the stream; reconnecting", self.name)
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    log.warning("%s: %s; reconnecting", self.name, exc)
                self.stats.reconnect()
                await self.backoff.wait()

    async def catch_up(self, session: aiohttp.ClientSession, since_id: str) -> AsyncIterator[Batch]:
        """Statuses newer than `since_id` from the REST timeline, oldest first, a page per batch."""
        for _ in range(CATCH_UP_PAGES):
            async with session.get(self.timeline_url(since_id), headers=self._headers()) as response:
                if response.status >= 400:
                    raise aiohttp.ClientResponseError(
                        response.request_info, (), status=response.status, message="timeline catch-up failed"
                    )
                statuses = orjson.loads(await response.read())
            if not isinstance(statuses, list) or not statuses:
                return
            batch = Batch(cursor=since_id)
            for status in sorted(
                statuses, key=lambda s: _id_key(str(s.get("id", ""))) if isinstance(s, dict) else (0, "")
            ):
                self._add_status(batch, status)
            since_id = batch.cursor
            yield batch
            if len(statuses) < PAGE:
                return

    def _add_status(self, batch: Batch, status: Any) -> None:
        batch.received += 1
        post = post_from_status(status)
        if isinstance(post, str):
            self.stats.bad_frame(post, orjson.dumps(status), f"after status {batch.cursor}")
            return
        status_id = str(status.get("id", ""))
        if status_id and (batch.cursor is None or _id_key(status_id) > _id_key(str(batch.cursor))):
            batch.cursor = status_id
        batch.posts.append(post)
        batch.last_event_ms = max(batch.last_event_ms or 0, post.ts_ms)

    def _add_message(self, batch: Batch, message: aiohttp.WSMessage) -> None:
        try:
            event = orjson.loads(message.data)
            kind, payload = event.get("event"), event.get("payload")
        except (orjson.JSONDecodeError, TypeError, AttributeError):
            batch.received += 1
            data = message.data if isinstance(message.data, str | bytes) else None
            self.stats.bad_frame("not_json", data, f"after status {batch.cursor}")
            return
        if kind != "update":  # delete, status.update (edits), notification, ...: not new posts
            batch.received += 1
            return
        try:
            status = orjson.loads(payload) if isinstance(payload, str | bytes) else payload
        except orjson.JSONDecodeError:
            batch.received += 1
            self.stats.bad_frame("not_json", payload, f"after status {batch.cursor}")
            return
        self._add_status(batch, status)
