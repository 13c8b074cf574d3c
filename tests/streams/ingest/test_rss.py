"""RSS and Atom: conditional GET (ETag, Last-Modified), a feed that changes, errors and retries."""

from __future__ import annotations

import asyncio
from pathlib import Path

from firestorm.streams.ingest.rss import FeedConnector
from firestorm.streams.ingest.state import StateStore
from tests.streams.ingest.harness import MemorySink, fast_backoff, make_runner
from tests.streams.ingest.servers import FeedServer, FeedState

ITEMS = [
    ("n1", "SkyWay grounds its fleet after an IT outage", "<p>Thousands of <b>SkyWay</b> passengers stranded.</p>"),
    ("n2", "Weather: sunny weekend ahead", "<p>Nothing about airlines.</p>"),
    ("n3", "Lumière recalls its lamps", "<p>La marque Lumière rappelle un modèle &amp; s'excuse.</p>"),
]


def feed(server: FeedServer, interval_s: float = 0.1) -> FeedConnector:
    return FeedConnector(server.url, name="rss:news", interval_s=interval_s, backoff=fast_backoff())


def test_a_feed_is_polled_conditionally_and_only_new_items_are_produced(tmp_path: Path) -> None:
    state = FeedState(items=list(ITEMS[:2]))

    async def scenario() -> None:
        async with FeedServer(state) as server:
            sink = MemorySink()
            runner = make_runner([feed(server)], tmp_path, sink)
            stop = asyncio.Event()
            task = asyncio.create_task(runner.run(stop))
            while len(state.requests) < 3:
                await asyncio.sleep(0.02)
            assert [(m["id"], m["entity"]) for m in sink.mentions] == [("n1", "skyway")]
            first = sink.mentions[0]
            assert (
                first["text"] == "SkyWay grounds its fleet after an IT outage\nThousands of SkyWay passengers stranded."
            )
            assert (first["url"], first["lang"], first["source"]) == ("https://news.example/n1", "en-us", "rss")
            assert first["ts"] == 1764748800000  # pubDate, 2025-12-03T08:00:00Z
            assert state.requests[0] == {"if_none_match": None, "if_modified_since": None}
            assert state.requests[1]["if_none_match"] == '"v1"'  # then conditional: 304s
            assert state.requests[1]["if_modified_since"] == state.last_modified
            # the feed changes: a new item on top, a new ETag
            state.items = [ITEMS[2], *ITEMS[:2]]
            state.etag = '"v2"'
            state.last_modified = "Wed, 03 Dec 2025 09:00:00 GMT"
            while len(sink.mentions) < 2:
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)
            stop.set()
            await task
            assert [(m["id"], m["entity"]) for m in sink.mentions] == [("n1", "skyway"), ("n3", "lumiere")]
            assert sink.mentions[1]["text"].endswith("La marque Lumière rappelle un modèle & s'excuse.")
            assert runner.metrics.duplicates.labels("rss:news")._value.get() == 1  # n1 again in v2 (n2 named nobody)
            cursor, _ = StateStore(tmp_path / "state").load("rss:news")
            assert cursor == {"etag": '"v2"', "last_modified": "Wed, 03 Dec 2025 09:00:00 GMT"}

    asyncio.run(scenario())


def test_a_restart_sends_the_stored_validators_and_repeats_nothing(tmp_path: Path) -> None:
    state = FeedState(items=list(ITEMS), atom=True)

    async def scenario() -> None:
        async with FeedServer(state) as server:
            sink = MemorySink()
            runner = make_runner([feed(server)], tmp_path, sink)
            stop = asyncio.Event()
            task = asyncio.create_task(runner.run(stop))
            while len(state.requests) < 2:
                await asyncio.sleep(0.02)
            stop.set()
            await task
            assert [m["id"] for m in sink.mentions] == ["tag:blog.example,2025:n1", "tag:blog.example,2025:n3"]
            assert sink.mentions[0]["lang"] == "fr"  # xml:lang of the Atom feed
            # a new process; the feed lost its ETag support but still answers 200 with the same items
            state.etag = ""
            state.last_modified = "changed"
            sink2 = MemorySink()
            runner = make_runner([feed(server)], tmp_path, sink2)
            stop = asyncio.Event()
            task = asyncio.create_task(runner.run(stop))
            before = len(state.requests)
            while len(state.requests) < before + 2:
                await asyncio.sleep(0.02)
            stop.set()
            await task
            assert state.requests[before]["if_none_match"] == '"v1"'  # validators from the state file
            assert sink2.mentions == []  # the same items: dropped by id

    asyncio.run(scenario())


def test_server_errors_are_retried_with_backoff(tmp_path: Path) -> None:
    state = FeedState(items=list(ITEMS), fail_next=2)

    async def scenario() -> None:
        async with FeedServer(state) as server:
            sink = MemorySink()
            source = feed(server)
            runner = make_runner([source], tmp_path, sink)
            stop = asyncio.Event()
            task = asyncio.create_task(runner.run(stop))
            while len(sink.mentions) < 2:
                await asyncio.sleep(0.02)
            stop.set()
            await task
            assert source.stats.reconnects == 2
            assert [m["id"] for m in sink.mentions] == ["n1", "n3"]

    asyncio.run(scenario())
