"""Run connectors: match their posts against the watch list, produce, persist cursors after the acks.

Per connector, batches are handled one at a time: while the broker acks a batch the connector
is not read, so a slow broker slows the reading (the source's socket buffers, or the source
replays from the cursor after a disconnect) instead of piling posts up in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from firestorm.models.records import DecodeError, mention_from_obj
from firestorm.streams.ingest.connector import Backoff, Batch, Connector, Post
from firestorm.streams.ingest.metrics import IngestMetrics
from firestorm.streams.ingest.originals import RecentOriginals
from firestorm.streams.ingest.sink import Sink
from firestorm.streams.ingest.state import SeenIds, StateStore
from firestorm.streams.ingest.watchlist import LiveWatchList

log = logging.getLogger("firestorm.ingest")

RECENT_MATCHES = 20_000  # matched posts remembered (on disk too) so that a repost of one is a mention too


@dataclass(slots=True)
class Outgoing:
    """A batch turned into records: what to send, and what to remember once it is acked."""

    records: list[tuple[bytes, bytes]]
    rejected: list[tuple[bytes, DecodeError]]
    keys: list[str]
    matched: int
    duplicates: int
    posts: int


class Runner:
    def __init__(
        self,
        connectors: Sequence[Connector],
        watch: LiveWatchList,
        sink: Sink,
        store: StateStore,
        metrics: IngestMetrics | None = None,
        watch_interval_s: float = 1.0,
        retry_backoff: Backoff | None = None,
    ) -> None:
        names = [c.name for c in connectors]
        if len(set(names)) != len(names):
            raise ValueError(f"connector names must be unique, got {names}")
        self.connectors = list(connectors)
        self.watch = watch
        self.sink = sink
        self.store = store
        self.metrics = metrics or IngestMetrics()
        self.watch_interval_s = watch_interval_s
        self.retry_backoff = retry_backoff or Backoff(1.0, 30.0)
        self._recent = RecentOriginals(RECENT_MATCHES, store.directory)
        self._sink_started = False
        self._cursors: dict[str, object] = {}
        for connector in self.connectors:
            self.metrics.add(connector)
        self._show_watch()

    def _show_watch(self) -> None:
        self.metrics.watch_entities.set(len(self.watch.matcher.entities))
        self.metrics.watch_terms.set(self.watch.matcher.size)

    def to_records(self, batch: Batch, seen: SeenIds) -> Outgoing:
        """Match each post (one mention per entity it names), drop ids already produced."""
        matcher = self.watch.matcher
        out = Outgoing([], list(batch.rejected), [], 0, 0, len(batch.posts))
        in_batch: set[str] = set()
        for post in batch.posts:
            if post.id in seen or post.id in in_batch:
                out.duplicates += 1
                replayed = post.text and not post.repost_of and post.id not in self._recent
                if replayed and (named := matcher.match(post.text, post.lang)):  # remembered for its reposts
                    self._remember(post, tuple(named))
                continue
            entities: Sequence[str] = matcher.match(post.text, post.lang) if post.text else ()
            if not entities and post.repost_of and not post.text:
                original = self._recent.get(post.repost_of)  # a repost carries no text of its own
                if original is not None:
                    entities, post.text, lang = original
                    post.lang = post.lang or lang
            if not entities:
                continue
            out.matched += 1
            in_batch.add(post.id)
            if not post.repost_of:
                self._remember(post, tuple(entities))
            for entity in entities:
                self._add(out, post.mention(entity), post.id)
        for obj in batch.mentions:
            key = f"{obj.get('id')}\x00{obj.get('entity')}"
            if key in seen or key in in_batch:
                out.duplicates += 1
                continue
            in_batch.add(key)
            self._add(out, obj, key)
        return out

    def _remember(self, post: Post, entities: tuple[str, ...]) -> None:
        self._recent.remember(post.id, entities, post.text, post.lang)

    @staticmethod
    def _add(out: Outgoing, obj: dict[str, object], key: str) -> None:
        raw = orjson.dumps(obj)
        try:
            mention = mention_from_obj(obj)
        except DecodeError as exc:
            out.rejected.append((raw, exc))
            return
        out.records.append((mention.entity.encode(), raw))
        out.keys.append(key)

    async def run_connector(self, connector: Connector) -> None:
        """Read, match, produce, ack, persist; after a failure start over from the persisted cursor."""
        name = connector.name
        while True:
            cursor, seen_ids = self.store.load(name)
            seen = SeenIds(ids=seen_ids)
            self._cursors[name] = cursor
            try:
                async for batch in connector.batches(cursor):
                    await self._handle(connector, batch, seen)
                    self.retry_backoff.reset()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker, the disk: start over from what was acked
                self.metrics.failures.labels(name).inc()
                log.error("%s: %s; restarting from the last persisted cursor", name, exc)
                await self.retry_backoff.wait()

    async def _handle(self, connector: Connector, batch: Batch, seen: SeenIds) -> None:
        name = connector.name
        out = self.to_records(batch, seen)
        m = self.metrics
        m.received.labels(name).inc(batch.received)
        m.posts.labels(name).inc(out.posts)
        m.duplicates.labels(name).inc(out.duplicates)
        try:
            await self.sink.send(out.records, out.rejected, f"ingest:{name}")
        except BaseException as exc:
            if batch.on_failed is not None:
                batch.on_failed(exc)
            raise
        for key in out.keys:
            seen.add(key)
        if batch.cursor is not None:
            self._cursors[name] = batch.cursor
        if batch.cursor is not None or out.keys:
            self.store.save(name, self._cursors.get(name), seen.recent())
        self._recent.flush()
        m.matched.labels(name).inc(out.matched)
        m.produced.labels(name).inc(len(out.records))
        for _raw, error in out.rejected:
            m.dead_letters.labels(name, error.reason).inc()
        if batch.last_event_ms is not None and (out.records or batch.posts):
            m.last_event_ms[name] = max(batch.last_event_ms, m.last_event_ms.get(name, 0))
        if batch.on_acked is not None:
            batch.on_acked()

    async def follow_watch_list(self) -> None:
        while True:
            await asyncio.sleep(self.watch_interval_s)
            failures = self.watch.failures
            if self.watch.check():
                self.metrics.watch_reloads.labels("ok").inc()
                self._show_watch()
            elif self.watch.failures > failures:
                self.metrics.watch_reloads.labels("error").inc()

    async def health_loop(self) -> None:
        health = self.metrics.health
        while True:
            health.beat()
            health.ready = self._sink_started and all(c.stats.connected for c in self.connectors)
            await asyncio.sleep(1.0)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Run every connector until `stop` is set (or all of them end)."""
        await self.sink.start()
        self._sink_started = True
        tasks = [asyncio.create_task(self.run_connector(c), name=c.name) for c in self.connectors]
        helpers = [asyncio.create_task(self.follow_watch_list()), asyncio.create_task(self.health_loop())]
        waiters = [asyncio.create_task(stop.wait())] if stop is not None else []
        try:
            pending = set(tasks)
            while pending:
                done, _ = await asyncio.wait([*pending, *waiters], return_when=asyncio.FIRST_COMPLETED)
                if any(w in done for w in waiters):
                    break
                for task in done & pending:
                    pending.discard(task)
                    if not task.cancelled() and task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]
        finally:
            for task in [*tasks, *helpers, *waiters]:
                task.cancel()
            await asyncio.gather(*tasks, *helpers, *waiters, return_exceptions=True)
            for connector in self.connectors:
                await connector.close()
            await self.sink.stop()
            self._sink_started = False
