"""Where the runner sends mentions: the mentions topic (keyed by entity) and its dead-letter topic.

`send` returns only once the broker acked every record (acks=all), which is what allows the
runner to persist a connector's cursor afterwards.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from aiokafka import AIOKafkaProducer

from firestorm.models.records import DecodeError
from firestorm.streams.config import Config
from firestorm.streams.kafka.dead_letter import dead_letter_record
from firestorm.streams.kafka.security import aiokafka_security


class Sink(Protocol):
    async def start(self) -> None: ...

    async def send(
        self, mentions: list[tuple[bytes, bytes]], rejected: list[tuple[bytes, DecodeError]], origin: str
    ) -> None:
        """Write (entity key, mention JSON) pairs and dead letters; return once all are acked."""

    async def stop(self) -> None: ...


class KafkaSink:
    """The real thing: an idempotent aiokafka producer with acks=all."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.config.kafka_bootstrap,
            client_id=f"{self.config.app_id}-ingest",
            acks="all",
            enable_idempotence=True,
            linger_ms=20,
            max_request_size=1024 * 1024,
            **aiokafka_security(self.config),
        )
        await self._producer.start()

    async def send(
        self, mentions: list[tuple[bytes, bytes]], rejected: list[tuple[bytes, DecodeError]], origin: str
    ) -> None:
        producer = self._producer
        if producer is None:
            raise RuntimeError("KafkaSink.send before start")
        pending = [await producer.send(self.config.mentions_topic, value=v, key=k) for k, v in mentions]
        for raw, error in rejected:
            value, headers = dead_letter_record(raw, error, origin, -1, -1)
            pending.append(await producer.send(self.config.dead_letter_topic, value=value, headers=headers))
        if pending:
            await asyncio.gather(*pending)

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
