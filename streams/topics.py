"""Create firestorm's topics up front with the partitioning and retention they need."""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from streams.config import Config

# Producers stamp records with the time they are sent, not the mention's event time, so
# replaying last year's incident is not deleted at once by time-based retention. The
# event time travels in the payload; a week of retention is plenty to drill on.
TOPIC_CONFIG = {"retention.ms": str(7 * 24 * 3600 * 1000), "message.timestamp.type": "CreateTime"}


def ensure_topics(config: Config, timeout_s: float = 30.0) -> list[str]:
    """Create the mentions, dead-letter, alerts and control topics if missing; return the ones created."""
    admin = KafkaAdminClient(
        bootstrap_servers=config.kafka_bootstrap,
        client_id=f"{config.app_id}-admin",
        request_timeout_ms=int(timeout_s * 1000),
    )
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(config.mentions_topic, config.partitions, 1, topic_configs=TOPIC_CONFIG),
            NewTopic(config.dead_letter_topic, config.partitions, 1, topic_configs=TOPIC_CONFIG),
            NewTopic(config.alerts_topic, config.partitions, 1, topic_configs=TOPIC_CONFIG),
            # Planned events are few and must outlive any retention: one partition, kept forever.
            NewTopic(config.control_topic, 1, 1, topic_configs={"retention.ms": "-1"}),
        ]
        missing = [t for t in wanted if t.name not in existing]
        created: list[str] = []
        for topic in missing:
            try:
                admin.create_topics([topic], timeout_ms=int(timeout_s * 1000))
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        admin.close()
