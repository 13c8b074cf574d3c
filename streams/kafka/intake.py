"""Batch intake: the mentions topic's records go from Faust's consumer straight into a buffer.

Faust hands every record to its streams one at a time: the consumer's drain loop races each
delivery against a flow suspension (`wait_first`: four tasks and an `asyncio.wait` per record),
the conductor wraps it in an Event and queues it, and the stream walks it through its
processors before `take_events` batches it again. The worker only ever wants batches, and that
per-record path cost more CPU than the models. Here the consumer (a subclass of Faust's aiokafka
consumer) appends each record of a topic that has an intake to a plain list, synchronously, and
a single task takes batches from it.

What Faust's path guarantees is kept:

- consumer group, commits and changelogged tables are Faust's own;
- a batch is tracked as unacked when it is taken (its last record goes into `consumer.unacked`,
  which a rebalance and a stop wait on: one weak reference per batch, not per record), and its
  records are acked through `consumer.ack` only after the batch's state and alerts are
  acknowledged by the broker, so offsets are committed after the state that accounts for them;
- nothing is taken in while the flow is suspended (rebalance, recovery): a refused record does
  not advance the consumer's read offset, and the seek to the committed offsets that ends every
  suspension fetches it again (Faust's own path drops such a record and advances past it);
  records fetched before that seek but handed over after it are refused too (they come again
  from the seek), so no later record can overtake them; a record that still never reaches a
  batch is a hole the worker's offset guard reads back from the broker (streams/kafka/offsets.py);
- the buffer is registered with `app.flow_control`, which clears it when partitions are
  revoked, as it does for the agents' channel queues; records of an older consumer generation
  are dropped when a batch is taken, as Faust's streams skip them;
- the buffer is bounded: the drain loop waits for room, as it waits when a channel queue is full.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from faust.transport.drivers import aiokafka as aiokafka_driver

from firestorm.streams.kafka import faust_compat

# How long the broker may hold the worker's fetch when the partitions in it have nothing new
# (Faust builds its consumer with 1,500 ms). aiokafka keeps one fetch in flight per broker and
# leaves out of it a partition whose fetched records are still buffered: while the event loop
# judges a batch, that partition's next records wait for the fetch of the others to return, up to
# this long when they are quiet. A fetch with records comes back as soon as they are appended.
FETCH_MAX_WAIT_MS = 100


class BatchIntake:
    """Records of one topic, taken in batches of at most `batch_size`, waiting at most `within`
    seconds after the oldest buffered record arrived for a batch to fill."""

    def __init__(self, app: Any, topic: Any, batch_size: int, within_s: float, capacity: int | None = None) -> None:
        self.app = app
        self.topic = topic
        self.topic_names = frozenset(topic.topics)
        self.batch_size = batch_size
        self.within_s = within_s
        self.capacity = max(capacity or 4 * batch_size, batch_size)
        self._items: list[Any] = []
        self._first_at = 0.0
        self._nonempty = asyncio.Event()
        self._filled = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()

    def attach(self) -> None:
        """Subscribe to the topic through Faust, route its records here, and have the buffer
        cleared with the channel queues when partitions are revoked. Runs when the app starts."""
        consumer = self.app.consumer
        if not isinstance(consumer, IntakeConsumer):
            raise TypeError("the app's consumer must be an IntakeConsumer (see firestorm.streams.kafka.app)")
        self.app.topics.add(self.topic)  # the consumer group subscribes to it; acks are enabled for it
        for name in self.topic_names:
            consumer.intakes[name] = self
        self.app.flow_control.manage_queue(self)

    def __len__(self) -> int:
        return len(self._items)

    # -- the consumer side ---------------------------------------------------------------------

    def accepting(self, message: Any) -> bool:
        """False while the flow is suspended or for a record of an older consumer generation."""
        app = self.app
        return bool(
            app.consumer.flow_active
            and app.flow_control.is_active()
            and message.generation_id == app.consumer_generation_id
        )

    def offer(self, message: Any) -> bool:
        """Buffer a fetched record; False (and nothing buffered) while the flow is suspended."""
        if not self.accepting(message):
            return False
        items = self._items
        now = time.monotonic()
        message.time_in = now  # the arrival time of the mention (alert latency metric)
        items.append(message)
        n = len(items)
        if n == 1:
            self._first_at = now
            self._nonempty.set()
        if n >= self.batch_size:
            self._filled.set()
            if n >= self.capacity:
                self._room.clear()
        return True

    @property
    def full(self) -> bool:
        return not self._room.is_set()

    async def wait_for_room(self) -> None:
        await self._room.wait()

    def clear(self) -> None:
        """Drop everything buffered (partitions revoked: the records will be fetched again by
        whoever gets the partitions, from the committed offsets)."""
        self._items = []
        self._nonempty.clear()
        self._filled.clear()
        self._room.set()

    def drop_stale(self) -> None:
        """Drop records fetched by an older consumer generation (called on assignment)."""
        generation = self.app.consumer_generation_id
        kept = [m for m in self._items if m.generation_id == generation]
        if len(kept) != len(self._items):
            self.clear()
            for message in kept:
                self.offer(message)

    # -- the batch side -------------------------------------------------------------------------

    async def take(self) -> list[Any]:
        """The next batch (never empty), once the flow is active; its records are tracked as unacked."""
        app = self.app
        while True:
            await self._nonempty.wait()
            if len(self._items) < self.batch_size:
                wait_s = self._first_at + self.within_s - time.monotonic()
                if wait_s > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._filled.wait(), wait_s)
            await app.flow_control.acquire()
            items = self._items
            if not items:
                self._nonempty.clear()
                continue
            batch, rest = items[: self.batch_size], items[self.batch_size :]
            self._items = rest
            if rest:
                self._first_at = rest[0].time_in
                if len(rest) < self.batch_size:
                    self._filled.clear()
            else:
                self._nonempty.clear()
                self._filled.clear()
            if len(rest) < self.capacity:
                self._room.set()
            generation = app.consumer_generation_id
            consumer = app.consumer
            if not (consumer.flow_active and app.flow_control.is_active()):
                continue  # suspended while this task waited: the revoke clears the rest
            taken = [message for message in batch if message.generation_id == generation]
            if taken:
                for message in taken:
                    message.tracked = True
                # As Faust's Stream does for every record (Consumer.track_message without sensors),
                # once per batch: a rebalance waits while the set holds anything, and the batch's
                # records are acked together, the last one last (the ack removes it from the set).
                consumer.unacked.add(taken[-1])
                return taken

    def ack(self, batch: list[Any]) -> None:
        """The batch's state and alerts are on the broker: its offsets may be committed (in
        order: the last record, which stands for the batch in `consumer.unacked`, last)."""
        ack = self.app.consumer.ack
        for message in batch:
            ack(message)


class IntakeConsumer(aiokafka_driver.Consumer):
    """Faust's aiokafka consumer, delivering the records of topics with a BatchIntake to it
    synchronously; every other topic (the tables' changelogs...) goes through Faust's conductor."""

    intakes: dict[str, BatchIntake]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.intakes = {}
        self.seeks = 0  # changes when a seek to the committed offsets starts, and when it ends
        self._rewind: dict[Any, int] = {}  # partition -> lowest offset refused since its last rewind

    def _new_consumer_thread(self) -> IntakeConsumerThread:
        return IntakeConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def take_in(self, intake: BatchIntake, tp: Any, message: Any, fetched_in: int) -> bool:
        """Hand a fetched record to its intake, or refuse it and have its partition rewound.

        A record is refused while the flow is suspended (rebalance, recovery) and when it was
        fetched before a seek to the committed offsets (which may have happened after the fetch,
        or while it was in flight). A refused record is not marked read, and neither is any later
        record of its partition: once the flow is steady again the partition is rewound to the
        last record taken in, so nothing is skipped and nothing overtakes it (Faust's own path
        drops such records and reads on). Records of an older consumer generation are only
        dropped: the seek that ends the rebalance fetches them again.
        """
        offset = message.offset
        if tp in self._rewind:
            self._rewind[tp] = min(self._rewind[tp], offset)
            return False
        if fetched_in == self.seeks and intake.offer(message):
            return True
        if message.generation_id == self.app.consumer_generation_id:
            self._rewind[tp] = offset
        return False

    def has_refused(self) -> bool:
        """Some partition has refused records waiting for a rewind."""
        return bool(self._rewind)

    def steady(self) -> bool:
        """The flow is active and no seek to the committed offsets is under way."""
        return bool(self.flow_active and self.app.flow_control.is_active() and self.seeks % 2 == 0)

    async def rewind_refused(self) -> None:
        """Seek every partition with refused records back to the last record taken in (or the
        first refused, when none was): a record taken twice is skipped by the worker's offset
        guard, a record never taken would be a hole."""
        rewind, self._rewind = self._rewind, {}
        assigned = self.assignment()
        for tp, lowest in rewind.items():
            if tp in assigned:
                read = faust_compat.read_offsets(self).get(tp)
                target = lowest if read is None else min(read, lowest)
                self.log.info("refetching %s from offset %d (records refused while the flow was suspended)", tp, target)
                await self.seek(tp, target)

    async def perform_seek(self) -> None:
        """Seek to the committed offsets (end of a rebalance or recovery), dropping what the
        intakes hold and what is fetched meanwhile: all of it is fetched again from there."""
        self.seeks += 1
        for intake in set(self.intakes.values()):
            intake.clear()
        try:
            await super().perform_seek()
        finally:
            self.seeks += 1

    def getmany(self, timeout: float) -> AsyncIterator[tuple[Any, Any]]:  # pragma: no cover - integration tests
        # Faust's getmany, lighter per record: kept with the other Faust internals.
        return faust_compat.getmany(self, timeout)

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - faust_compat, integration tests
        # Faust's drain loop with the intake branch added: kept with the other Faust internals.
        await faust_compat.drain_messages(self, fetcher)


class IntakeConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    """Faust's consumer thread, whose aiokafka consumer fetches with FETCH_MAX_WAIT_MS."""

    def _create_worker_consumer(self, transport: Any) -> Any:  # faust_compat: Faust's, with the fetch wait set
        return faust_compat.worker_consumer(self, transport, FETCH_MAX_WAIT_MS)


class IntakeTransport(aiokafka_driver.Transport):
    Consumer = IntakeConsumer
