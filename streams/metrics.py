"""Prometheus metrics shared by the worker and the embedded replay, and their HTTP endpoint.

Naming follows Prometheus practice: a `firestorm_` prefix, base units (seconds, ratios 0-1),
`_total` counters, histograms rather than summaries. Cardinality is bounded: the first
`entity_label_cap` entities get their own series, later ones are folded into entity="other"
(counted by `firestorm_entity_labels_folded_total`); languages are capped the same way.
Mention ids, authors and texts never become labels. The one opt-in exception
(`driver_terms`, FIRESTORM_METRICS_DRIVER_TERMS=1) is the top terms and hashtags of an open
incident's alert window (at most TOP_DRIVERS of each per entity, removed when it resolves).

`serve()` exposes `/metrics`, `/healthz` (liveness: the worker's event loop still beats) and
`/readyz` (readiness: the worker has joined its consumer group) on one port.
"""

from __future__ import annotations

import functools
import logging
import math
import platform
import re
import time
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Info, disable_created_metrics

from firestorm.models.alerts import SEVERITIES, STATUSES, Alert
from firestorm.models.detectors.stats import poisson_tail_score
from firestorm.models.engine import ClosedWindow, EngineSettings
from firestorm.models.pipeline import Processed
from firestorm.streams.endpoint import Health, serve_http
from firestorm.streams.metric_families import MetricSet, counter, gauge, histogram
from firestorm.streams.metrics_collectors import EntityWindows, WatermarkDelay

OTHER = "other"
OUTCOMES = ("accepted", "duplicate", "late", "dead_letter")
HELD = "held"  # not an outcome yet: a mention beyond the jump bound, decided later (models/engine.py)
DEAD_LETTER_REASONS = (
    "empty",
    "too_large",
    "not_json",
    "invalid_utf8",
    "not_object",
    "missing_field",
    "bad_type",
    "bad_timestamp",
    "entity_cap",
    "future_timestamp",
)
TOP_DRIVERS = 3  # top terms and top hashtags of an open incident exported per entity
DRIVER_TEXT_MAX = 40  # characters of a term or hashtag kept in its label
LANGUAGE_LABEL_CAP = 60
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")

log = logging.getLogger("firestorm.metrics")

# No `<counter>_created` series: they double the series count, and the text format Prometheus
# 2.42 scrapes stores them as plain gauges (process-wide setting of prometheus_client).
disable_created_metrics()  # type: ignore[no-untyped-call]


def _package_version() -> str:
    try:
        return version("firestorm")
    except PackageNotFoundError:
        return "0+unknown"


@functools.lru_cache(maxsize=8192)
def alert_threshold(expected: float, min_volume: int, min_ratio: float, trigger_score: float) -> int:
    """The smallest window count the volume signal alerts on at this expected count (the alert line).

    From the knobs every detector shares (min_volume, min_ratio, trigger_score) and the same
    Poisson tail as the detectors; a detector with other signals (the seasonal one's negative
    sentiment) may alert a little below it.
    """
    if expected <= 0:
        return max(min_volume, 1)
    k = max(min_volume, math.ceil(min_ratio * expected - 1e-9), 1)
    while poisson_tail_score(k, expected) < trigger_score:
        k += max(1, k // 50)
    return k


class _EntitySeries:
    """The per-entity gauge children of one entity label, looked up once."""

    __slots__ = (
        "incident_open",
        "mentions",
        "severity",
        "severity_state",
    )

    def __init__(self, m: Metrics, label: str) -> None:
        self.mentions = m.entity_mentions.labels(label)
        self.incident_open = m.incident_open.labels(label)
        self.severity = {s: m.incident_severity.labels(label, s) for s in SEVERITIES}
        for status in STATUSES:  # present at 0 from the start, so increase() sees the first alert
            m.entity_alerts.labels(label, status)
        self.severity_state: str | None = ""  # "" before the first window: forces the first write


class Metrics(MetricSet):
    """The firestorm_* metric families, registered on their own registry."""

    # --- pipeline -----------------------------------------------------------------------
    consumed = counter("firestorm_mentions_consumed", "Raw mention messages read.")
    outcomes = counter(
        "firestorm_mentions",
        "Mentions by outcome (accepted, duplicate, late, dead_letter); decoded = all but dead_letter.",
        "outcome",
    )
    dead_letters = counter("firestorm_dead_letters", "Mentions sent to the dead-letter topic, by reason.", "reason")
    dead_letters_cut = counter(
        "firestorm_dead_letters_truncated",
        "Dead letters too large to carry their record whole: sent with a reference, sha256 and excerpt.",
    )
    sentiment = counter(
        "firestorm_sentiment_mentions",
        "Valid mentions by language and whether they were scored (scored=false: no lexicon).",
        "language",
        "scored",
    )
    compound = histogram(
        "firestorm_sentiment_compound",
        "VADER compound of scored mentions (-1..1), by language.",
        "language",
        buckets=(-0.75, -0.5, -0.05, 0.05, 0.5, 0.75, 1.0),
    )
    alerts = counter("firestorm_alerts", "Alert events emitted.", "status", "severity")
    windows_closed = counter("firestorm_windows_closed", "Entity windows closed by the watermark.")
    entity_labels_folded = counter(
        "firestorm_entity_labels_folded", 'Window updates reported under entity="other" (label cap).'
    )
    # Offset continuity (streams/kafka/offsets.py): each non-zero value is also logged.
    redelivered = counter(
        "firestorm_records_redelivered",
        "Records skipped because their partition's state already counts them (redelivery).",
    )
    gap_filled = counter(
        "firestorm_records_gap_filled", "Records the consumer skipped that the worker read straight from the broker."
    )
    gap_missing = counter(
        "firestorm_records_gap_missing",
        "Offsets of a skipped range that held no record (retention, transaction markers) or failed to read.",
    )
    stale_records = counter(
        "firestorm_records_stale", "Records of a partition no longer assigned to this worker, left to its new owner."
    )
    watermark = gauge(
        "firestorm_watermark_timestamp_seconds",
        "Event-time watermark of each clock domain (a partition, or the replay).",
        "domain",
    )
    consumer_lag = gauge(
        "firestorm_consumer_lag",
        "Messages of each assigned mentions partition not yet read (highwater minus position).",
        "topic",
        "partition",
    )
    batch_seconds = histogram(
        "firestorm_batch_processing_seconds",
        "Wall time to process one batch of mentions.",
        buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    )
    alert_latency = histogram(
        "firestorm_event_to_alert_latency_seconds",
        "Wall time from the arrival of the mention whose ingestion closed a window to its alert being sent.",
        buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    )

    # --- per entity (label: the entity, capped) -------------------------------------------
    entity_mentions = counter("firestorm_entity_mentions", "Mentions accepted into the entity's windows.", "entity")
    entity_alerts = counter("firestorm_entity_alerts", "Alert events of the entity, by status.", "entity", "status")
    incident_open = gauge("firestorm_entity_incident_open", "1 while the entity has an open incident.", "entity")
    incident_severity = gauge(
        "firestorm_entity_incident_severity",
        "1 for the severity of the entity's open incident, 0 for the others (all 0 when none is open).",
        "entity",
        "severity",
    )
    drivers = gauge(
        "firestorm_entity_driver_mentions",
        "Top terms and hashtags of the open incident's last alert window (mentions naming them).",
        "entity",
        "kind",
        "rank",
        "term",
    )

    def __init__(
        self,
        entity_label_cap: int = 500,
        registry: CollectorRegistry | None = None,
        settings: EngineSettings | None = None,
        role: str = "worker",
        language_label_cap: int = LANGUAGE_LABEL_CAP,
        driver_terms: bool = False,
    ) -> None:
        super().__init__(registry)
        self.driver_terms = driver_terms
        self.entity_label_cap = entity_label_cap
        self.language_label_cap = language_label_cap
        self.settings = settings or EngineSettings()
        self.health = Health(ready=role != "worker")
        self._labelled: set[str] = set()
        self._series: dict[str, _EntitySeries] = {}
        self._languages: set[str] = set()
        self._drivers: dict[str, list[tuple[str, str, str]]] = {}
        self._watermarks: dict[str, float] = {}
        self._partitions: set[tuple[str, str]] = set()
        self._knobs: dict[str, tuple[int, float, float]] = {}
        self._last_window: dict[str, tuple[float, ...]] = {}  # label -> values of metrics_collectors.WINDOW_GAUGES
        self._server: WSGIServer | None = None
        r = self.registry
        r.register(WatermarkDelay(self._watermarks))
        r.register(EntityWindows(self._last_window))
        self.build = Info("firestorm_build", "Version of the running firestorm.", registry=r)
        self.build.info({"version": _package_version(), "python_version": platform.python_version(), "role": role})

        # Known label values start at 0 (rate() and increase() then see their first event).
        for outcome in OUTCOMES:
            self.outcomes.labels(outcome)
        for reason in DEAD_LETTER_REASONS:
            self.dead_letters.labels(reason)
        for status in STATUSES:
            for severity in SEVERITIES:
                self.alerts.labels(status, severity)

    # --- HTTP ---------------------------------------------------------------------------

    def serve(self, host: str, port: int) -> WSGIServer | None:
        """Serve /metrics, /healthz and /readyz on host:port in a daemon thread (port 0: do not serve)."""
        if not port:
            return None
        self._server = serve_http(self.registry, host, port, self.health)
        return self._server

    @property
    def server_port(self) -> int | None:
        return None if self._server is None else int(self._server.server_address[1])

    def close(self) -> None:
        """Stop serving (tests, the replay's end)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- labels -------------------------------------------------------------------------

    def entity_label(self, entity: str) -> str:
        """The label of an entity's window series; counts folds into "other" (one per window update)."""
        label = self._label_of(entity)
        if label == OTHER and entity != OTHER:
            self.entity_labels_folded.inc()
        return label

    def _label_of(self, entity: str) -> str:
        if entity in self._labelled:
            return entity
        if len(self._labelled) < self.entity_label_cap:
            self._labelled.add(entity)
            return entity
        return OTHER

    def _entity(self, label: str) -> _EntitySeries:
        series = self._series.get(label)
        if series is None:
            series = self._series[label] = _EntitySeries(self, label)
        return series

    def language_label(self, language: str) -> str:
        if language in self._languages:
            return language
        if _LANGUAGE.match(language) and len(self._languages) < self.language_label_cap:
            self._languages.add(language)
            return language
        return OTHER

    # --- recording ----------------------------------------------------------------------

    def record_batch(self, batch: Sequence[Processed]) -> None:
        """`record_message` and `record_window` for every message of a batch, with one counter
        update per series instead of one per message (a labelled child lookup and a locked
        increment each). Labels are given in the same order as message by message, so the entity
        and language caps fold the same series into "other"."""
        outcomes: dict[str, int] = {}
        reasons: dict[str, int] = {}
        sentiments: dict[tuple[str, str], int] = {}
        compounds: dict[str, list[float]] = {}
        mentions: dict[str, int] = {}
        for processed in batch:
            outcome = processed.outcome
            if outcome != HELD:  # counted by outcome once decided (in a later message's `released`)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            for released in processed.released:
                self.record_release(released)
            if processed.error is not None:
                reason = processed.error.reason
                reasons[reason] = reasons.get(reason, 0) + 1
            sentiment = processed.sentiment
            if sentiment is not None:
                language = self.language_label(sentiment.lang)
                key = (language, "true" if sentiment.scored else "false")
                sentiments[key] = sentiments.get(key, 0) + 1
                if sentiment.compound is not None:
                    compounds.setdefault(language, []).append(sentiment.compound)
            if outcome == "accepted" and processed.mention is not None:
                label = self._label_of(processed.mention.entity)
                mentions[label] = mentions.get(label, 0) + 1
            for closed in processed.closed:
                self.record_window(closed)
        if batch:
            self.consumed.inc(len(batch))
        for outcome, n in outcomes.items():
            self.outcomes.labels(outcome).inc(n)
        for reason, n in reasons.items():
            self.dead_letters.labels(reason).inc(n)
        for (language, scored), n in sentiments.items():
            self.sentiment.labels(language, scored).inc(n)
        for language, values in compounds.items():
            observe = self.compound.labels(language).observe
            for value in values:
                observe(value)
        for label, n in mentions.items():
            self._entity(label).mentions.inc(n)

    def record_message(self, processed: Processed) -> None:
        """Count one processed message by outcome, dead-letter reason, language and entity."""
        self.consumed.inc()
        if processed.outcome != HELD:  # counted by outcome once decided (see record_release)
            self.outcomes.labels(processed.outcome).inc()
        if processed.error is not None:
            self.dead_letters.labels(processed.error.reason).inc()
        for released in processed.released:
            self.record_release(released)
        sentiment = processed.sentiment
        if sentiment is not None:
            language = self.language_label(sentiment.lang)
            self.sentiment.labels(language, "true" if sentiment.scored else "false").inc()
            if sentiment.compound is not None:
                self.compound.labels(language).observe(sentiment.compound)
        if processed.outcome == "accepted" and processed.mention is not None:
            self._entity(self._label_of(processed.mention.entity)).mentions.inc()

    def dead_letter_cut(self) -> None:
        """A dead letter went out with an excerpt instead of its whole record."""
        self.dead_letters_cut.inc()

    def record_release(self, processed: Processed) -> None:
        """A held mention (consumed, and its language counted, when it came) is decided."""
        self.outcomes.labels(processed.outcome).inc()
        if processed.error is not None:
            self.dead_letters.labels(processed.error.reason).inc()
        if processed.outcome == "accepted" and processed.mention is not None:
            self._entity(self._label_of(processed.mention.entity)).mentions.inc()

    def record_window(self, closed: ClosedWindow) -> None:
        """A materialised closed window (`firestorm_windows_closed_total` counts only those)."""
        self.windows_closed.inc()
        window = closed.window
        label = self.entity_label(window.entity)
        series = self._entity(label)
        expected = closed.assessment.expected
        self._last_window[label] = (
            window.count,
            expected,
            self._alert_line(window.entity, expected),
            closed.assessment.score,
            window.negative_share,
            window.mean_compound,
            window.reach,
            window.unique_authors,
        )
        state = closed.severity if closed.incident_open else None
        if state != series.severity_state:
            series.incident_open.set(1 if state else 0)
            for severity, child in series.severity.items():
                child.set(1 if severity == state else 0)
            series.severity_state = state
        alert = closed.alert
        if alert is not None:
            self.alerts.labels(alert.status, alert.severity).inc()
            self.entity_alerts.labels(label, alert.status).inc()
            if label != OTHER:
                self._set_drivers(label, alert, closed)
        elif state is None and label in self._drivers:
            self._clear_drivers(label)

    def record_dormant(self, entities: Iterable[str]) -> None:
        """Entities gone dormant (Engine.take_dormant): their windows read as quiet ones from now
        on (no mentions, reach or authors), with the baseline and score of their last window."""
        for entity in entities:
            label = self._label_of(entity)
            last = self._last_window.get(label)
            if last is not None and label != OTHER:
                self._last_window[label] = (0, *last[1:4], 0.0, 0.0, 0, 0)

    def _alert_line(self, entity: str, expected: float) -> int:
        knobs = self._knobs.get(entity)
        if knobs is None:
            s = self.settings.detector_settings(entity)
            knobs = self._knobs[entity] = (int(s.min_volume), float(s.min_ratio), float(s.trigger_score))
        return alert_threshold(round(expected, 4), *knobs)

    def _set_drivers(self, label: str, alert: Alert, closed: ClosedWindow) -> None:
        self._clear_drivers(label)
        if alert.status == "resolved" or not self.driver_terms:
            return
        keys: list[tuple[str, str, str]] = []
        for kind, items in (("term", closed.window.top_terms), ("hashtag", closed.window.top_hashtags)):
            for rank, (text, count) in enumerate(items[:TOP_DRIVERS], 1):
                key = (kind, str(rank), text[:DRIVER_TEXT_MAX])
                self.drivers.labels(label, *key).set(count)
                keys.append(key)
        self._drivers[label] = keys

    def _clear_drivers(self, label: str) -> None:
        for key in self._drivers.pop(label, []):
            self.drivers.remove(label, *key)

    def set_watermark(self, domain: str, watermark_ms: int | None) -> None:
        """The event-time watermark of a clock domain (its delay is computed at each scrape)."""
        if watermark_ms is None:
            return
        seconds = watermark_ms / 1000
        self._watermarks[domain] = seconds
        self.watermark.labels(domain).set(seconds)

    def observe_alert_latency(self, arrived: float) -> None:
        """An alert was sent; `arrived` is the time.monotonic() at which its mention arrived."""
        self.alert_latency.observe(max(0.0, time.monotonic() - arrived))

    def set_consumer_lag(self, lags: Iterable[tuple[str, int, int]]) -> None:
        """(topic, partition, lag) of every assigned partition; partitions no longer listed are dropped."""
        current: set[tuple[str, str]] = set()
        for topic, partition, lag in lags:
            key = (topic, str(partition))
            current.add(key)
            self.consumer_lag.labels(*key).set(max(0, lag))
        for key in self._partitions - current:
            self.consumer_lag.remove(*key)
        self._partitions = current

    def forget_domains(self) -> None:
        """After a rebalance: drop the per-partition series until the partitions report again."""
        for domain in list(self._watermarks):
            self.watermark.remove(domain)
        self._watermarks.clear()
        self.set_consumer_lag(())
