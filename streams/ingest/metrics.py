"""firestorm_ingest_* metrics, on their own registry, and the /metrics, /healthz, /readyz endpoint.

Labels are connector names (as configured: bounded) and reason slugs; never post ids or texts.
Lag and last event time are computed at scrape time from each connector's newest event.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from firestorm.streams.endpoint import Health, serve_http
from firestorm.streams.ingest.connector import Connector
from firestorm.streams.metric_families import MetricSet, counter, gauge


class _ConnectorCollector(Collector):
    """Reconnects and malformed frames (counted by the connectors), lag and last event time."""

    def __init__(self, metrics: IngestMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        reconnects = CounterMetricFamily(
            "firestorm_ingest_reconnects",
            "Connections to a source lost or refused, then retried.",
            labels=["connector"],
        )
        malformed = CounterMetricFamily(
            "firestorm_ingest_malformed_frames",
            "Frames of a source that could not be read, by reason (skipped, the stream goes on).",
            labels=["connector", "reason"],
        )
        connected = GaugeMetricFamily(
            "firestorm_ingest_connected", "1 while the connector is connected to its source.", labels=["connector"]
        )
        last = GaugeMetricFamily(
            "firestorm_ingest_last_event_timestamp_seconds",
            "Source time of the newest event a connector produced (unix seconds).",
            labels=["connector"],
        )
        lag = GaugeMetricFamily(
            "firestorm_ingest_lag_seconds",
            "Wall clock minus the source time of the newest event produced: how far behind the source it is.",
            labels=["connector"],
        )
        now = time.time()
        for connector in self.metrics.connectors:
            stats = connector.stats
            reconnects.add_metric([connector.name], stats.reconnects)
            for reason, count in stats.malformed.items():
                malformed.add_metric([connector.name, reason], count)
            connected.add_metric([connector.name], 1.0 if stats.connected else 0.0)
            newest = self.metrics.last_event_ms.get(connector.name)
            if newest is not None:
                last.add_metric([connector.name], newest / 1000)
                lag.add_metric([connector.name], max(0.0, now - newest / 1000))
        yield from (reconnects, malformed, connected, last, lag)


class IngestMetrics(MetricSet):
    """firestorm_ingest_* families (labels: connector names, reason slugs); the connectors' own at scrape time."""

    received = counter("firestorm_ingest_received", "Frames or items read from a source.", "connector")
    posts = counter("firestorm_ingest_posts", "Posts read from a source (before matching).", "connector")
    matched = counter("firestorm_ingest_matched", "Posts that named at least one watched entity.", "connector")
    produced = counter("firestorm_ingest_produced", "Mentions acked by the broker on the mentions topic.", "connector")
    duplicates = counter(
        "firestorm_ingest_duplicates", "Posts dropped because their id was already produced.", "connector"
    )
    dead_letters = counter(
        "firestorm_ingest_dead_letters",
        "Bad mentions written to the dead-letter topic, by reason.",
        "connector",
        "reason",
    )
    failures = counter(
        "firestorm_ingest_send_failures",
        "Batches the broker did not ack (the connector restarts from its persisted cursor).",
        "connector",
    )
    watch_entities = gauge("firestorm_ingest_watched_entities", "Entities on the watch list.")
    watch_terms = gauge("firestorm_ingest_watched_terms", "Distinct terms in the matcher.")
    watch_reloads = counter(
        "firestorm_ingest_watchlist_reloads", "Watch list reloads, by outcome (ok, error).", "outcome"
    )

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__(registry)
        self.connectors: list[Connector] = []
        self.last_event_ms: dict[str, int] = {}
        self.health = Health()
        self.registry.register(_ConnectorCollector(self))
        self._server: WSGIServer | None = None

    def add(self, connector: Connector) -> None:
        self.connectors.append(connector)
        for family in (self.received, self.posts, self.matched, self.produced, self.duplicates, self.failures):
            family.labels(connector.name)

    def serve(self, host: str, port: int) -> int | None:
        """Serve /metrics, /healthz, /readyz; returns the port (0 asks for a free one), None when off."""
        if port < 0:
            return None
        self._server = serve_http(self.registry, host, port, self.health)
        return int(self._server.server_port)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
