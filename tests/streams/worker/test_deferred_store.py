"""Several batches, one state write (streams/worker/service.py BatchHandler.judge/store): what a worker
with a backlog does. The state written once equals the state written after every batch, nothing
is written before `store()`, and a rebalance in between drops the unwritten state (its batches
must then never be acked)."""

from __future__ import annotations

import asyncio

import orjson

from tests.models.builders import storm_stream
from tests.streams.worker.batch_fakes import Harness


def storm_lines() -> list[bytes]:
    return [orjson.dumps(o) for o in storm_stream(entities=("acme", "globex"))]


def changelog_records(h: Harness) -> int:
    return len(h.fapp.app.producer.sent)  # type: ignore[attr-defined]


def test_one_write_for_several_batches_leaves_the_state_of_a_write_per_batch() -> None:
    async def scenario() -> None:
        lines = storm_lines()
        every = Harness.build()
        coalesced = Harness.build()
        for n, i in enumerate(range(0, len(lines), 20)):
            await every.run(every.records(n % 2, lines[i : i + 20]))
            await coalesced.handler.judge(coalesced.records(n % 2, lines[i : i + 20]))
            if n % 5 == 4:  # one write every fifth batch
                pending = await coalesced.handler.store()
                assert pending is not None
                await asyncio.gather(*pending)
        pending = await coalesced.handler.store()
        assert pending is not None
        await asyncio.gather(*pending)
        assert coalesced.alerts == every.alerts and coalesced.alerts
        assert coalesced.fapp.entities.data == every.fapp.entities.data
        assert coalesced.fapp.clocks.data == every.fapp.clocks.data
        assert changelog_records(coalesced) < changelog_records(every) / 2

    asyncio.run(scenario())


def test_nothing_is_written_before_store_and_a_rebalance_drops_the_unwritten_state() -> None:
    async def scenario() -> None:
        h = Harness.build()
        lines = storm_lines()
        await h.handler.judge(h.records(0, lines[:300]))
        assert h.handler.unstored
        assert h.fapp.entities.data == {} and h.fapp.clocks.data == {} and changelog_records(h) == 0
        h.handler.engines.clear()  # partitions revoked or assigned meanwhile: that state is gone
        assert await h.handler.store() is None
        assert not h.handler.unstored
        assert h.fapp.entities.data == {} and changelog_records(h) == 0
        # The records come again (from the committed offsets) and are counted once.
        h.offsets.clear()
        await h.run(h.records(0, lines[:300]))
        once = Harness.build()
        await once.run(once.records(0, lines[:300]))
        assert h.fapp.entities.data == once.fapp.entities.data and h.clock(0) == once.clock(0)

    asyncio.run(scenario())
