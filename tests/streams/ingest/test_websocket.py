"""streams/ingest/websocket.py: the one receive loop of the streaming sources, on a real local WebSocket."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web

from firestorm.streams.ingest.connector import Batch
from firestorm.streams.ingest.websocket import FrameBatching, FrameTooLarge
from tests.streams.ingest.servers import LocalServer


class FramesThenQuiet(LocalServer):
    """Sends `frames`, stays quiet for `quiet_s`, then closes (or sends one frame of `big` bytes)."""

    def __init__(self, frames: list[str], quiet_s: float, big: int = 0) -> None:
        super().__init__()
        self.frames, self.quiet_s, self.big = frames, quiet_s, big
        self.app.router.add_get("/ws", self.serve)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        for frame in self.frames:
            await ws.send_str(frame)
        await asyncio.sleep(self.quiet_s)
        if self.big:
            await ws.send_str("x" * self.big)
            await asyncio.sleep(0.5)
        await ws.close()
        return ws


def _add(batch: Batch, message: aiohttp.WSMessage) -> None:
    batch.received += 1
    batch.cursor = message.data


async def _read(server: FramesThenQuiet, batching: FrameBatching, max_msg_size: int = 4 * 1024 * 1024) -> list[Batch]:
    out: list[Batch] = []
    async with (
        server,
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{server.base}/ws", max_msg_size=max_msg_size) as ws,
    ):
        async for batch in batching.read(ws, None, _add):
            out.append(batch)
    return out


def test_frames_come_in_batches_of_at_most_batch_size_and_the_cursor_moves() -> None:
    batches = asyncio.run(_read(FramesThenQuiet([str(n) for n in range(5)], 0.0), FrameBatching(0.05, 5, batch_size=2)))
    assert sum(b.received for b in batches) == 5 and max(b.received for b in batches) <= 2
    assert batches[-1].cursor == "4"


def test_a_silent_source_times_out_unless_quiet_is_normal() -> None:
    with pytest.raises(TimeoutError, match=r"no frame for 0\.3s"):
        asyncio.run(_read(FramesThenQuiet(["1"], 2.0), FrameBatching(0.05, 0.3)))
    batches = asyncio.run(_read(FramesThenQuiet(["1"], 1.0), FrameBatching(0.05, 0.3, quiet_ok=True)))
    assert [b.cursor for b in batches] == ["1"]  # waited through the quiet, then the server closed


def test_an_oversized_frame_raises_after_the_frames_before_it_went_out() -> None:
    got: list[Batch] = []

    async def go() -> None:
        server = FramesThenQuiet(["1", "2"], 0.0, big=4096)
        async with (
            server,
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{server.base}/ws", max_msg_size=1024) as ws,
        ):
            async for batch in FrameBatching(5, 5).read(ws, None, _add):
                got.append(batch)

    with pytest.raises(FrameTooLarge):
        asyncio.run(go())
    assert [b.cursor for b in got] == ["2"] and got[0].received == 2
    assert issubclass(FrameTooLarge, aiohttp.ClientError)  # a source without a remedy reconnects
