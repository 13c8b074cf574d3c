"""`firestorm produce` of exports (CSV, X API v2) into the real broker: mapped mentions keyed by
entity, bad rows skipped with exit 3, and old event times kept in the payload while the records
carry the send time, so a week of retention does not delete last year's incident at once."""

from __future__ import annotations

import gzip
import time

import orjson
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import ConfigResource, ConfigResourceType

from tests.integration.worker_process import Stack
from tests.streams.drills.conftest import CSV_MAP, synthetic_incident, to_csv, to_x_pages

SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000


def _consume(stack: Stack, expected: int, timeout_s: float = 30.0) -> list[tuple[bytes | None, bytes, int]]:
    consumer = KafkaConsumer(
        stack.mentions,
        bootstrap_servers=stack.bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=2000,
    )
    got: list[tuple[bytes | None, bytes, int]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(got) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                got += [(m.key, m.value, m.timestamp) for m in batch]
    finally:
        consumer.close()
    return got


def _topic_config(stack: Stack) -> dict[str, str]:
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap)
    try:
        response = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, stack.mentions)])
    finally:
        admin.close()
    if isinstance(response, dict):  # kafka-python 3
        return {k: v["value"] for k, v in response["topic"][stack.mentions].items()}
    return {c[0]: c[1] for c in response[0].resources[0][4]}  # kafka-python 2


def test_produce_csv_export_keeps_event_time_in_payload_and_send_time_on_records(stack: Stack) -> None:
    incident = synthetic_incident()[:300]
    rows = to_csv(incident).decode().splitlines()
    rows[4] += ",one-too-many"
    path = stack.tmp / "export.csv"
    path.write_text("\n".join(rows) + "\n")
    sent_at = time.time() * 1000
    assert stack.cli("produce", str(path), "--csv-map", CSV_MAP) == 3  # one bad row, skipped and reported
    records = _consume(stack, len(incident) - 1)
    assert len(records) == len(incident) - 1
    values = [orjson.loads(v) for _, v, _ in records]
    assert {v["id"] for v in values} == {o["id"] for o in incident} - {incident[3]["id"]}
    assert all(key == v["entity"].encode() for (key, _, _), v in zip(records, values, strict=True))
    by_id = {o["id"]: o for o in incident}
    assert all(v["ts"] == by_id[v["id"]]["ts"] for v in values)  # event time travels in the payload
    # ...while the record timestamp is the send time (months after those event times)
    assert all(abs(ts - sent_at) < 120_000 for _, _, ts in records)
    configs = _topic_config(stack)
    assert configs["message.timestamp.type"] == "CreateTime"
    assert int(configs["retention.ms"]) == SEVEN_DAYS_MS


def test_produce_x_export_with_a_watch_list(stack: Stack) -> None:
    incident = synthetic_incident()[:120]
    path = stack.tmp / "search.jsonl.gz"
    path.write_bytes(gzip.compress(to_x_pages(incident, per_page=25)))
    assert stack.cli("produce", str(path), "--watch", "acme=acme") == 0
    acme = [o for o in incident if o["entity"] == "acme"]
    records = _consume(stack, len(acme))
    assert len(records) == len(acme)
    assert {orjson.loads(v)["id"] for _, v, _ in records} == {f"x:{o['id']}" for o in acme}
    assert {k for k, _, _ in records} == {b"acme"}
