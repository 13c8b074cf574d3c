"""An in-memory stand-in for the parts of the Faust app the worker's BatchHandler touches.

Sends return futures the test resolves or fails itself: what matters to the batch path is when
the broker acknowledges, and this shows whether the handler waits for it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from firestorm.models.engine import EngineSettings
from firestorm.models.planned import PlannedCalendar
from firestorm.streams.config import Config
from firestorm.streams.metrics import Metrics
from firestorm.streams.worker.partitions import PartitionEngines
from firestorm.streams.worker.service import BatchHandler


class Sends:
    """Records every send and hands back a future; `auto` resolves it at once."""

    def __init__(self, auto: bool = True) -> None:
        self.auto = auto
        self.sent: list[tuple[Any, ...]] = []
        self.futures: list[asyncio.Future[Any]] = []

    def future(self, *record: Any) -> asyncio.Future[Any]:
        self.sent.append(record)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self.auto:
            fut.set_result(None)
        self.futures.append(fut)
        return fut


class FakeTopic:
    def __init__(self, sends: Sends) -> None:
        self.sends = sends

    async def send(self, key: Any = None, value: Any = None, headers: Any = None) -> asyncio.Future[Any]:
        return self.sends.future(key, value, headers)


class FakeTable(dict[bytes, bytes]):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.changelog_topic_name = f"{name}-changelog"

    @property
    def data(self) -> FakeTable:
        return self


class FakeProducer:
    def __init__(self, sends: Sends) -> None:
        self.sends = sends

    async def send(self, topic: str, key: bytes, value: bytes, partition: int, *_: Any) -> asyncio.Future[Any]:
        return self.sends.future(topic, key, value, partition)


class NoConsumer:
    """A consumer that knows no assignment and no log end: the handler then takes every partition."""

    def assignment(self) -> set[Any]:
        raise RuntimeError("no consumer group in this test")

    def highwater(self, tp: Any) -> int:
        raise RuntimeError("no consumer group in this test")


@dataclass
class FakeFaustApp:
    producer: FakeProducer
    consumer: NoConsumer = field(default_factory=NoConsumer)


@dataclass
class FakeFirestormApp:
    alerts_sends: Sends = field(default_factory=Sends)
    dead_letter_sends: Sends = field(default_factory=Sends)
    state_sends: Sends = field(default_factory=Sends)

    def __post_init__(self) -> None:
        self.app = FakeFaustApp(FakeProducer(self.state_sends))
        self.alerts = FakeTopic(self.alerts_sends)
        self.dead_letters = FakeTopic(self.dead_letter_sends)
        self.entities = FakeTable("entities")
        self.clocks = FakeTable("clocks")


@dataclass
class Message:
    """What the handler reads of a Faust message."""

    offset: int
    value: bytes
    topic: str = "mentions"
    partition: int = 0
    key: bytes | None = None

    @property
    def tp(self) -> tuple[str, int]:
        return (self.topic, self.partition)


def batch_handler(fapp: FakeFirestormApp, config: Config | None = None) -> BatchHandler:
    config = config or Config(mentions_topic="mentions", partitions=1)
    engines = PartitionEngines(fapp, EngineSettings(), PlannedCalendar([]))  # type: ignore[arg-type]
    return BatchHandler(fapp, engines, Metrics(), config)  # type: ignore[arg-type]
