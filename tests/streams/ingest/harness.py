"""What the ingest tests share: a sink that keeps what it is sent, the watch list, running a Runner."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from firestorm.models.records import DecodeError
from firestorm.streams.ingest.connector import Backoff, Connector
from firestorm.streams.ingest.runner import Runner
from firestorm.streams.ingest.state import StateStore
from firestorm.streams.ingest.watchlist import LiveWatchList

WATCH_TOML = """\
[entities.skyway]
min_volume = 5

[watch.skyway]
terms = ["SkyWay"]
handles = ["@skyway.bsky.social"]
hashtags = ["#skywayfail"]

[watch.lumiere]
terms = ["Lumière"]
exclude = ["lumière du jour"]
languages = ["fr", "en"]
"""


class MemorySink:
    """Keeps acked mentions in order; can fail its next sends or be slow, like a struggling broker."""

    def __init__(self, fail_next: int = 0, delay_s: float = 0.0) -> None:
        self.mentions: list[dict[str, Any]] = []
        self.keys: list[bytes] = []
        self.dead: list[tuple[bytes, str, str]] = []
        self.fail_next = fail_next
        self.delay_s = delay_s
        self.calls = 0

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send(
        self, mentions: list[tuple[bytes, bytes]], rejected: list[tuple[bytes, DecodeError]], origin: str
    ) -> None:
        self.calls += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("broker unavailable")
        for key, value in mentions:
            self.keys.append(key)
            self.mentions.append(orjson.loads(value))
        self.dead.extend((raw, error.reason, origin) for raw, error in rejected)

    def pairs(self) -> list[tuple[str, str]]:
        return [(m["id"], m["entity"]) for m in self.mentions]


def watch_file(tmp_path: Path, text: str = WATCH_TOML) -> Path:
    path = tmp_path / "entities.toml"
    path.write_text(text, encoding="utf-8")
    return path


def fast_backoff() -> Backoff:
    return Backoff(0.01, 0.05)


def make_runner(
    connectors: Sequence[Connector], tmp_path: Path, sink: MemorySink, watch: LiveWatchList | None = None
) -> Runner:
    return Runner(
        connectors,
        watch or LiveWatchList(str(watch_file(tmp_path))),
        sink,
        StateStore(tmp_path / "state"),
        watch_interval_s=0.05,
        retry_backoff=fast_backoff(),
    )


async def run_until(runner: Runner, done: Callable[[], bool], timeout_s: float = 10.0, settle_s: float = 0.3) -> None:
    """Run `runner` until `done()` holds (then a little longer, to catch extra output), or fail."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    deadline = time.monotonic() + timeout_s
    try:
        while not done():
            if task.done():
                task.result()
                raise AssertionError("the runner ended early")
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the runner")
            await asyncio.sleep(0.02)
        await asyncio.sleep(settle_s)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
