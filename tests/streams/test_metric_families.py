"""firestorm.streams.metric_families: one call declares a family on the given registry, labels and buckets as asked."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from firestorm.streams.metric_families import MetricFamilies


def test_each_kind_lands_on_its_own_registry_with_its_labels_and_buckets() -> None:
    registry, other = CollectorRegistry(), CollectorRegistry()
    new = MetricFamilies(registry)
    new.counter("t_sent", "Events sent, by sink and action.", "sink", "action").labels("pd", "trigger").inc(2)
    new.gauge("t_depth", "Events waiting.").set(3)
    new.histogram("t_latency_seconds", "Delivery latency.", "sink", buckets=(0.5, 2.0)).labels("pd").observe(1.0)
    text = generate_latest(registry).decode()
    assert "# HELP t_sent_total Events sent, by sink and action." in text
    assert 't_sent_total{action="trigger",sink="pd"} 2.0' in text
    assert "t_depth 3.0" in text
    assert 't_latency_seconds_bucket{le="0.5",sink="pd"} 0.0' in text
    assert 't_latency_seconds_bucket{le="2.0",sink="pd"} 1.0' in text
    assert generate_latest(other) == b""  # nothing on a registry it was not given


def test_a_labelled_family_needs_its_labels_and_a_name_is_taken_once() -> None:
    new = MetricFamilies(CollectorRegistry())
    counter = new.counter("t_skipped", "Skipped, by reason.", "reason")
    with pytest.raises(ValueError, match="missing label values"):
        counter.inc()
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        new.gauge("t_skipped_total", "The same name again.")
