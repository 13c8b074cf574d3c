"""The batch table recovery against a real (unstarted) Faust app: changelog records queued
without a task per record, and applied in batches exactly as Faust's recovery applies them."""

from __future__ import annotations

import asyncio
from typing import Any

from faust.types import TP, Message

from firestorm.streams.kafka import faust_compat
from firestorm.streams.kafka.app import FirestormApp


def record(topic: str, partition: int, offset: int, key: bytes, value: bytes) -> Any:
    return Message(topic, partition, offset, 0.0, 0, None, key, value, None, None, tp=TP(topic, partition))


async def changelog_channel(fapp: FirestormApp) -> tuple[str, Any]:
    # As the table manager does when it starts (without starting the tables: no broker here).
    tables = fapp.app.tables
    for table in (fapp.entities, fapp.clocks):
        tables._channels[table] = table.changelog_topic.clone_using_queue(tables.changelog_queue)  # type: ignore[attr-defined]
    topic = fapp.entities.changelog_topic.get_topic_name()
    return topic, faust_compat.changelog_channels(fapp.app)[topic]


def test_the_app_recovers_its_tables_in_batches(fapp: FirestormApp) -> None:
    assert isinstance(fapp.app.tables, faust_compat.BatchTableManager)
    assert isinstance(fapp.app.tables.recovery, faust_compat.BatchRecovery)


def test_a_changelog_record_is_queued_only_while_the_flow_is_active_and_the_queue_has_room(
    fapp: FirestormApp,
) -> None:
    async def scenario() -> None:
        topic, channel = await changelog_channel(fapp)
        consumer = fapp.app.consumer
        queue = fapp.app.tables.changelog_queue
        assert channel.queue is queue
        event = await channel.decode(record(topic, 0, 0, b"a", b"1"))
        assert faust_compat.queue_changelog(consumer, channel, event)
        assert queue.qsize() == 1
        fapp.app.flow_control.suspend()  # a rebalance: Faust's own path (which waits) takes it
        assert not faust_compat.queue_changelog(consumer, channel, event)
        fapp.app.flow_control.resume()
        while not queue.full():
            queue.put_nowait(event)
        assert not faust_compat.queue_changelog(consumer, channel, event)  # full: Faust's path waits for room
        assert queue.qsize() == queue.maxsize

    asyncio.run(scenario())


def test_recovery_applies_every_record_in_offset_order_and_ends_at_the_highwater(fapp: FirestormApp) -> None:
    async def scenario() -> None:
        topic, channel = await changelog_channel(fapp)
        recovery = fapp.app.tables.recovery
        table = fapp.entities
        tps = [TP(topic, 0), TP(topic, 1)]
        # Partition 0: 6,000 records over 50 keys (more than a batch, each key written many times);
        # partition 1: 3 records, then one again (a refetch) that must not roll the key back.
        records = [record(topic, 0, n, b"k%d" % (n % 50), b"v%d" % n) for n in range(6000)]
        records += [record(topic, 1, n, b"p1-%d" % n, b"w%d" % n) for n in range(3)]
        records.append(record(topic, 1, 1, b"p1-2", b"stale"))
        for tp in tps:
            recovery.active_tps.add(tp)
            recovery.tp_to_table[tp] = table
            recovery.active_offsets[tp] = -1
        recovery.active_highwaters.update({tps[0]: 5999, tps[1]: 2})  # Faust's: the end offset - 1
        recovery._set_recovery_started()  # type: ignore[attr-defined]
        slurp = asyncio.ensure_future(faust_compat.slurp_changelogs(recovery))
        try:
            for r in records:
                event = await channel.decode(r)
                if not faust_compat.queue_changelog(fapp.app.consumer, channel, event):
                    await channel.queue.put(event)  # the queue is full: wait for room, as Faust does
            await asyncio.wait_for(recovery.signal_recovery_end.wait(), 10.0)
        finally:
            slurp.cancel()
        data = faust_compat.table_store(table)
        assert {k: data[k] for k in (b"k0", b"k49")} == {b"k0": b"v5950", b"k49": b"v5999"}
        assert len([k for k in data if k.startswith(b"k")]) == 50
        assert data[b"p1-2"] == b"w2"  # the stale copy (offset 1 again) was not applied
        assert dict(recovery.active_offsets) == {tps[0]: 5999, tps[1]: 2}
        assert not recovery.in_recovery and not recovery.need_recovery()

    asyncio.run(scenario())
