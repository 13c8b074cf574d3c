from __future__ import annotations

import base64

import orjson
import pytest

from firestorm.models.records import DecodeError, decode_mention
from firestorm.streams.dead_letter import REASON_HEADER, dead_letter_record


def error_for(raw: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode_mention(raw)
    return info.value


def test_envelope_fields() -> None:
    raw = b'{"id": "x:1", "entity": "acme"}'
    error = error_for(raw)
    value, headers = dead_letter_record(raw, error, "mentions", 3, 1234)
    envelope = orjson.loads(value)
    assert set(envelope) == {"reason", "detail", "topic", "partition", "offset", "payload_b64", "payload"}
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
