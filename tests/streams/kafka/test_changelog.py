"""The changelog topics' configs: compaction that runs (segments that roll, a cleaner that starts early)."""

from __future__ import annotations

from pathlib import Path

from firestorm.streams.config import Config
from firestorm.streams.kafka.app import create_app
from firestorm.streams.kafka.changelog import (
    MIN_CLEANABLE_DIRTY_RATIO,
    SEGMENT_BYTES,
    SEGMENT_MS,
    changelog_topic_config,
)


def test_changelog_segments_roll_and_the_cleaner_starts_at_a_tenth_dirty() -> None:
    config = changelog_topic_config()
    assert config == {
        "segment.bytes": str(SEGMENT_BYTES),
        "segment.ms": str(SEGMENT_MS),
        "min.cleanable.dirty.ratio": str(MIN_CLEANABLE_DIRTY_RATIO),
    }
    # Kafka refuses a segment under 1 MiB (KIP-1030) and a ratio outside [0, 1].
    assert 2**20 <= SEGMENT_BYTES < 2**30 and 0 < SEGMENT_MS < 7 * 24 * 3600 * 1000
    assert 0.0 < MIN_CLEANABLE_DIRTY_RATIO < 0.5


def test_min_insync_replicas_is_added_when_set() -> None:
    assert changelog_topic_config(2) == {**changelog_topic_config(), "min.insync.replicas": "2"}
    assert "min.insync.replicas" not in changelog_topic_config(0)


def test_both_tables_create_their_changelog_with_the_compaction_configs(tmp_path: Path) -> None:
    fapp = create_app(Config(data_dir=str(tmp_path / "data")))
    for table in (fapp.entities, fapp.clocks):
        topic = table.changelog_topic
        assert topic.compacting  # Faust's cleanup.policy=compact
        assert topic.config == changelog_topic_config()
