"""One Engine per assigned partition of the worker, restored from the changelogged tables after a
rebalance and written back to them once a second (`PartitionEngines`), and the tables' record form."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

import orjson

from firestorm.models.engine import Engine, EngineSettings, EntityState
from firestorm.models.planned import PlannedCalendar
from firestorm.streams.kafka import faust_compat
from firestorm.streams.kafka.app import FirestormApp
from firestorm.streams.kafka.offsets import OffsetGuard

log = logging.getLogger("firestorm.worker")


def table_value(partition: int, state: EntityState) -> bytes:
    """The changelogged table's value for one entity: its partition and serialized state.

    orjson returns its output in the oversized buffer it grew while writing (about 10-25 kB held
    for a 6 kB state, measured), and the in-memory table keeps that object for as long as the
    entity lives: an exact-size copy is what the table should hold.
    """
    return bytes(memoryview(orjson.dumps({"p": partition, "s": state.to_dict()})))


def partition_prefix(partition: int) -> bytes:
    """How every table_value of the partition begins: restore parses only those."""
    return b'{"p":%d,' % partition


class PartitionEngines:
    """One Engine per assigned partition, rebuilt from the tables after a rebalance."""

    def __init__(self, fapp: FirestormApp, settings: EngineSettings, calendar: PlannedCalendar) -> None:
        self.fapp = fapp
        self.settings = settings
        self.calendar = calendar  # shared by every partition's engine, fed by the control topic
        self._engines: dict[int, Engine] = {}
        self._guards: dict[int, OffsetGuard] = {}
        # Bumped by clear(): state processed under an older epoch and not written is gone.
        self.epoch = 0

    def clear(self) -> None:
        self._engines.clear()
        self._guards.clear()
        self.epoch += 1

    def get(self, partition: int) -> Engine:
        engine = self._engines.get(partition)
        if engine is None:
            engine = self._engines[partition] = self._restore(partition)
        return engine

    def has(self, partition: int) -> bool:
        return partition in self._engines

    def guard(self, partition: int) -> OffsetGuard:
        """The offsets the partition's state accounts for (restored with its engine)."""
        self.get(partition)
        return self._guards[partition]

    def _restore(self, partition: int) -> Engine:
        entities: dict[str, EntityState] = {}
        mine = partition_prefix(partition)
        for _key, value in self.fapp.entities.items():
            if bytes(value[: len(mine)]) != mine:
                continue  # another partition's entity: not parsed (table_value writes the partition first)
            state = EntityState.from_dict(orjson.loads(value)["s"])
            entities[state.entity] = state
        clock = self.fapp.clocks.get(str(partition).encode())
        clock_state = orjson.loads(clock) if clock else {}
        log.info("partition %d: resumed %d entities, clock %s", partition, len(entities), clock_state)
        self._guards[partition] = OffsetGuard(clock_state.get("next_offset"))
        engine = Engine(
            self.settings,
            entities=entities,
            clock_ms=clock_state.get("clock_ms"),
            closed_boundary_ms=clock_state.get("closed_boundary_ms"),
            held=clock_state.get("held", ()),
            planned=self.calendar,
        )
        engine.report_dormant = True  # the metrics read a dormant entity's windows as quiet
        return engine

    async def persist(self, partition: int, engine: Engine) -> list[Awaitable[Any]]:
        """Write changed entities and the clock to the tables, their changelog records to the
        partition of the mentions they account for. Returns the broker acknowledgements to await
        before the batch's offsets may be committed."""
        acks = [
            await self._write(
                self.fapp.entities,
                entity.encode(),
                table_value(partition, engine.entities[entity]),
                partition,
            )
            for entity in sorted(engine.take_dirty())
        ]
        # The clock record also says which offset the partition's state expects next (streams/kafka/offsets.py).
        clock = orjson.dumps({**engine.clock_state(), "next_offset": self.guard(partition).next_offset})
        acks.append(await self._write(self.fapp.clocks, str(partition).encode(), clock, partition))
        return acks

    async def _write(self, table: Any, key: bytes, value: bytes, partition: int) -> Awaitable[Any]:
        """`table[key] = value`, with the changelog record handed to the producer directly.

        Faust's Table.__setitem__ takes the changelog partition from the current stream event
        (the worker has none: it takes records in batches) and queues the record in its
        ProducerBuffer, which one task drains a record at a time and whose flush before a commit
        gives up after 100 ms: offsets could then be committed ahead of the state. Here the store
        is updated as __setitem__ does it (the tables are memory stores: no persisted offset to
        keep) and the record goes to the producer at once; the returned future resolves when the
        broker has it. The keys and values are bytes, which is what the tables' raw codec writes.
        """
        faust_compat.table_store(table)[key] = value
        return await self.fapp.app.producer.send(table.changelog_topic_name, key, value, partition, None, None)
