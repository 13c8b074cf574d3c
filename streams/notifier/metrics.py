"""Prometheus metrics of the notifier, on their own registry (like firestorm.streams.metrics.Metrics)."""

from __future__ import annotations

from prometheus_client import start_http_server

from firestorm.streams.metric_families import MetricSet, counter, gauge, histogram

SINK_REASON = ("sink", "reason")  # the labels of what happened to an event on a sink, and why


class NotifierMetrics(MetricSet):
    """firestorm_notifier_* families. Labels are sink names, actions and reasons: all bounded."""

    consumed = counter("firestorm_notifier_alerts_consumed", "Alert events read from the alerts topic.")
    skipped = counter(
        "firestorm_notifier_alerts_skipped",
        "Alert events that page nobody on some sink, by reason (below_threshold, drill_no_key, ...).",
        *SINK_REASON,
    )
    sent = counter("firestorm_notifier_events_sent", "Events accepted by a sink, by action.", "sink", "action")
    failed = counter(
        "firestorm_notifier_events_failed",
        "Events that could not be delivered, by reason (rejected, retries_exhausted, bad_alert, ...).",
        *SINK_REASON,
    )
    retries = counter(
        "firestorm_notifier_retries",
        "Attempts that will be retried, by reason (rate_limited, server_error, network, timeout).",
        *SINK_REASON,
    )
    dead_letters = counter(
        "firestorm_notifier_dead_letters", "Alert events written to the notifier dead-letter topic.", "reason"
    )
    queue_depth = gauge("firestorm_notifier_queue_depth", "Events waiting for delivery.")
    latency = histogram(
        "firestorm_notifier_delivery_latency_seconds",
        "From reading an alert event to the sink accepting it (retries and rate limiting included).",
        "sink",
        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900),
    )
    committed = gauge("firestorm_notifier_committed_offset", "Last committed offset per partition.", "partition")

    def serve(self, host: str, port: int) -> None:
        if port:
            start_http_server(port, addr=host, registry=self.registry)
