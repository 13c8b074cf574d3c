"""The control topic: operators declare planned events to running workers.

Every worker reads the whole topic (no consumer group), so each one knows every planned
event whichever partitions it owns. Messages are JSON: {"type": "planned", "entity",
"start", "end", "uplift"?, "mute"?, "name"?}; anything else is logged and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka import KafkaConsumer, KafkaProducer
from kafka import TopicPartition as SyncTopicPartition

from firestorm.models.planned import PlannedCalendar, PlannedEvent, PlannedEventError, planned_event_from_obj
from firestorm.streams.config import Config
from firestorm.streams.kafka.security import aiokafka_security, kafka_python_security

log = logging.getLogger("firestorm.control")


def parse_control_message(raw: bytes) -> PlannedEvent:
    """Decode one control message into a planned event, or raise PlannedEventError."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise PlannedEventError(f"not JSON: {exc}") from exc
    if not isinstance(obj, dict) or obj.get("type") != "planned":
        raise PlannedEventError('a control message must be an object with "type": "planned"')
    return planned_event_from_obj(obj)


async def follow_control_topic(config: Config, calendar: PlannedCalendar, stop: asyncio.Event) -> None:
    """Add every planned event on the control topic to `calendar`, from the beginning, until `stop`."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=config.kafka_bootstrap, group_id=None, enable_auto_commit=False, **aiokafka_security(config)
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(config.control_topic) or {0}
        consumer.assign([TopicPartition(config.control_topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    try:
                        event = parse_control_message(record.value or b"")
                    except PlannedEventError as exc:
                        log.warning("control message at offset %d skipped: %s", record.offset, exc)
                        continue
                    calendar.add(event)
                    log.info("planned event for %s: %s", event.entity, event.to_dict())
    finally:
        await consumer.stop()


def read_planned_events(config: Config, timeout_s: float = 30.0) -> list[PlannedEvent]:
    """Everything on the control topic now: a worker reads it before its first mention."""
    consumer = KafkaConsumer(
        bootstrap_servers=config.kafka_bootstrap,
        group_id=None,
        enable_auto_commit=False,
        **kafka_python_security(config),
    )
    events: list[PlannedEvent] = []
    try:
        partitions = consumer.partitions_for_topic(config.control_topic) or set()
        assigned = [SyncTopicPartition(config.control_topic, p) for p in partitions]
        if not assigned:
            return events
        consumer.assign(assigned)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(assigned)
        stop_at = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in assigned) and time.monotonic() < stop_at:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    try:
                        events.append(parse_control_message(record.value or b""))
                    except PlannedEventError as exc:
                        log.warning("control message at offset %d skipped: %s", record.offset, exc)
        return events
    finally:
        consumer.close()


def publish_planned_event(config: Config, event: PlannedEvent) -> None:
    """Send one planned event to the control topic (used by `firestorm plan`)."""
    producer = KafkaProducer(bootstrap_servers=config.kafka_bootstrap, acks="all", **kafka_python_security(config))
    try:
        value = orjson.dumps({"type": "planned", **event.to_dict()})
        producer.send(config.control_topic, key=event.entity.encode(), value=value).get(timeout=30)
    finally:
        producer.close()
