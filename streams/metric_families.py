"""Declaring Prometheus metric families on one registry, one call a family.

The worker's, the notifier's and the ingest's metrics each live on their own registry; this
writes the registry once and takes the label names as plain arguments, so a declaration says
only what is its own: kind, name, help, labels (and buckets). The families are prometheus_client's
own, so every attribute keeps its type (`Counter`, `Gauge`, `Histogram`) for mypy.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class MetricFamilies:
    """Makes counters, gauges and histograms registered on `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def counter(self, name: str, doc: str, *labels: str) -> Counter:
        return Counter(name, doc, labels, registry=self.registry)

    def gauge(self, name: str, doc: str, *labels: str) -> Gauge:
        return Gauge(name, doc, labels, registry=self.registry)

    def histogram(self, name: str, doc: str, *labels: str, buckets: Sequence[float]) -> Histogram:
        return Histogram(name, doc, labels, registry=self.registry, buckets=buckets)
