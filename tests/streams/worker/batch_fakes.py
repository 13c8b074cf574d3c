"""In-memory stand-ins for the Faust objects the worker's batch path touches (streams/worker/service.py).

Only what BatchHandler and PartitionEngines use: a producer and topics that record what is sent
and hand back an acknowledgement future, memory tables (`.data`, a changelog topic name) and
records shaped like Faust's messages. The real thing is exercised by tests/integration.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import orjson

from firestorm.models.planned import PlannedCalendar
from firestorm.streams.config import Config
from firestorm.streams.kafka.app import FirestormApp
from firestorm.streams.metrics import Metrics
from firestorm.streams.worker.partitions import PartitionEngines
from firestorm.streams.worker.service import BatchHandler


def acked() -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


@dataclass
class Sent:
    topic: str
    key: bytes | None
    value: bytes
    partition: int | None = None
    headers: Any = None


@dataclass
class FakeTopic:
    name: str
    sent: list[Sent] = field(default_factory=list)

    async def send(self, key: bytes | None = None, value: bytes = b"", headers: Any = None) -> asyncio.Future[Any]:
        self.sent.append(Sent(self.name, key, value, None, headers))
        return acked()


@dataclass
class FakeProducer:
    sent: list[Sent] = field(default_factory=list)

    async def send(
        self, topic: str, key: bytes | None, value: bytes, partition: int | None, timestamp: Any, headers: Any
    ) -> asyncio.Future[Any]:
        self.sent.append(Sent(topic, key, value, partition, headers))
        return acked()


@dataclass
class FakeTable:
    changelog_topic_name: str
    data: dict[bytes, bytes] = field(default_factory=dict)

    def items(self) -> Any:
        return self.data.items()

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)


@dataclass
class FakeApp:
    """No consumer: the handler then takes every record (no assignment to check against)."""

    producer: FakeProducer = field(default_factory=FakeProducer)


@dataclass
class Record:
    """What the worker reads of a Faust message."""

    topic: str
    partition: int
    offset: int
    value: bytes
    key: bytes | None = None

    @property
    def tp(self) -> tuple[str, int]:
        return (self.topic, self.partition)


@dataclass
class Harness:
    """A worker's batch path on fakes; `restart()` gives a new handler on the same tables."""

    config: Config
    fapp: FirestormApp
    metrics: Metrics
    handler: BatchHandler
    offsets: dict[int, int] = field(default_factory=dict)

    @classmethod
    def build(cls, config: Config | None = None) -> Harness:
        config = config or Config(mentions_topic="mentions", metrics_port=0)
        fapp = FirestormApp(
            app=FakeApp(),  # type: ignore[arg-type]
            mentions=None,
            alerts=FakeTopic(config.alerts_topic),
            dead_letters=FakeTopic(config.dead_letter_topic),
            entities=FakeTable("entities-changelog"),
            clocks=FakeTable("clocks-changelog"),
        )
        harness = cls(config, fapp, Metrics(100), BatchHandler.__new__(BatchHandler))
        harness.restart()
        return harness

    def restart(self) -> None:
        """A new worker process: engines rebuilt from the tables, nothing else carried over."""
        engines = PartitionEngines(self.fapp, self.config.engine_settings(), PlannedCalendar())
        self.metrics = Metrics(100)
        self.handler = BatchHandler(self.fapp, engines, self.metrics, self.config)
        self.handler.first_offset = first_offset_zero  # a new partition's log starts at 0, as on a fresh topic

    def records(self, partition: int, values: list[bytes]) -> list[Record]:
        start = self.offsets.get(partition, 0)
        self.offsets[partition] = start + len(values)
        topic = self.config.mentions_topic
        return [Record(topic, partition, start + i, v, b"acme") for i, v in enumerate(values)]

    async def run(self, batch: list[Record]) -> None:
        await asyncio.gather(*await self.handler.judge_and_store(batch))

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return [orjson.loads(s.value) for s in self.fapp.alerts.sent]

    @property
    def dead_letters(self) -> list[dict[str, Any]]:
        return [orjson.loads(s.value) for s in self.fapp.dead_letters.sent]

    def clock(self, partition: int) -> dict[str, Any]:
        return dict(orjson.loads(self.fapp.clocks.data[str(partition).encode()]))

    def outcome(self, name: str) -> float:
        value = self.metrics.registry.get_sample_value("firestorm_mentions_total", {"outcome": name})
        return value or 0.0


async def first_offset_zero(config: Config, topic: str, partition: int) -> int:
    return 0
