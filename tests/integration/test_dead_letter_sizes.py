"""The record-size ladder on the real broker (issue 26, item 1): records just below, at and above
the mention contract's, the worker producer's, the broker's and the dead-letter topic's size limits.
Every one the broker takes is dead-lettered with a record that fits, the worker keeps going, the good
mentions around them are processed, and the metrics count them."""

from __future__ import annotations

import base64
import hashlib

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError

from firestorm.models.records import MAX_MESSAGE_BYTES, DecodeError
from firestorm.streams.kafka.dead_letter import EXCERPT_BYTES, PRODUCER_MAX_REQUEST_BYTES, dead_letter_record
from tests.integration.services import free_port, wait_for
from tests.integration.worker_process import Stack, WorkerProcess

BROKER_MESSAGE_MAX_BYTES = 1_048_588  # Kafka's default message.max.bytes (deploy/kafka keeps it)
MENTIONS_TOPIC_LIMIT = 3_000_000  # raised on this test's mentions topic, so records above the broker's default arrive
DLQ_TOPIC_LIMIT = 150_000  # lowered on this test's dead-letter topic, below the producer's limit


def sized(size: int, ts: str = "2026-01-05T10:00:00Z") -> bytes:
    """A mention of exactly `size` bytes (the issue's reproduction: one long text)."""
    head = b'{"id":"big-%d","entity":"skyway","ts":"%s","text":"' % (size, ts.encode())
    return head + b"z" * (size - len(head) - 2) + b'"}'


def bad_with_whole_dead_letter_of(envelope_bytes: int) -> bytes:
    """A bad_timestamp mention (within the contract's size) whose whole dead letter is about
    `envelope_bytes` long: it tests the dead-letter topic's limit, not the mention's."""
    size = envelope_bytes * 3 // 7
    while True:
        raw = sized(size, ts="1999-01-05T10:00:00Z")
        value, _ = dead_letter_record(raw, DecodeError("bad_timestamp", "x" * 80), "m", 0, 0, 10**9)
        if len(value) >= envelope_bytes:
            return raw
        size += max(1, (envelope_bytes - len(value)) // 3)


def good(n: int) -> bytes:
    return orjson.dumps({"id": f"ok-{n}", "entity": "skyway", "ts": f"2026-01-05T10:00:{n:02d}Z", "text": "fine"})


def test_the_record_size_ladder_is_dead_lettered_and_the_worker_keeps_going(
    stack: Stack, workers: list[WorkerProcess]
) -> None:
    stack.partitions = 1
    stack.metrics_port = free_port()
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap)
    try:
        admin.create_topics(
            [
                NewTopic(stack.mentions, 1, 1, topic_configs={"max.message.bytes": str(MENTIONS_TOPIC_LIMIT)}),
                NewTopic(stack.dlq, 1, 1, topic_configs={"max.message.bytes": str(DLQ_TOPIC_LIMIT)}),
            ]
        )
    finally:
        admin.close()

    # (value, its dead letter is cut): every limit on the way, just below, at and just above it.
    ladder: list[tuple[bytes, bool]] = [
        (bad_with_whole_dead_letter_of(DLQ_TOPIC_LIMIT - 2_000), False),
        (bad_with_whole_dead_letter_of(DLQ_TOPIC_LIMIT + 1), True),  # refused by the topic, sent again cut
        (sized(MAX_MESSAGE_BYTES, ts="1999-01-05T10:00:00Z"), True),  # whole, over the DLQ topic's limit
        (sized(MAX_MESSAGE_BYTES + 1), True),
        (sized(440_000), True),  # the record
        (sized(PRODUCER_MAX_REQUEST_BYTES - 1), True),
        (sized(PRODUCER_MAX_REQUEST_BYTES), True),
        (sized(PRODUCER_MAX_REQUEST_BYTES + 1), True),
        (sized(BROKER_MESSAGE_MAX_BYTES - 200), True),
        (sized(BROKER_MESSAGE_MAX_BYTES), True),
        (sized(BROKER_MESSAGE_MAX_BYTES + 1), True),
        (sized(2_000_000), True),
        (sized(MENTIONS_TOPIC_LIMIT - 200), True),
    ]
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all", max_request_size=8_000_000)
    offsets: dict[int, tuple[bytes, bool]] = {}
    goods = 0
    try:
        for i, (value, cut) in enumerate(ladder):
            producer.send(stack.mentions, key=b"skyway", value=good(i)).get(timeout=30)
            goods += 1
            offsets[producer.send(stack.mentions, key=b"skyway", value=value).get(timeout=60).offset] = (value, cut)
        # Over the mentions topic's own limit the broker refuses the record: the worker never sees it
        # (a producer of its own: kafka-python gives up on a producer after this refusal).
        refused = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all", max_request_size=8_000_000)
        with pytest.raises(KafkaError, match="MessageSizeTooLarge"):
            refused.send(stack.mentions, key=b"skyway", value=sized(MENTIONS_TOPIC_LIMIT + 1)).get(timeout=60)
        refused.close()
        producer.send(stack.mentions, key=b"skyway", value=good(59)).get(timeout=30)
        goods += 1
    finally:
        producer.close()

    worker = WorkerProcess(stack)
    workers.append(worker)

    def all_dead_letters() -> list[tuple[bytes | None, bytes, dict[str, bytes]]] | None:
        worker.assert_running()
        dead = stack.read_topic(stack.dlq, idle_s=1.0)
        return dead if len(dead) >= len(ladder) else None

    try:
        dead = wait_for(all_dead_letters, 240, interval_s=2.0, what=f"{len(ladder)} dead letters")
        stack.wait_committed(120)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker log ---\n{worker.log_tail()}") from None
    worker.assert_running()

    assert len(dead) == len(ladder)
    for _key, value, headers in dead:
        assert len(value) < DLQ_TOPIC_LIMIT
        envelope = orjson.loads(value)
        raw, cut = offsets[envelope["offset"]]
        assert headers["firestorm-dlq-reason"].decode() == envelope["reason"]
        assert envelope["reason"] == ("too_large" if len(raw) > MAX_MESSAGE_BYTES else "bad_timestamp")
        assert (envelope["size"], envelope["sha256"]) == (len(raw), hashlib.sha256(raw).hexdigest())
        assert envelope["truncated"] is cut, f"offset {envelope['offset']}, {len(raw)} bytes"
        payload = base64.b64decode(envelope["payload_b64"])
        assert payload == (raw[:EXCERPT_BYTES] if cut else raw)

    def metric(name: str) -> float:
        return wait_for(lambda: worker_metric(name), 30, what=name)

    def worker_metric(name: str) -> float | None:
        return stack.metric(name)

    assert metric('firestorm_mentions_total{outcome="accepted"}') == goods
    assert metric("firestorm_dead_letters_total") == len(ladder)
    assert metric("firestorm_dead_letters_truncated_total") == sum(cut for _v, cut in ladder)
    assert "refused as too large" in worker.log_path.read_text()
