"""The Faust app: topics and changelogged tables, configured for firestorm."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust
from faust import transport as faust_transport
from faust.transport.drivers import aiokafka as aiokafka_driver

from firestorm.models.timeutil import parse_duration_ms
from firestorm.streams.config import Config, ConfigError, env_name
from firestorm.streams.kafka import faust_compat
from firestorm.streams.kafka.changelog import changelog_topic_config
from firestorm.streams.kafka.intake import BatchIntake, IntakeTransport
from firestorm.streams.kafka.security import faust_credentials

ENTITY_TABLE = "firestorm-entities"
CLOCK_TABLE = "firestorm-clocks"
# Per partition and fetch (Faust's default 1 MiB is about 1,000 dormant entities' records).
CHANGELOG_FETCH_BYTES = 4 * 2**20
# Per partition and producer batch (Faust's default, 16 kB, is one busy entity's state: aiokafka keeps
# one batch a partition and one request in flight, so a state write then waited for the broker
# about once per entity). Records share a batch only while they fit in it together, and a broker
# checks a topic's max.message.bytes against the whole batch: kept at or under the smallest limit
# a topic of the worker should have (a dead-letter topic's may be lowered), so a record that topic
# takes alone is never refused for the company it was sent in.
PRODUCER_BATCH_BYTES = 128 * 2**10


class App(faust.App):
    """faust.App whose Kafka consumer hands the records of topics with a BatchIntake to it in
    bulk (streams/kafka/intake.py) instead of through Faust's per-record streams."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.intakes: list[BatchIntake] = []

    def _new_transport(self) -> Any:  # a Faust internal: checked by streams/kafka/faust_compat.py
        url = self.conf.broker_consumer
        cls = faust_transport.by_url(url[0])
        if issubclass(cls, aiokafka_driver.Transport):
            return IntakeTransport(url, self)
        return super()._new_transport()  # checked by faust_compat

    async def on_start(self) -> None:
        await super().on_start()
        for intake in self.intakes:  # before the conductor subscribes (it is started after the app)
            intake.attach()


@dataclass(frozen=True)
class FirestormApp:
    """The app and the handles the worker needs; values travel as raw bytes (orjson inside)."""

    app: App
    mentions: Any
    alerts: Any
    dead_letters: Any
    entities: Any  # entity (bytes) -> orjson {"p": partition, "s": EntityState dict}
    clocks: Any  # partition number as bytes -> orjson Engine.clock_state()


def check_data_dir(data_dir: str) -> None:
    """Create the data directory and prove it takes a write: fail at start, loudly, not later and silently."""
    path = Path(data_dir)
    probe = path / f".write-test-{os.getpid()}"
    try:
        path.mkdir(parents=True, exist_ok=True)
        with probe.open("wb") as handle:
            handle.write(b"\0" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"{env_name('data_dir')}={data_dir}: the data directory is not writable ({exc.strerror or exc})"
        ) from exc


def create_app(config: Config) -> FirestormApp:
    """Build the Faust app; state is in memory, rebuilt from the changelog topics on start.

    The changelog topics get FIRESTORM_REPLICATION_FACTOR copies (resolve it first: 0 means the
    broker's default, streams/kafka/topics.py) and FIRESTORM_MIN_INSYNC_REPLICAS; every record the
    worker writes (alerts, dead letters, changelogs) is produced with acks=all (-1).
    """
    faust_compat.check()
    session_s = parse_duration_ms(config.session_timeout) / 1000
    check_data_dir(config.data_dir)
    credentials = faust_credentials(config)
    app = App(
        config.app_id,
        broker=config.broker,
        store="memory://",
        datadir=str(Path(config.data_dir) / config.app_id),
        topic_partitions=config.partitions,
        topic_replication_factor=config.replication_factor or 1,
        web_enabled=False,
        broker_session_timeout=session_s,
        broker_heartbeat_interval=max(session_s / 5, 0.5),
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        table_cleanup_interval=60.0,
        # A restart reads the changelogs back: fetch them in large pieces, and apply the records
        # in batches (faust_compat.BatchRecovery) rather than one task per record.
        consumer_max_fetch_size=CHANGELOG_FETCH_BYTES,
        TableManager=faust_compat.BatchTableManager,
        **({"broker_credentials": credentials} if credentials is not None else {}),
    )
    mentions, alerts, dead_letters = (
        app.topic(name, partitions=config.partitions, key_serializer="raw", value_serializer="raw")
        for name in (config.mentions_topic, config.alerts_topic, config.dead_letter_topic)
    )
    # bytes types make Faust use the raw codec for the changelog too (its default is json),
    # so keys and values are bytes both when set and when recovered.
    changelog_config = changelog_topic_config(config.min_insync_replicas)
    entities, clocks = (
        app.Table(
            name, partitions=config.partitions, key_type=bytes, value_type=bytes, extra_topic_configs=changelog_config
        )
        for name in (ENTITY_TABLE, CLOCK_TABLE)
    )
    return FirestormApp(app, mentions, alerts, dead_letters, entities, clocks)
