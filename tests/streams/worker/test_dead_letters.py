"""A batch is acknowledged only once the broker has its dead letters, as its alerts and state."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from tests.streams.worker.batch_app import FakeFirestormApp, Message, Sends, batch_handler


def mention(n: int) -> bytes:
    return orjson.dumps({"id": f"m{n}", "entity": "acme", "ts": f"2026-01-05T10:00:{n:02d}Z", "text": "fine"})


def batch_with_a_bad_record() -> list[Message]:
    values = [mention(0), b"this is not json", mention(1)]
    return [Message(offset=i, value=v) for i, v in enumerate(values)]


def test_a_failed_dead_letter_send_fails_the_batch() -> None:
    async def run() -> None:
        fapp = FakeFirestormApp(dead_letter_sends=Sends(auto=False))
        handler = batch_handler(fapp)
        handler.engines.guard(0).next_offset = 0  # its start is known: no broker needed
        task = asyncio.ensure_future(handler.judge_and_store(batch_with_a_bad_record()))
        await asyncio.sleep(0.05)
        assert len(fapp.dead_letter_sends.futures) == 1
        fapp.dead_letter_sends.futures[0].set_exception(RuntimeError("broker lost the dead letter"))
        with pytest.raises(RuntimeError, match="lost the dead letter"):
            await asyncio.gather(*await task)  # the batch's acknowledgements fail: it is never acked

    asyncio.run(run())


def test_the_batch_waits_for_its_dead_letters_before_writing_state() -> None:
    async def run() -> None:
        fapp = FakeFirestormApp(dead_letter_sends=Sends(auto=False))
        handler = batch_handler(fapp)
        handler.engines.guard(0).next_offset = 0
        task = asyncio.ensure_future(handler.judge_and_store(batch_with_a_bad_record()))
        await asyncio.sleep(0.1)
        assert not task.done(), "the batch went on before the broker had its dead letter"
        assert fapp.state_sends.sent == [], "state was written before the dead letter was acknowledged"
        fapp.dead_letter_sends.futures[0].set_result(None)
        pending = await asyncio.wait_for(task, 5)
        await asyncio.gather(*pending)
        assert [s[0] for s in fapp.state_sends.sent] == ["entities-changelog", "clocks-changelog"]

    asyncio.run(run())
