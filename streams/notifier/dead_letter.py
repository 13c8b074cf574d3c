"""The notifier's dead letter (`<alerts>.notifier-dlq`): an alert event no sink would take, or a
record that is not one, with why, each receiver's answer, what was sent, and the original bytes.
Its JSON schema is published in docs/architecture.md beside the worker's dead letter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypedDict

import orjson

from firestorm.models.alerts import Alert
from firestorm.streams.kafka.dead_letter import REASON_HEADER
from firestorm.streams.notifier.delivery import Job, Result

__all__ = ["REASON_HEADER", "NotifierDeadLetter", "SinkFailure", "dead_letter_value"]


class SinkFailure(TypedDict):
    """One sink's failed delivery: the sink and destination (a routing-key or webhook name, never a
    secret), the action, why it failed (`rejected`, `retries_exhausted`, ...), the last HTTP status
    (null without an answer), the receiver's answer (PagerDuty's `{status, message, errors}`, or
    text), the attempts made, and the event sent (without the routing key)."""

    sink: str
    destination: str
    action: str
    reason: str
    http_status: int | None
    error: Any
    attempts: int
    event: dict[str, Any]


class NotifierDeadLetter(TypedDict):
    """An alert event the notifier could not deliver (`<alerts>.notifier-dlq`), with why and where.

    `reason` is also the `firestorm-dlq-reason` header (`rejected`, `retries_exhausted`,
    `internal_error`, `bad_alert`); `detail` says more for a `bad_alert` (else null); `failures`
    holds each sink's failed delivery; `alert` is the event as read (the alert schema; null for a
    `bad_alert`); `payload` the original record as text (invalid UTF-8 replaced); (`topic`,
    `partition`, `offset`) find it on the alerts topic; `dead_lettered_at` is ISO-8601 UTC."""

    reason: str
    detail: str | None
    failures: list[SinkFailure]
    alert: dict[str, Any] | None
    payload: str
    topic: str
    partition: int
    offset: int
    dead_lettered_at: str


def dead_letter_value(
    reason: str,
    record: Any,
    alert: Alert | None,
    failures: list[tuple[Job, Result]],
    detail: str | None = None,
) -> bytes:
    """The envelope of one alerts-topic `record` (a consumer record: value, topic, partition, offset)."""
    raw: bytes = record.value or b""
    envelope: NotifierDeadLetter = {
        "reason": reason,
        "detail": detail,
        "failures": [
            {
                "sink": job.sink.name,
                "destination": job.destination,
                "action": job.action,
                "reason": result.reason,
                "http_status": result.status,
                "error": result.detail,
                "attempts": job.attempts,
                "event": job.payload,  # never holds a routing key: the sink adds it when sending
            }
            for job, result in failures
        ],
        "alert": alert.to_dict() if alert is not None else None,
        "payload": raw.decode("utf-8", errors="replace"),
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "dead_lettered_at": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return orjson.dumps(envelope)
