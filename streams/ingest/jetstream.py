"""Bluesky through Jetstream: the public JSON firehose over WebSocket (no account needed).

We subscribe to `/subscribe?wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.repost`
(the v1 wire, documented in github.com/bluesky-social/jetstream) and read commit events:

  {"did": "did:plc:...", "time_us": 1725911162329308, "kind": "commit",
   "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "3l3q...",
              "record": {"text": "...", "langs": ["en"], "createdAt": "...", "reply": {...}, "embed": {...}}}}

A post's event time is `time_us` (when the network saw it; `createdAt` is whatever the client
claimed). The cursor is the `time_us` of the last event of an acked batch; on reconnect we ask
for `cursor=<that>` (Jetstream replays inclusively, and from another instance one should rewind a
little: `rewind_s`), and the runner drops the posts it already produced by id.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson

from firestorm.streams.ingest.connector import Backoff, Batch, Connector, Cursor, Post
from firestorm.streams.ingest.websocket import FrameBatching, FrameTooLarge

log = logging.getLogger("firestorm.ingest.bluesky")

PUBLIC_URL = "wss://jetstream2.us-east.bsky.network/subscribe"
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
QUOTE_EMBEDS = ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia")


def _quote_uri(embed: Any) -> str | None:
    if not isinstance(embed, dict) or embed.get("$type") not in QUOTE_EMBEDS:
        return None
    record = embed.get("record")
    if isinstance(record, dict) and isinstance(record.get("record"), dict):  # recordWithMedia
        record = record["record"]
    uri = record.get("uri") if isinstance(record, dict) else None
    return uri if isinstance(uri, str) else None


def post_from_event(event: Any) -> Post | str | None:
    """A Post for a post or repost create; None for any other event; a reason slug for a broken one."""
    if not isinstance(event, dict):
        return "not_object"
    if event.get("kind") != "commit":
        return None
    commit, did, time_us = event.get("commit"), event.get("did"), event.get("time_us")
    if not isinstance(commit, dict) or not isinstance(did, str) or type(time_us) is not int:
        return "bad_event"
    if commit.get("operation") != "create":
        return None
    collection, rkey, record = commit.get("collection"), commit.get("rkey"), commit.get("record")
    if collection not in (POST, REPOST):
        return None
    if not isinstance(rkey, str) or not isinstance(record, dict):
        return "bad_event"
    uri = f"at://{did}/{collection}/{rkey}"
    ts_ms = time_us // 1000
    if collection == REPOST:
        subject = record.get("subject")
        target = subject.get("uri") if isinstance(subject, dict) else None
        if not isinstance(target, str):
            return "bad_record"
        return Post(uri, ts_ms, "", "bluesky", author_id=did, repost_of=target)
    text = record.get("text")
    if not isinstance(text, str):
        return "bad_record"
    langs = record.get("langs")
    lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    reply = record.get("reply")
    parent = reply.get("parent") if isinstance(reply, dict) else None
    reply_to = parent.get("uri") if isinstance(parent, dict) else None
    return Post(
        uri,
        ts_ms,
        text,
        "bluesky",
        lang=lang,
        author_id=did,
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        reply_to=reply_to if isinstance(reply_to, str) else None,
        quote_of=_quote_uri(record.get("embed")),
    )


MAX_FRAME_BYTES = 4 * 1024 * 1024  # a frame over this is skipped (counted as too_large, logged)
# A connection that stopped at an oversized frame is opened again with this limit, to read the
# frame's time_us and move the cursor past it; one over even this is skipped by time.
READ_PAST_BYTES = 64 * 1024 * 1024
SKIP_FIRST_US = 1_000  # past a frame too large to read at all: skip 1 ms of events, then 2, 4...


class JetstreamConnector(Connector):
    kind = "bluesky"

    def __init__(
        self,
        url: str = PUBLIC_URL,
        name: str = "bluesky",
        batch_size: int = 1000,
        batch_wait_s: float = 0.25,
        rewind_s: float = 0.0,
        backoff: Backoff | None = None,
        idle_timeout_s: float = 60.0,
        max_frame_bytes: int = MAX_FRAME_BYTES,
        read_past_bytes: int = READ_PAST_BYTES,
    ) -> None:
        super().__init__(name)
        self.url = url
        self.batching = FrameBatching(batch_wait_s, idle_timeout_s, batch_size)
        self.rewind_us = int(rewind_s * 1_000_000)
        self.backoff = backoff or Backoff()
        self.max_frame_bytes = max_frame_bytes
        self.read_past_bytes = max(read_past_bytes, max_frame_bytes)

    def subscribe_url(self, cursor: int | None) -> str:
        params: list[tuple[str, str]] = [("wantedCollections", POST), ("wantedCollections", REPOST)]
        if cursor is not None:
            params.append(("cursor", str(max(0, cursor - self.rewind_us))))
        return f"{self.url}{'&' if '?' in self.url else '?'}{urlencode(params)}"

    async def batches(self, cursor: Cursor) -> AsyncIterator[Batch]:
        last_us: int | None = cursor if isinstance(cursor, int) else None
        read_past = False  # the last connection stopped at a frame over max_frame_bytes
        skip_us = 0  # past a frame over read_past_bytes: how far beyond last_us to start
        async with aiohttp.ClientSession() as session:
            while True:
                limit = self.read_past_bytes if read_past else self.max_frame_bytes
                start = last_us if last_us is None or not skip_us else last_us + skip_us + self.rewind_us
                try:
                    async with session.ws_connect(self.subscribe_url(start), heartbeat=30.0, max_msg_size=limit) as ws:
                        self.stats.connected = True
                        log.info("%s: connected to %s (cursor %s)", self.name, self.url, start)
                        async for batch in self.batching.read(ws, last_us, self._add):
                            if isinstance(batch.cursor, int):
                                if skip_us and last_us is not None and batch.cursor > last_us:
                                    batch.cursor = max(batch.cursor, last_us + skip_us)
                                    skip_us = 0
                                last_us = batch.cursor
                            self.backoff.reset()
                            yield batch
                    log.warning("%s: the server closed the stream; reconnecting from cursor %s", self.name, last_us)
                except FrameTooLarge:
                    self.stats.reconnect()
                    if not read_past:
                        log.warning(
                            "%s: a frame after cursor %s is over %d bytes: reading past it (limit %d bytes)",
                            *(self.name, last_us, self.max_frame_bytes, self.read_past_bytes),
                        )
                        read_past = True
                        continue
                    skip_us = skip_us * 2 if skip_us else SKIP_FIRST_US
                    self.stats.bad_frame("too_large", None, f"after cursor {last_us}")
                    log.warning(
                        "%s: a frame after cursor %s is over %d bytes, too large to read even for its time: "
                        "skipping the %d us of events after the cursor",
                        *(self.name, last_us, self.read_past_bytes, skip_us),
                    )
                    continue
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    log.warning("%s: %s; reconnecting from cursor %s", self.name, exc, last_us)
                read_past = False
                self.stats.reconnect()
                await self.backoff.wait()

    def _add(self, batch: Batch, message: aiohttp.WSMessage) -> None:
        batch.received += 1
        where = f"after cursor {batch.cursor}"
        if message.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
            self.stats.bad_frame("not_text", str(message.data), where)
            return
        try:
            event = orjson.loads(message.data)
        except orjson.JSONDecodeError:
            self.stats.bad_frame("not_json", message.data, where)
            return
        time_us = event.get("time_us") if isinstance(event, dict) and type(event.get("time_us")) is int else None
        if len(message.data) > self.max_frame_bytes:
            decoded: Post | str | None = "too_large"  # read on a connection that reads past such frames
            log.warning("%s: skipped a frame of %d bytes at cursor %s", self.name, len(message.data), time_us)
        else:
            decoded = decode_event(event)
        if isinstance(decoded, str):
            self.stats.bad_frame(decoded, message.data, where if time_us is None else f"cursor {time_us}")
        if time_us is not None:
            batch.cursor = time_us if batch.cursor is None else max(batch.cursor, time_us)
            batch.last_event_ms = time_us // 1000
        if decoded is not None and not isinstance(decoded, str):
            batch.posts.append(decoded)


def decode_event(event: Any) -> Post | str | None:
    """`post_from_event` that never raises (a frame of the wrong shape is a reason, not a crash)."""
    try:
        return post_from_event(event)
    except (TypeError, ValueError, AttributeError):
        return "bad_event"
