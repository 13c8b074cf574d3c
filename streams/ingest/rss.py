"""RSS and Atom feeds (news, blogs), polled with conditional GET for press coverage of an incident.

Each poll sends the ETag and Last-Modified of the last acked response (If-None-Match,
If-Modified-Since): an unchanged feed costs a 304 and no parsing. Entries are parsed by
feedparser; an entry's id is its <guid>/<id> (else its link), its text the title and the
summary without HTML, its time the published (else updated) date, else the time it was read.
The runner drops entries already produced, so a feed that changes yields only its new items.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import feedparser

from firestorm.streams.ingest.connector import Backoff, Batch, Connector, Cursor, Post
from firestorm.streams.ingest.html_text import html_to_text

log = logging.getLogger("firestorm.ingest.rss")


def entry_post(entry: Any, feed_lang: str | None, read_ms: int) -> Post | None:
    """A Post for one feedparser entry; None when it has neither id nor link."""
    entry_id = entry.get("id") or entry.get("link")
    if not entry_id:
        return None
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    ts_ms = calendar.timegm(parsed) * 1000 if parsed else read_ms
    title = html_to_text(entry.get("title", "") or "")
    summary = html_to_text(entry.get("summary", "") or "")
    text = f"{title}\n{summary}".strip() if summary and summary != title else title
    detail = entry.get("title_detail") or {}
    lang = entry.get("language") or detail.get("language") or feed_lang
    return Post(
        str(entry_id),
        ts_ms,
        text,
        "rss",
        lang=lang or None,
        author_id=entry.get("author") or None,
        url=entry.get("link") or None,
    )


class FeedConnector(Connector):
    kind = "rss"

    def __init__(
        self, url: str, name: str | None = None, interval_s: float = 300.0, backoff: Backoff | None = None
    ) -> None:
        super().__init__(name or f"rss:{url}")
        self.url = url
        self.interval_s = interval_s
        self.backoff = backoff or Backoff(5.0, 600.0)

    async def batches(self, cursor: Cursor) -> AsyncIterator[Batch]:
        validators: dict[str, str] = dict(cursor) if isinstance(cursor, dict) else {}
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                try:
                    batch = await self.poll(session, validators)
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    log.warning("%s: %s; retrying", self.name, exc)
                    self.stats.reconnect()
                    await self.backoff.wait()
                    continue
                self.backoff.reset()
                if batch is not None:
                    validators = dict(batch.cursor)
                    yield batch
                await asyncio.sleep(self.interval_s)

    async def poll(self, session: aiohttp.ClientSession, validators: dict[str, str]) -> Batch | None:
        """One conditional GET: a Batch of the feed's entries, or None when it did not change (304)."""
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        async with session.get(self.url, headers=headers) as response:
            self.stats.connected = True
            if response.status == 304:
                return None
            if response.status >= 400:
                raise aiohttp.ClientResponseError(
                    response.request_info, (), status=response.status, message=f"GET {self.url}: {response.status}"
                )
            body = await response.read()
            cursor = {
                k: v
                for k, v in (
                    ("etag", response.headers.get("ETag")),
                    ("last_modified", response.headers.get("Last-Modified")),
                )
                if v
            }
        parsed = feedparser.parse(body)
        read_ms = int(time.time() * 1000)
        batch = Batch(cursor=cursor)
        if parsed.get("bozo") and not parsed.entries:
            self.stats.bad_frame("bad_feed", body, f"feed {self.url}")
            log.warning("%s: not a feed: %s", self.name, parsed.get("bozo_exception"))
            return batch
        feed_lang = parsed.feed.get("language")
        for entry in parsed.entries:
            batch.received += 1
            post = entry_post(entry, feed_lang, read_ms)
            if post is None:
                self.stats.bad_frame("no_id", repr(dict(entry)), f"feed {self.url}")
                continue
            batch.posts.append(post)
            batch.last_event_ms = max(batch.last_event_ms or 0, post.ts_ms)
        return batch
