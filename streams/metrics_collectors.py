"""What the metrics read rather than are told: gauges computed at scrape time (prometheus_client
collectors: the watermark delays, the last window of each entity label) and the consumer-lag sample."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from firestorm.streams.metrics import Metrics


class WatermarkDelay(Collector):
    """firestorm_watermark_delay_seconds: wall time minus each domain's watermark, computed at scrape."""

    def __init__(self, watermarks: dict[str, float]) -> None:
        self.watermarks = watermarks

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "firestorm_watermark_delay_seconds",
            "How far each clock domain's event-time watermark trails the wall clock.",
            labels=["domain"],
        )
        now = time.time()
        for domain, watermark in sorted(self.watermarks.items()):
            family.add_metric([domain], now - watermark)
        yield family


WINDOW_GAUGES = (
    ("firestorm_entity_window_mentions", "Mentions in the last closed window."),
    ("firestorm_entity_expected_mentions", "Baseline (expected) mentions per window: the band's floor."),
    (
        "firestorm_entity_alert_threshold_mentions",
        "Mentions per window at which the volume signal alerts (the band's ceiling, the alert line).",
    ),
    ("firestorm_entity_detector_score", "Detector score of the last window."),
    ("firestorm_entity_negative_ratio", "Share of scored mentions that are negative (0-1), last window."),
    ("firestorm_entity_mean_compound", "Mean VADER compound of the last window (-1..1)."),
    ("firestorm_entity_window_reach", "Reach of the last window: followers summed over its mentions."),
    ("firestorm_entity_window_unique_authors", "Distinct authors in the last window."),
)


class EntityWindows(Collector):
    """The per-window gauges, read at scrape time from the last window each label saw (one tuple
    stored per closed window instead of eight locked gauge writes). A dormant entity's quiet
    windows are not materialised (models/engine.py): `Metrics.record_dormant` stores a quiet one
    (no mentions) with its last baseline, so dashboards read zeros where it is silent."""

    def __init__(self, last: dict[str, tuple[float, ...]]) -> None:
        self.last = last

    def collect(self) -> Iterator[GaugeMetricFamily]:
        rows = sorted(self.last.items())  # a copy: the processing thread may add a label meanwhile
        for i, (name, doc) in enumerate(WINDOW_GAUGES):
            family = GaugeMetricFamily(name, doc, labels=["entity"])
            for label, values in rows:
                family.add_metric([label], values[i])
            yield family

    def describe(self) -> Iterator[GaugeMetricFamily]:
        for name, doc in WINDOW_GAUGES:
            yield GaugeMetricFamily(name, doc, labels=["entity"])


async def sample_consumer_lag(consumer: Any, topic: str, metrics: Metrics) -> None:
    """One sample of the lag of every assigned partition of `topic` (Faust/aiokafka consumer).

    Lag is the highwater (the offset the next produced message will get) minus the consumer's
    position (the next offset it will fetch); a partition not fetched yet has no highwater and
    is left out.
    """
    lags: list[tuple[str, int, int]] = []
    for tp in sorted(consumer.assignment()):
        if tp.topic != topic:
            continue
        highwater = consumer.highwater(tp)
        position = await consumer.position(tp)
        if highwater is None or position is None:
            continue
        lags.append((tp.topic, tp.partition, int(highwater) - int(position)))
    metrics.set_consumer_lag(lags)
