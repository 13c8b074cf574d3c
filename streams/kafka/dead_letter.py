"""The dead-letter record: why and where a mention was refused, and its bytes, in a record that fits.

A dead letter carries the original bytes whole when they are within the mention contract's limit
(256 KiB) and the envelope fits the producer's request size; otherwise it references them (topic,
partition, offset, size, sha256) with the first EXCERPT_BYTES as an excerpt. A record the broker
accepted can then never produce a dead letter the producer or the dead-letter topic refuses:
`send_dead_letter` sends a smaller one again when the broker says it is too large.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypedDict

import orjson

from firestorm.models.records import MAX_MESSAGE_BYTES, DecodeError

REASON_HEADER = "firestorm-dlq-reason"
EXCERPT_BYTES = 4096  # the bounded excerpt of a payload too large to carry whole
KEY_BYTES = 1024  # a longer key is dropped from the dead letter (it only picks the partition)
DETAIL_CHARS = 500
# aiokafka's default max_request_size is 1 MiB; Faust's producer_max_request_size, 1,000,000 bytes.
PRODUCER_MAX_REQUEST_BYTES = 1_000_000
# Room for the record batch header, the key and the reason header inside a request.
RECORD_OVERHEAD_BYTES = 512

log = logging.getLogger("firestorm.worker")


class DeadLetter(TypedDict):
    """A mention the worker refused (`<mentions>.dlq`), with why and where, and its bytes or their start.

    `size` and `sha256` are the whole record's; `payload_b64` holds it (base64), or only its first
    bytes when `truncated`; `payload` is that as text when it is UTF-8, else null. (`topic`,
    `partition`, `offset`) find the record itself on the mentions topic."""

    reason: str
    detail: str
    topic: str
    partition: int
    offset: int
    size: int
    sha256: str
    truncated: bool
    payload_b64: str
    payload: str | None


def _text(raw: bytes) -> str | None:
    """The bytes as text when they are UTF-8; an excerpt cut inside a character loses that character."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3 and exc.reason == "unexpected end of data":
            return raw[: exc.start].decode("utf-8")
        return None


def dead_letter_record(
    raw: bytes,
    error: DecodeError,
    topic: str,
    partition: int,
    offset: int,
    max_bytes: int = PRODUCER_MAX_REQUEST_BYTES - RECORD_OVERHEAD_BYTES,
    excerpt_bytes: int = EXCERPT_BYTES,
    keep_whole: bool = True,
) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Value and headers for `<mentions>.dlq`, the value at most `max_bytes` long (for any
    `max_bytes` of 1 KiB or more). `truncated` says whether `payload_b64` (and `payload`, its text
    when UTF-8) holds the whole record or only its first bytes; `size` and `sha256` are the whole
    record's either way, and (topic, partition, offset) find it on the mentions topic.
    `keep_whole=False` cuts it to the excerpt whatever its size."""
    envelope: DeadLetter = {
        "reason": error.reason,
        "detail": error.detail[:DETAIL_CHARS],
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "truncated": False,
        "payload_b64": base64.b64encode(raw).decode("ascii"),
        "payload": _text(raw),
    }
    headers = [(REASON_HEADER, error.reason.encode())]
    if keep_whole and len(raw) <= MAX_MESSAGE_BYTES:
        value = orjson.dumps(envelope)
        if len(value) <= max_bytes:
            return value, headers
    # The excerpt's text is at most 4 bytes of JSON per byte (a \u escape), its base64 4/3: the
    # rest of the envelope is small and bounded, so the excerpt is sized to fit what is left.
    excerpt = raw[: max(0, min(excerpt_bytes, (max_bytes - 1024) * 3 // 16))]
    envelope["truncated"] = True
    envelope["payload_b64"] = base64.b64encode(excerpt).decode("ascii")
    envelope["payload"] = _text(excerpt)
    return orjson.dumps(envelope), headers


def too_large(exc: BaseException) -> bool:
    """The producer or the broker refused a record for its size (aiokafka's MessageSizeTooLargeError,
    Faust's ProducerSendError around it)."""
    seen: BaseException | None = exc
    while seen is not None:
        if "MessageSizeTooLarge" in type(seen).__name__ or "MessageSizeTooLarge" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def send_dead_letter(
    dead_letters: Any,
    key: bytes | None,
    raw: bytes,
    error: DecodeError,
    where: tuple[str, int, int],
    max_request_bytes: int = PRODUCER_MAX_REQUEST_BYTES,
    on_truncated: Callable[[], None] | None = None,
) -> Awaitable[Any]:
    """Send the dead letter of `raw` (from `where` = topic, partition, offset); return the broker's
    acknowledgement to await. One refused for its size (the dead-letter topic's max.message.bytes
    may be below the producer's limit) is sent again with a bounded excerpt, then with none: it
    always fits. `on_truncated` counts the dead letters that went out cut."""
    topic, partition, offset = where
    if key is not None and len(key) > KEY_BYTES:
        key = None
    budget = max_request_bytes - RECORD_OVERHEAD_BYTES - (len(key) if key else 0)
    value, headers = dead_letter_record(raw, error, topic, partition, offset, budget)

    async def acknowledged(value: bytes) -> Any:
        for excerpt in (None, EXCERPT_BYTES, 0):
            if excerpt is not None:
                log.warning(
                    "the dead letter of %s partition %d offset %d was refused as too large (%d bytes): "
                    "sending it again with a %d-byte excerpt",
                    *where,
                    len(value),
                    excerpt,
                )
                value, _ = dead_letter_record(raw, error, *where, budget, excerpt, keep_whole=False)
            try:
                result = await (await dead_letters.send(key=key, value=value, headers=headers))
            except Exception as exc:
                if excerpt == 0 or not too_large(exc):
                    raise
                continue
            if on_truncated is not None and b'"truncated":true' in value:
                on_truncated()
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    return asyncio.ensure_future(acknowledged(value))
