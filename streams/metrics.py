"""Prometheus metrics shared by the worker and the embedded replay.

Entity labels are bounded: the first `entity_label_cap` entities get their own series,
later ones are folded into entity="other", so a flood of new entities cannot blow up
Prometheus. Mention ids, authors and texts never become labels.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, start_http_server

from models.engine import ClosedWindow
from models.pipeline import Processed

OTHER = "other"


class Metrics:
    """The firestorm_* metric families, registered on their own registry."""

    def __init__(self, entity_label_cap: int = 500, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.entity_label_cap = entity_label_cap
        self._labelled: set[str] = set()
        r = self.registry
        self.consumed = Counter("firestorm_mentions_consumed", "Raw mention messages read.", registry=r)
        self.outcomes = Counter(
            "firestorm_mentions",
            "Mentions by outcome (accepted, duplicate, late, dead_letter).",
            ["outcome"],
            registry=r,
        )
        self.dead_letters = Counter(
            "firestorm_dead_letters", "Mentions sent to the dead-letter topic, by reason.", ["reason"], registry=r
        )
        self.sentiment = Counter(
            "firestorm_sentiment_mentions",
            "Valid mentions by language and whether they were scored.",
            ["language", "scored"],
            registry=r,
        )
        self.alerts = Counter("firestorm_alerts", "Alert events emitted.", ["status", "severity"], registry=r)
        self.windows_closed = Counter("firestorm_windows_closed", "Entity windows closed by the watermark.", registry=r)
        self.entity_labels_folded = Counter(
            "firestorm_entity_labels_folded",
            'Window updates reported under entity="other" (label cap).',
            registry=r,
        )
        self.window_mentions = Gauge(
            "firestorm_entity_window_mentions", "Mentions in the entity's last closed window.", ["entity"], registry=r
        )
        self.expected = Gauge(
            "firestorm_entity_expected_mentions", "Baseline (expected) mentions per window.", ["entity"], registry=r
        )
        self.score = Gauge(
            "firestorm_entity_detector_score", "Detector score of the last window.", ["entity"], registry=r
        )
        self.negative_share = Gauge(
            "firestorm_entity_negative_ratio",
            "Share of scored mentions that are negative (0-1).",
            ["entity"],
            registry=r,
        )
        self.mean_compound = Gauge(
            "firestorm_entity_mean_compound", "Mean VADER compound of the last window (-1..1).", ["entity"], registry=r
        )
        self.incident_open = Gauge(
            "firestorm_entity_incident_open", "1 while the entity has an open incident.", ["entity"], registry=r
        )
        self.watermark = Gauge(
            "firestorm_watermark_timestamp_seconds",
            "Event-time watermark of each clock domain.",
            ["domain"],
            registry=r,
        )
        self.batch_seconds = Histogram(
            "firestorm_batch_processing_seconds",
            "Wall time to process one batch of mentions.",
            registry=r,
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.build = Info("firestorm_build", "Version of the running firestorm.", registry=r)

    def serve(self, host: str, port: int) -> None:
        """Expose /metrics over HTTP (port 0 means: do not serve)."""
        if port:
            start_http_server(port, addr=host, registry=self.registry)

    def entity_label(self, entity: str) -> str:
        if entity in self._labelled:
            return entity
        if len(self._labelled) < self.entity_label_cap:
            self._labelled.add(entity)
            return entity
        self.entity_labels_folded.inc()
        return OTHER

    def record(self, processed: Processed) -> None:
        """Count one processed message and report the windows it closed."""
        self.record_message(processed)
        for closed in processed.closed:
            self.record_window(closed)

    def record_message(self, processed: Processed) -> None:
        """Count one processed message by outcome, dead-letter reason and language."""
        self.consumed.inc()
        self.outcomes.labels(processed.outcome).inc()
        if processed.error is not None:
            self.dead_letters.labels(processed.error.reason).inc()
        if processed.sentiment is not None:
            self.sentiment.labels(processed.sentiment.lang, str(processed.sentiment.scored).lower()).inc()

    def record_window(self, closed: ClosedWindow) -> None:
        self.windows_closed.inc()
        label = self.entity_label(closed.window.entity)
        self.window_mentions.labels(label).set(closed.window.count)
        self.expected.labels(label).set(closed.assessment.expected)
        self.score.labels(label).set(closed.assessment.score)
        self.negative_share.labels(label).set(closed.window.negative_share)
        self.mean_compound.labels(label).set(closed.window.mean_compound)
        self.incident_open.labels(label).set(1 if closed.incident_open else 0)
        if closed.alert is not None:
            self.alerts.labels(closed.alert.status, closed.alert.severity).inc()
