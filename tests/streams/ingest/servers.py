"""Local servers that speak each source's documented protocol, replaying fixture frames.

They run in the test's event loop (aiohttp.web on 127.0.0.1, a free port) and can misbehave on
purpose: drop the connection mid-stream, send broken frames, change a feed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

FRAMES = Path(__file__).parent / "frames"


def jetstream_frames() -> list[str]:
    return FRAMES.joinpath("jetstream.jsonl").read_text(encoding="utf-8").splitlines()


def frame_time(frame: str) -> int | None:
    try:
        obj = orjson.loads(frame)
    except orjson.JSONDecodeError:
        return None
    value = obj.get("time_us") if isinstance(obj, dict) else None
    return value if isinstance(value, int) else None


class LocalServer:
    """An aiohttp app on 127.0.0.1 with a free port."""

    def __init__(self) -> None:
        self.app = web.Application()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def __aenter__(self) -> LocalServer:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class JetstreamServer(LocalServer):
    """`/subscribe` of Jetstream v1: replays frames with time_us >= cursor (inclusive, as documented).

    A frame without a time_us (a broken one) is sent when its neighbours are. `drops` lists, per
    connection, after how many frames to cut the TCP connection without a close frame.
    """

    def __init__(self, frames: Iterable[str], drops: Iterable[int] = (), frame_delay_s: float = 0.0) -> None:
        super().__init__()
        self.frames = list(frames)
        self.drops = list(drops)
        self.frame_delay_s = frame_delay_s
        self.connections: list[dict[str, Any]] = []
        self.app.router.add_get("/subscribe", self.subscribe)

    def after(self, cursor: int | None) -> list[str]:
        if cursor is None:
            return list(self.frames)
        kept, last = [], None
        for frame in self.frames:
            t = frame_time(frame)
            last = t if t is not None else last
            if last is not None and last >= cursor:
                kept.append(frame)
        return kept

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/subscribe"

    async def subscribe(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        cursor = request.query.get("cursor")
        self.connections.append(
            {"cursor": int(cursor) if cursor else None, "wanted": request.query.getall("wantedCollections", [])}
        )
        drop = self.drops.pop(0) if self.drops else None
        for sent, frame in enumerate(self.after(int(cursor) if cursor else None)):
            if drop is not None and sent >= drop:
                assert request.transport is not None
                request.transport.abort()  # mid-stream: no close frame
                return ws
            await ws.send_str(frame)
            if self.frame_delay_s:
                await asyncio.sleep(self.frame_delay_s)
        async for _ in ws:  # live tail: nothing new until the client leaves
            pass
        return ws


def status(
    number: int,
    text_html: str,
    lang: str | None = "en",
    followers: int = 120,
    reblog: dict[str, Any] | None = None,
    instance: str = "social.example",
) -> dict[str, Any]:
    """A Mastodon Status entity (docs.joinmastodon.org/entities/Status), the fields we read and a few more."""
    sid = str(110_000_000_000_000_000 + number)
    return {
        "id": sid,
        "created_at": f"2025-12-03T08:{number // 60 % 60:02d}:{number % 60:02d}.000Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": lang,
        "uri": f"https://{instance}/users/user{number}/statuses/{sid}",
        "url": f"https://{instance}/@user{number}/{sid}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "content": text_html,
        "reblog": reblog,
        "account": {
            "id": str(900 + number),
            "username": f"user{number}",
            "acct": f"user{number}@{instance}",
            "display_name": f"User {number}",
            "followers_count": followers,
            "following_count": 10,
            "statuses_count": 42,
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def update_event(item: dict[str, Any], stream: str = "public") -> str:
    """A streaming message: the payload is the status, JSON-encoded inside the JSON."""
    return orjson.dumps({"stream": [stream], "event": "update", "payload": orjson.dumps(item).decode()}).decode()


@dataclass
class MastodonState:
    stream_messages: list[list[str]] = field(default_factory=list)  # per connection, then the stream idles
    timeline: list[dict[str, Any]] = field(default_factory=list)  # what the REST timeline holds
    stream_queries: list[dict[str, str]] = field(default_factory=list)
    timeline_queries: list[dict[str, str]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)


class MastodonServer(LocalServer):
    """`/api/v1/streaming` (WebSocket) and `/api/v1/timelines/public|tag/:tag` (REST, min_id paging)."""

    def __init__(self, state: MastodonState) -> None:
        super().__init__()
        self.state = state
        self.app.router.add_get("/api/v1/streaming", self.streaming)
        self.app.router.add_get("/api/v1/timelines/public", self.timeline)
        self.app.router.add_get("/api/v1/timelines/tag/{tag}", self.timeline)

    async def streaming(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.state.stream_queries.append(dict(request.query))
        self.state.authorizations.append(request.headers.get("Authorization"))
        messages = self.state.stream_messages.pop(0) if self.state.stream_messages else []
        for message in messages:
            if message == "DROP":
                assert request.transport is not None
                request.transport.abort()
                return ws
            await ws.send_str(message)
        async for _ in ws:
            pass
        return ws

    async def timeline(self, request: web.Request) -> web.Response:
        self.state.timeline_queries.append({"path": request.path, **request.query})
        min_id = int(request.query.get("min_id", "0"))
        limit = int(request.query.get("limit", "20"))
        newer = sorted((s for s in self.state.timeline if int(s["id"]) > min_id), key=lambda s: int(s["id"]))
        page = newer[:limit]  # the statuses immediately newer than min_id ...
        return web.json_response(sorted(page, key=lambda s: -int(s["id"])))  # ... newest first, as the API returns


@dataclass
class FeedState:
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (guid, title, description)
    etag: str = '"v1"'
    last_modified: str = format_datetime(datetime(2025, 12, 3, 8, 0, tzinfo=UTC), usegmt=True)
    atom: bool = False
    requests: list[dict[str, str | None]] = field(default_factory=list)
    fail_next: int = 0


class FeedServer(LocalServer):
    """An RSS 2.0 (or Atom) feed honouring If-None-Match / If-Modified-Since with 304."""

    def __init__(self, state: FeedState) -> None:
        super().__init__()
        self.state = state
        self.app.router.add_get("/feed.xml", self.feed)

    @property
    def url(self) -> str:
        return f"{self.base}/feed.xml"

    async def feed(self, request: web.Request) -> web.Response:
        s = self.state
        s.requests.append(
            {
                "if_none_match": request.headers.get("If-None-Match"),
                "if_modified_since": request.headers.get("If-Modified-Since"),
            }
        )
        if s.fail_next:
            s.fail_next -= 1
            return web.Response(status=503, text="try later")
        if (
            request.headers.get("If-None-Match") == s.etag
            or request.headers.get("If-Modified-Since") == s.last_modified
        ):
            return web.Response(status=304)
        body = atom_feed(s.items) if s.atom else rss_feed(s.items)
        return web.Response(
            body=body.encode(),
            content_type="application/atom+xml" if s.atom else "application/rss+xml",
            headers={"ETag": s.etag, "Last-Modified": s.last_modified},
        )


def rss_feed(items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f'<item><title>{title}</title><link>https://news.example/{guid}</link><guid isPermaLink="false">{guid}</guid>'
        f"<pubDate>Wed, 03 Dec 2025 08:{i:02d}:00 GMT</pubDate>"
        f"<description><![CDATA[{description}]]></description></item>"
        for i, (guid, title, description) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>News</title>'
        f"<link>https://news.example/</link><description>Local news</description><language>en-us</language>{entries}"
        "</channel></rss>"
    )


def atom_feed(items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f'<entry><id>tag:blog.example,2025:{guid}</id><title>{title}</title><link href="https://blog.example/{guid}"/>'
        f'<updated>2025-12-03T08:{i:02d}:00Z</updated><summary type="html">{description}</summary></entry>'
        for i, (guid, title, description) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">'
        "<title>Blog</title><id>tag:blog.example,2025:feed</id><updated>2025-12-03T08:00:00Z</updated>"
        f"{entries}</feed>"
    )
