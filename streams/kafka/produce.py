"""Load a mentions file into the mentions topic, keyed by entity, optionally paced in event time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from kafka import KafkaProducer

from firestorm.models.timeutil import TimestampError, parse_ts
from firestorm.streams.config import Config
from firestorm.streams.kafka.security import kafka_python_security


@dataclass(slots=True)
class ProduceResult:
    sent: int = 0
    unkeyed: int = 0  # lines whose entity could not be read: sent anyway, the worker dead-letters them
    elapsed_s: float = 0.0


def _key_and_ts(raw: bytes) -> tuple[bytes | None, int | None]:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(obj, dict):
        return None, None
    entity = obj.get("entity")
    key = entity.strip().lower().encode() if isinstance(entity, str) and entity.strip() else None
    try:
        ts = parse_ts(obj.get("ts"))
    except TimestampError:
        ts = None
    return key, ts


def produce(
    config: Config,
    lines: Iterable[tuple[int, bytes]],
    speed: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: Callable[[int], None] | None = None,
    on_sent: Callable[[int, int | None], None] | None = None,
) -> ProduceResult:
    """Send each line as-is (bad ones included, so drills exercise the dead-letter path).

    With `speed` > 0, gaps in event time are replayed `speed` times faster than they happened.
    `on_progress(sent)` is called every 10,000 mentions, `on_sent(sent, event time ms)` every 256
    (for a progress bar).
    Records carry the send time as their Kafka timestamp; the event time stays in the payload.
    """
    producer = KafkaProducer(
        bootstrap_servers=config.kafka_bootstrap,
        client_id=f"{config.app_id}-produce",
        acks="all",
        linger_ms=20,
        compression_type=None,
        **kafka_python_security(config),
    )
    result = ProduceResult()
    started = time.perf_counter()
    first_ts: int | None = None
    try:
        for _number, raw in lines:
            key, ts = _key_and_ts(raw)
            if speed > 0 and ts is not None:
                if first_ts is None:
                    first_ts = ts
                due = (ts - first_ts) / 1000 / speed
                ahead = due - (time.perf_counter() - started)
                if ahead > 0:
                    sleep(ahead)
            producer.send(config.mentions_topic, key=key, value=raw)
            result.sent += 1
            result.unkeyed += key is None
            if on_progress is not None and result.sent % 10_000 == 0:
                on_progress(result.sent)
            if on_sent is not None and result.sent % 256 == 0:
                on_sent(result.sent, ts)
        producer.flush()
    finally:
        producer.close()
    result.elapsed_s = time.perf_counter() - started
    return result
