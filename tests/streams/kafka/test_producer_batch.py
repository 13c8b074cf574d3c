"""The worker's producer batches (streams/kafka/app.py PRODUCER_BATCH_BYTES): aiokafka keeps one
batch a partition and one request in flight, so a state write whose records outgrow the batch
waits for the broker each time it fills one. Faust's default (16 kB) is one busy entity's state."""

from __future__ import annotations

from pathlib import Path

import orjson
from aiokafka.producer.message_accumulator import BatchBuilder

from firestorm.models.engine import Engine, EngineSettings
from firestorm.models.pipeline import MentionProcessor
from firestorm.streams.config import Config
from firestorm.streams.kafka.app import PRODUCER_BATCH_BYTES, create_app
from firestorm.streams.worker.partitions import table_value
from tests.models.builders import storm_stream

BROKER_MESSAGE_MAX_BYTES = 1_048_588  # Kafka's default message.max.bytes: a batch must fit in it


def busy_state_record() -> bytes:
    """The table value of an entity with an hour of history and 600 mentions in its open window."""
    engine = Engine(EngineSettings())
    processor = MentionProcessor()
    for mention in storm_stream(entities=("acme",), storm_counts=(), tail_minutes=0, baseline_minutes=60):
        processor.process(engine, orjson.dumps(mention))
    open_from = (engine.clock_ms or 0) + 60_000
    for i in range(600):
        mention = {
            "id": f"x:busy-{i}",
            "entity": "acme",
            "ts": open_from + i * 50,
            "text": f"acme customers report outage number {i} #acmedown",
            "lang": "en",
            "author": {"id": f"user{i}", "followers": 10 + i},
        }
        processor.process(engine, orjson.dumps(mention))
    return table_value(0, engine.entities["acme"])


def test_the_app_asks_for_batches_of_producer_batch_bytes(tmp_path: Path) -> None:
    fapp = create_app(Config(data_dir=str(tmp_path / "data")))
    assert fapp.app.conf.producer_max_batch_size == PRODUCER_BATCH_BYTES
    assert fapp.app.producer._settings_default()["max_batch_size"] == PRODUCER_BATCH_BYTES
    assert min(BROKER_MESSAGE_MAX_BYTES, fapp.app.conf.producer_max_request_size) > PRODUCER_BATCH_BYTES
    # A topic's max.message.bytes applies to a whole batch: records that fit alone must not be
    # refused together (tests/integration/test_dead_letter_sizes.py lowers the dead letters' to 150 kB).
    assert PRODUCER_BATCH_BYTES <= 128 * 1024


def test_a_batch_holds_many_busy_entities_where_faust_default_held_one() -> None:
    record = busy_state_record()
    assert len(record) > 16_384  # a busy entity's state outgrows Faust's default batch alone

    def fits(batch_size: int) -> int:
        builder = BatchBuilder(batch_size, 0)
        n = 0
        while builder.append(timestamp=None, key=b"acme", value=record) is not None:
            n += 1
        return n

    assert fits(16_384) == 1  # the write waited for the broker at every entity
    assert fits(PRODUCER_BATCH_BYTES) >= 3  # 40 kB each here (the latency probe's: about 16 kB)
