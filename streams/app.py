"""The Faust app: topics and changelogged tables, configured for firestorm."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust

from models.timeutil import parse_duration_ms
from streams.config import Config

ENTITY_TABLE = "firestorm-entities"
CLOCK_TABLE = "firestorm-clocks"


@dataclass(frozen=True)
class FirestormApp:
    """The app and the handles the agent needs; values travel as raw bytes (orjson inside)."""

    app: faust.App
    mentions: Any
    alerts: Any
    dead_letters: Any
    entities: Any  # entity (bytes) -> orjson {"p": partition, "s": EntityState dict}
    clocks: Any  # partition number as bytes -> orjson Engine.clock_state()


def create_app(config: Config) -> FirestormApp:
    """Build the Faust app; state is in memory, rebuilt from the changelog topics on start."""
    session_s = parse_duration_ms(config.session_timeout) / 1000
    Path(config.data_dir).mkdir(parents=True, exist_ok=True)
    app = faust.App(
        config.app_id,
        broker=config.broker,
        store="memory://",
        datadir=str(Path(config.data_dir) / config.app_id),
        topic_partitions=config.partitions,
        topic_replication_factor=1,
        web_enabled=False,
        broker_session_timeout=session_s,
        broker_heartbeat_interval=max(session_s / 5, 0.5),
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        table_cleanup_interval=60.0,
    )
    mentions, alerts, dead_letters = (
        app.topic(name, partitions=config.partitions, key_serializer="raw", value_serializer="raw")
        for name in (config.mentions_topic, config.alerts_topic, config.dead_letter_topic)
    )
    # bytes types make Faust use the raw codec for the changelog too (its default is json),
    # so keys and values are bytes both when set and when recovered.
    entities, clocks = (
        app.Table(name, partitions=config.partitions, key_type=bytes, value_type=bytes)
        for name in (ENTITY_TABLE, CLOCK_TABLE)
    )
    return FirestormApp(app, mentions, alerts, dead_letters, entities, clocks)
