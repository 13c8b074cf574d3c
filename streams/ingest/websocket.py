"""The WebSocket receive loop the streaming sources share (Jetstream, Mastodon's streaming API).

Frames are added to a Batch by the source's own `add`; a batch goes out when it holds
`batch_size` frames or `batch_wait_s` after its first frame, and at the end of the stream. A
source that falls silent for `idle_timeout_s` raises TimeoutError (`quiet_ok`: a quiet hashtag
is normal, and the WebSocket heartbeat tells a dead link); a frame over aiohttp's max_msg_size
raises FrameTooLarge after the frames before it went out.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp

from firestorm.streams.ingest.connector import Batch, Cursor

_CLOSING = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)


class FrameTooLarge(aiohttp.ClientError):
    """A frame over the connection's max_msg_size: aiohttp closed the connection (1009)."""


@dataclass(frozen=True, slots=True)
class FrameBatching:
    """How a streaming source cuts its frames into batches; each connector keeps one and reads
    every connection through it."""

    batch_wait_s: float
    idle_timeout_s: float
    batch_size: int | None = None
    quiet_ok: bool = False

    async def read(
        self, ws: aiohttp.ClientWebSocketResponse, cursor: Cursor, add: Callable[[Batch, aiohttp.WSMessage], None]
    ) -> AsyncIterator[Batch]:
        """The batches of frames read from `ws`, each starting from the cursor the last one reached."""
        batch_wait_s, idle_timeout_s, batch_size = self.batch_wait_s, self.idle_timeout_s, self.batch_size
        batch = Batch(cursor=cursor)
        deadline = time.monotonic() + batch_wait_s
        while True:
            try:
                message = await ws.receive(
                    timeout=max(0.0, deadline - time.monotonic()) if batch.received else idle_timeout_s
                )
            except TimeoutError:
                if batch.received:
                    message = None
                elif self.quiet_ok:
                    deadline = time.monotonic() + batch_wait_s
                    continue
                else:
                    raise TimeoutError(f"no frame for {idle_timeout_s:g}s") from None
            if message is not None:
                if message.type in _CLOSING:
                    break
                if message.type == aiohttp.WSMsgType.ERROR:
                    error = message.data if isinstance(message.data, BaseException) else ws.exception()
                    if _too_big(error, ws):
                        if batch.received:
                            yield batch  # what came before the frame is kept; the cursor stays before it
                        raise FrameTooLarge(str(error))
                    raise aiohttp.ClientError(f"websocket error: {error}")
                add(batch, message)
            full = batch_size is not None and batch.received >= batch_size
            if full or (batch.received and time.monotonic() >= deadline):
                yield batch
                batch = Batch(cursor=batch.cursor)
                deadline = time.monotonic() + batch_wait_s
        if batch.received:
            yield batch


def _too_big(error: BaseException | None, ws: aiohttp.ClientWebSocketResponse) -> bool:
    """aiohttp's way of saying a frame was over max_msg_size (close code 1009, MESSAGE_TOO_BIG)."""
    code = getattr(error, "code", None)
    return code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG or ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
