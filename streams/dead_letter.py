"""The dead-letter record: the original bytes, untouched, plus why and where they came from."""

from __future__ import annotations

import base64
from typing import Any

import orjson

from firestorm.models.records import DecodeError

REASON_HEADER = "firestorm-dlq-reason"


def dead_letter_record(
    raw: bytes, error: DecodeError, topic: str, partition: int, offset: int
) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Value and headers for `<mentions>.dlq`; `payload_b64` round-trips any bytes exactly."""
    envelope: dict[str, Any] = {
        "reason": error.reason,
        "detail": error.detail,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "payload_b64": base64.b64encode(raw).decode("ascii"),
    }
    try:
        envelope["payload"] = raw.decode("utf-8")
    except UnicodeDecodeError:
        envelope["payload"] = None
    return orjson.dumps(envelope), [(REASON_HEADER, error.reason.encode())]
