"""firestorm.streams.metric_families: a MetricSet's class body declares its families; each instance builds
them on its own registry, with the labels and buckets declared."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, generate_latest

from firestorm.streams.metric_families import Family, MetricSet, counter, gauge, histogram


class _Set(MetricSet):
    sent = counter("t_sent", "Events sent, by sink and action.", "sink", "action")
    depth = gauge("t_depth", "Events waiting.")
    latency = histogram("t_latency_seconds", "Delivery latency.", "sink", buckets=(0.5, 2.0))


class _More(_Set):
    skipped = counter("t_skipped", "Skipped, by reason.", "reason")


def test_each_family_lands_on_the_instance_registry_with_its_labels_and_buckets() -> None:
    registry, other = CollectorRegistry(), CollectorRegistry()
    metrics = _Set(registry)
    metrics.sent.labels("pd", "trigger").inc(2)
    metrics.depth.set(3)
    metrics.latency.labels("pd").observe(1.0)
    text = generate_latest(registry).decode()
    assert "# HELP t_sent_total Events sent, by sink and action." in text
    assert 't_sent_total{action="trigger",sink="pd"} 2.0' in text
    assert "t_depth 3.0" in text
    assert 't_latency_seconds_bucket{le="0.5",sink="pd"} 0.0' in text
    assert 't_latency_seconds_bucket{le="2.0",sink="pd"} 1.0' in text
    assert generate_latest(other) == b""  # nothing on a registry it was not given
    assert isinstance(metrics.sent, Counter)
    assert isinstance(_Set.sent, Family) and _Set.sent.name == "t_sent"  # the class keeps the spec


def test_families_lists_the_bases_first_in_declaration_order_and_instances_do_not_share() -> None:
    assert [attr for attr, _ in _More.families()] == ["sent", "depth", "latency", "skipped"]
    a, b = _More(), _More()
    assert a.registry is not b.registry
    a.skipped.labels("x").inc()
    assert b.skipped.labels("x")._value.get() == 0.0


def test_a_labelled_family_needs_its_labels_and_a_registry_takes_a_set_once() -> None:
    registry = CollectorRegistry()
    metrics = _More(registry)
    with pytest.raises(ValueError, match="missing label values"):
        metrics.skipped.inc()
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        _Set(registry)


def test_a_histogram_needs_buckets_and_an_unbuilt_family_says_so() -> None:
    with pytest.raises(ValueError, match="t_h needs its buckets"):
        histogram("t_h", "No buckets.", buckets=())

    class _Unbuilt(MetricSet):
        sent = counter("t_sent", "Sent.")

        def __init__(self) -> None:  # forgets super().__init__
            pass

    with pytest.raises(AttributeError, match=r"'sent' is built by MetricSet\.__init__"):
        _Unbuilt().sent.inc()
