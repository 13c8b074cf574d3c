"""Prometheus metrics of the notifier, on their own registry (like firestorm.streams.metrics.Metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server


class NotifierMetrics:
    """firestorm_notifier_* families. Labels are sink names, actions and reasons: all bounded."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.consumed = Counter(
            "firestorm_notifier_alerts_consumed", "Alert events read from the alerts topic.", registry=r
        )
        self.skipped = Counter(
            "firestorm_notifier_alerts_skipped",
            "Alert events that page nobody on some sink, by reason (below_threshold, drill_no_key, ...).",
            ["sink", "reason"],
            registry=r,
        )
        self.sent = Counter(
            "firestorm_notifier_events_sent", "Events accepted by a sink, by action.", ["sink", "action"], registry=r
        )
        self.failed = Counter(
            "firestorm_notifier_events_failed",
            "Events that could not be delivered, by reason (rejected, retries_exhausted, bad_alert, ...).",
            ["sink", "reason"],
            registry=r,
        )
        self.retries = Counter(
            "firestorm_notifier_retries",
            "Attempts that will be retried, by reason (rate_limited, server_error, network, timeout).",
            ["sink", "reason"],
            registry=r,
        )
        self.dead_letters = Counter(
            "firestorm_notifier_dead_letters",
            "Alert events written to the notifier dead-letter topic.",
            ["reason"],
            registry=r,
        )
        self.queue_depth = Gauge("firestorm_notifier_queue_depth", "Events waiting for delivery.", registry=r)
        self.latency = Histogram(
            "firestorm_notifier_delivery_latency_seconds",
            "From reading an alert event to the sink accepting it (retries and rate limiting included).",
            ["sink"],
            registry=r,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900),
        )
        self.committed = Gauge(
            "firestorm_notifier_committed_offset", "Last committed offset per partition.", ["partition"], registry=r
        )

    def serve(self, host: str, port: int) -> None:
        if port:
            start_http_server(port, addr=host, registry=self.registry)
