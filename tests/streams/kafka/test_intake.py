"""The batch intake's buffer against a real (unstarted) Faust app and its IntakeConsumer."""

from __future__ import annotations

import asyncio
from typing import Any

from faust.types import TP, Message

from firestorm.streams.kafka.app import FirestormApp
from firestorm.streams.kafka.intake import FETCH_MAX_WAIT_MS, BatchIntake, IntakeConsumer, IntakeConsumerThread


def intake_of(
    fapp: FirestormApp, batch_size: int = 3, within_s: float = 0.05, capacity: int | None = None
) -> BatchIntake:
    intake = BatchIntake(fapp.app, fapp.mentions, batch_size, within_s, capacity)
    intake.attach()
    return intake


def message(fapp: FirestormApp, offset: int, partition: int = 0, generation: int | None = None) -> Any:
    topic = fapp.mentions.get_topic_name()
    gen = fapp.app.consumer_generation_id if generation is None else generation
    return Message(
        topic, partition, offset, 0.0, 0, None, b"k", b"v", None, None, tp=TP(topic, partition), generation_id=gen
    )


def test_the_app_delivers_through_an_intake_consumer(fapp: FirestormApp) -> None:
    assert isinstance(fapp.app.consumer, IntakeConsumer)
    intake = intake_of(fapp)
    assert fapp.app.consumer.intakes[fapp.mentions.get_topic_name()] is intake


def test_batches_come_in_order_of_at_most_batch_size_and_are_tracked_until_acked(fapp: FirestormApp) -> None:
    async def scenario() -> None:
        intake = intake_of(fapp, batch_size=3)
        await fapp.app.topics._update_indices()  # type: ignore[attr-defined]  # done when the conductor subscribes
        records = [message(fapp, offset) for offset in range(5)]
        assert all(intake.offer(r) for r in records)
        first = await intake.take()
        assert [m.offset for m in first] == [0, 1, 2]
        # A batch is in the consumer's unacked set (what a rebalance waits on) through its last record.
        assert set(fapp.app.consumer.unacked) == {first[-1]}
        second = await intake.take()  # fewer than a batch: given after `within_s`
        assert [m.offset for m in second] == [3, 4]
        assert set(fapp.app.consumer.unacked) == {first[-1], second[-1]}
        intake.ack(first)
        assert all(m.acked for m in first) and not any(m.acked for m in second)
        assert set(fapp.app.consumer.unacked) == {second[-1]}
        intake.ack(second)
        assert not fapp.app.consumer.unacked

    asyncio.run(scenario())


def test_a_partial_batch_waits_for_more_records_within_the_wait(fapp: FirestormApp) -> None:
    async def scenario() -> None:
        intake = intake_of(fapp, batch_size=3, within_s=2.0)
        intake.offer(message(fapp, 0))
        taking = asyncio.ensure_future(intake.take())
        await asyncio.sleep(0.05)
        assert not taking.done()
        intake.offer(message(fapp, 1))
        intake.offer(message(fapp, 2))  # the batch is full: given at once, not after 2 s
        batch = await asyncio.wait_for(taking, 1.0)
        assert [m.offset for m in batch] == [0, 1, 2]

    asyncio.run(scenario())


def test_nothing_is_taken_in_while_the_flow_is_suspended(fapp: FirestormApp) -> None:
    intake = intake_of(fapp)
    fapp.app.consumer.stop_flow()
    assert not intake.offer(message(fapp, 0))
    fapp.app.consumer.resume_flow()
    fapp.app.flow_control.suspend()
    assert not intake.offer(message(fapp, 0))
    assert len(intake) == 0


def test_a_record_of_an_older_consumer_generation_is_refused(fapp: FirestormApp) -> None:
    intake = intake_of(fapp)
    fapp.app.consumer_generation_id = 4
    assert not intake.offer(message(fapp, 0, generation=3))
    assert intake.offer(message(fapp, 1, generation=4))


def test_records_buffered_before_a_rebalance_are_dropped_on_assignment(fapp: FirestormApp) -> None:
    async def scenario() -> None:
        intake = intake_of(fapp, batch_size=10, within_s=0.01)
        fapp.app.consumer_generation_id = 1
        intake.offer(message(fapp, 0))
        intake.offer(message(fapp, 1))
        fapp.app.consumer_generation_id = 2
        intake.offer(message(fapp, 2))
        intake.drop_stale()
        assert [m.offset for m in await intake.take()] == [2]

    asyncio.run(scenario())


def test_the_buffer_is_bounded_and_cleared_on_revoke(fapp: FirestormApp) -> None:
    intake = intake_of(fapp, batch_size=2, capacity=4)
    for offset in range(4):
        intake.offer(message(fapp, offset))
    assert intake.full
    fapp.app.flow_control.clear()  # what Faust does to its queues when partitions are revoked
    assert len(intake) == 0 and not intake.full


def test_room_is_made_when_a_batch_is_taken(fapp: FirestormApp) -> None:
    async def scenario() -> None:
        intake = intake_of(fapp, batch_size=2, capacity=4)
        for offset in range(4):
            intake.offer(message(fapp, offset))
        room = asyncio.ensure_future(intake.wait_for_room())
        await asyncio.sleep(0)
        assert not room.done()
        await intake.take()
        await asyncio.wait_for(room, 1.0)
        assert not intake.full

    asyncio.run(scenario())


def test_the_worker_consumer_asks_the_broker_to_hold_a_fetch_at_most_the_intake_wait(fapp: FirestormApp) -> None:
    # Faust builds it with 1,500 ms; aiokafka's one fetch in flight per broker would make a
    # partition whose records were just read wait that long behind its quiet neighbours.
    async def scenario() -> None:
        thread = fapp.app.consumer._thread  # type: ignore[attr-defined]
        assert isinstance(thread, IntakeConsumerThread)
        kafka_consumer = thread._create_worker_consumer(fapp.app.transport)
        try:
            assert kafka_consumer._fetch_max_wait_ms == FETCH_MAX_WAIT_MS < 1500
        finally:
            await kafka_consumer.stop()  # never started: nothing to close but its client

    asyncio.run(scenario())
