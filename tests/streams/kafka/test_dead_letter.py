from __future__ import annotations

import asyncio
import base64
import hashlib
from typing import Any

import orjson
import pytest

from firestorm.models.records import MAX_MESSAGE_BYTES, DecodeError, decode_mention
from firestorm.streams.kafka.dead_letter import (
    EXCERPT_BYTES,
    REASON_HEADER,
    dead_letter_record,
    send_dead_letter,
)


def error_for(raw: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode_mention(raw)
    return info.value


def test_envelope_fields() -> None:
    raw = b'{"id": "x:1", "entity": "acme"}'
    error = error_for(raw)
    value, headers = dead_letter_record(raw, error, "mentions", 3, 1234)
    envelope = orjson.loads(value)
    assert set(envelope) == {
        "reason", "detail", "topic", "partition", "offset", "size", "sha256", "truncated", "payload_b64", "payload"
    }  # fmt: skip
    assert (envelope["size"], envelope["truncated"]) == (len(raw), False)
    assert envelope["sha256"] == hashlib.sha256(raw).hexdigest()
    assert envelope["reason"] == "missing_field"
    assert envelope["detail"] == error.detail and "ts" in envelope["detail"]
    assert (envelope["topic"], envelope["partition"], envelope["offset"]) == ("mentions", 3, 1234)
    assert envelope["payload"] == raw.decode()
    assert base64.b64decode(envelope["payload_b64"]) == raw
    assert headers == [(REASON_HEADER, b"missing_field")]
    assert REASON_HEADER == "firestorm-dlq-reason"


@pytest.mark.parametrize("raw", [b"\xff\xfe{\x00bad", b'{"text": "caf\xe9"}', bytes(range(256))])
def test_invalid_utf8_round_trips_exactly(raw: bytes) -> None:
    value, headers = dead_letter_record(raw, error_for(raw), "mentions", 0, 7)
    envelope = orjson.loads(value)
    assert envelope["reason"] == "invalid_utf8"
    assert envelope["payload"] is None
    assert base64.b64decode(envelope["payload_b64"]) == raw
    assert headers == [(REASON_HEADER, b"invalid_utf8")]


def test_empty_payload() -> None:
    value, _ = dead_letter_record(b"", error_for(b""), "mentions", 1, 0)
    envelope = orjson.loads(value)
    assert (envelope["reason"], envelope["payload"], envelope["payload_b64"]) == ("empty", "", "")


def big(size: int, fill: str = "z") -> bytes:
    """A mention of exactly `size` bytes (the issue's reproduction, any size)."""
    head = b'{"id":"big","entity":"skyway","ts":"2026-01-05T10:00:00Z","text":"'
    return head + fill.encode() * ((size - len(head) - 2) // len(fill.encode())) + b'"}'


@pytest.mark.parametrize("size", [MAX_MESSAGE_BYTES + 1, 440_000, 1_000_000, 1_048_589, 8 * 1024 * 1024])
def test_a_record_over_the_contract_limit_is_referenced_with_an_excerpt(size: int) -> None:
    raw = big(size)
    assert len(raw) == size
    value, headers = dead_letter_record(raw, error_for(raw), "mentions", 2, 99)
    envelope = orjson.loads(value)
    assert len(value) < 2 * EXCERPT_BYTES + 2048  # bounded whatever the record's size
    assert (envelope["reason"], envelope["truncated"], envelope["size"]) == ("too_large", True, size)
    assert envelope["sha256"] == hashlib.sha256(raw).hexdigest()
    assert base64.b64decode(envelope["payload_b64"]) == raw[:EXCERPT_BYTES]
    assert envelope["payload"] == raw[:EXCERPT_BYTES].decode()
    assert headers == [(REASON_HEADER, b"too_large")]


def test_a_record_at_the_contract_limit_is_carried_whole() -> None:
    raw = big(MAX_MESSAGE_BYTES).replace(b"2026-01-05", b"1999-01-05")  # bad_timestamp, full size
    value, _ = dead_letter_record(raw, error_for(raw), "mentions", 0, 1)
    envelope = orjson.loads(value)
    assert envelope["truncated"] is False
    assert base64.b64decode(envelope["payload_b64"]) == raw


@pytest.mark.parametrize("max_bytes", [1024, 5000, 100_000])
def test_a_dead_letter_never_exceeds_its_budget(max_bytes: int) -> None:
    raw = big(200_000, fill="é漢")  # multi-byte text: the excerpt may cut a character
    value, _ = dead_letter_record(raw, DecodeError("bad_timestamp", "x" * 5000), "mentions", 0, 1, max_bytes)
    envelope = orjson.loads(value)
    assert len(value) <= max_bytes
    assert envelope["truncated"] is True and len(envelope["detail"]) == 500
    assert raw.startswith(base64.b64decode(envelope["payload_b64"]))
    assert raw.decode().startswith(envelope["payload"])


class TooLarge(Exception):
    """As aiokafka names it: the producer or the broker refused the record for its size."""


TooLarge.__name__ = "MessageSizeTooLargeError"


class RefusingTopic:
    """A dead-letter topic that refuses values over `limit` bytes the way the broker does (the
    acknowledgement fails), as a max.message.bytes below the producer's limit would."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.values: list[bytes] = []

    async def send(self, key: Any = None, value: bytes = b"", headers: Any = None) -> asyncio.Future[None]:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if len(value) > self.limit:
            fut.set_exception(TooLarge(f"The message is {len(value)} bytes"))
        else:
            self.values.append(value)
            fut.set_result(None)
        return fut


@pytest.mark.parametrize(("limit", "cut"), [(1_000_000, False), (50_000, True), (2_000, True)])
def test_a_dead_letter_refused_for_its_size_is_sent_again_smaller(limit: int, cut: bool) -> None:
    raw = big(40_000).replace(b"2026-01-05", b"1999-01-05")
    topic, counted = RefusingTopic(limit), []

    async def run() -> None:
        where = ("mentions", 0, 5)
        await send_dead_letter(topic, b"skyway", raw, error_for(raw), where, 1_000_000, lambda: counted.append(1))

    asyncio.run(run())
    [value] = topic.values
    envelope = orjson.loads(value)
    assert envelope["truncated"] is cut and envelope["reason"] == "bad_timestamp"
    assert envelope["sha256"] == hashlib.sha256(raw).hexdigest() and envelope["offset"] == 5
    assert counted == ([1] if cut else [])


def test_a_failure_other_than_size_is_not_hidden() -> None:
    class Broken:
        async def send(self, **_: Any) -> asyncio.Future[None]:
            raise RuntimeError("broker lost")

    async def run() -> None:
        await send_dead_letter(Broken(), None, b"x", error_for(b"x"), ("mentions", 0, 0))

    with pytest.raises(RuntimeError, match="broker lost"):
        asyncio.run(run())
