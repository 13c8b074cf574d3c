"""What a drill report is made of, collected from a replay without touching the engine.

`ReportCollector.on_window` receives every `ClosedWindow` the engine returns (per-window stats,
the detector's expected count and score, the alert if any) and `on_processed` every scored
mention (for the first mentions of a storm and the per-language breakdown). `build_report`
turns that into the series, incidents and headline numbers the HTML and PNG renderers draw.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from firestorm.models.alerts import Alert
from firestorm.models.detectors.stats import poisson_tail_score
from firestorm.models.engine import ClosedWindow, EngineSettings
from firestorm.models.pipeline import Processed
from firestorm.models.sentiment import NEGATIVE_COMPOUND
from firestorm.streams.drills.report.labels import Labels

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
PAGING = ("warning", "critical")
FIRST_MENTIONS = 12
RECENT_KEPT = 3000  # mentions kept per entity to find the first ones of a storm


@dataclass(frozen=True, slots=True)
class WindowPoint:
    start_ms: int
    count: int
    expected: float
    score: float
    negative_share: float
    mean_compound: float
    scored: int
    anomalous: bool
    incident_open: bool


@dataclass(frozen=True, slots=True)
class MentionRow:
    ts_ms: int
    id: str
    text: str
    author: str | None
    followers: int
    lang: str
    compound: float | None
    url: str | None
    source: str | None
    repost: bool


@dataclass(slots=True)
class LangStats:
    mentions: int = 0
    scored: int = 0
    negative: int = 0
    compound_sum: float = 0.0

    def add(self, other: LangStats) -> None:
        self.mentions += other.mentions
        self.scored += other.scored
        self.negative += other.negative
        self.compound_sum += other.compound_sum

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.scored if self.scored else None

    @property
    def mean_compound(self) -> float | None:
        return self.compound_sum / self.scored if self.scored else None


@dataclass(slots=True)
class StormStart:
    """The mentions from the start of a storm's ramp up to the window that triggered."""

    incident_id: str
    entity: str
    from_ms: int
    rows: list[MentionRow]
    reposts: int
    total: int


class ReportCollector:
    """Plug into `firestorm.streams.drills.replay.replay(on_window=..., on_processed=...)`."""

    def __init__(self, settings: EngineSettings, labels: Labels | None = None) -> None:
        self.settings = settings
        self.labels = labels
        self.windows: dict[str, list[WindowPoint]] = {}
        self.alerts: list[Alert] = []
        self.recent: dict[str, deque[MentionRow]] = {}
        self.storms: dict[str, StormStart] = {}
        self.languages: dict[str, dict[int, dict[str, LangStats]]] = {}
        self.mentions: dict[str, int] = {}
        self.sample_texts: dict[str, str] = {}  # id -> text of the alerts' sample mentions

    def on_processed(self, processed: Processed) -> None:
        mention, sentiment = processed.mention, processed.sentiment
        if mention is None or sentiment is None or processed.outcome != "accepted":
            return
        entity = mention.entity
        self.mentions[entity] = self.mentions.get(entity, 0) + 1
        recent = self.recent.get(entity)
        if recent is None:
            recent = self.recent[entity] = deque(maxlen=RECENT_KEPT)
        recent.append(
            MentionRow(
                ts_ms=mention.ts_ms,
                id=mention.id,
                text=mention.text,
                author=mention.author.id if mention.author else None,
                followers=mention.author.followers if mention.author else 0,
                lang=sentiment.lang,
                compound=sentiment.compound,
                url=mention.url,
                source=mention.source,
                repost=bool(mention.repost_of),
            )
        )
        start = mention.ts_ms - mention.ts_ms % self.settings.window_ms
        per_window = self.languages.setdefault(entity, {}).setdefault(start, {})
        stats = per_window.get(sentiment.lang)
        if stats is None:
            stats = per_window[sentiment.lang] = LangStats()
        stats.mentions += 1
        if sentiment.compound is not None:
            stats.scored += 1
            stats.compound_sum += sentiment.compound
            stats.negative += sentiment.negative

    def on_window(self, closed: ClosedWindow) -> None:
        w, a = closed.window, closed.assessment
        series = self.windows.setdefault(w.entity, [])
        series.append(
            WindowPoint(
                start_ms=w.start_ms,
                count=w.count,
                expected=a.expected,
                score=a.score,
                negative_share=w.negative_share,
                mean_compound=w.mean_compound,
                scored=w.scored,
                anomalous=a.anomalous,
                incident_open=closed.incident_open,
            )
        )
        if closed.alert is not None:
            self.alerts.append(closed.alert)
            self._keep_sample_texts(closed.alert)
            if closed.alert.status == "triggered":
                self._snapshot_storm(closed.alert, series, w.end_ms)

    def _keep_sample_texts(self, alert: Alert) -> None:
        """The alert names its sample mentions by id: keep their texts while they are recent."""
        wanted = {s["id"] for s in alert.drivers.samples}
        if not wanted:
            return
        for row in reversed(self.recent.get(alert.entity, ())):
            if row.id in wanted:
                self.sample_texts[row.id] = row.text
                wanted.discard(row.id)
                if not wanted:
                    break

    def _snapshot_storm(self, alert: Alert, series: list[WindowPoint], until_ms: int) -> None:
        """Walk back from the triggering window over the above-normal ones: the storm's ramp."""
        start = series[-1].start_ms
        for point in reversed(series[:-1]):
            if point.count <= point.expected + 2 * math.sqrt(point.expected) + 1:
                break
            start = point.start_ms
        labels = self.labels
        onset = labels.onset_ms if labels is not None and labels.entity == alert.entity else None
        if onset is not None and onset < until_ms:
            start = min(start, onset)
        rows = [r for r in self.recent.get(alert.entity, ()) if start <= r.ts_ms < until_ms]
        originals = [r for r in rows if not r.repost]
        if alert.severity in PAGING:  # a negative storm: its first voices, not the usual chatter beside them
            originals = [
                r for r in originals if r.compound is not None and r.compound <= NEGATIVE_COMPOUND
            ] or originals
        self.storms[alert.incident_id] = StormStart(
            incident_id=alert.incident_id,
            entity=alert.entity,
            from_ms=start,
            rows=(originals or rows)[:FIRST_MENTIONS],
            reposts=sum(1 for r in rows if r.repost),  # marked reposts only, not the non-negative posts left out
            total=len(rows),
        )


@dataclass(slots=True)
class IncidentSummary:
    incident_id: str
    entity: str
    triggered_ms: int  # detected_at of the first event
    window_start_ms: int
    first_page_ms: int | None  # first event at warning or critical
    severity: str  # the highest reached
    events: list[Alert]
    resolved_ms: int | None
    peak_volume: int
    peak_ms: int
    peak_expected: float

    @property
    def pages(self) -> bool:
        return self.first_page_ms is not None


def summarize_incidents(alerts: list[Alert]) -> list[IncidentSummary]:
    """Group alert events by incident, in order of their first event."""
    out: dict[str, IncidentSummary] = {}
    for alert in alerts:
        at = alert.detected_at_ms
        inc = out.get(alert.incident_id)
        if inc is None:
            inc = out[alert.incident_id] = IncidentSummary(
                incident_id=alert.incident_id,
                entity=alert.entity,
                triggered_ms=at,
                window_start_ms=alert.window_start_ms,
                first_page_ms=None,
                severity=alert.severity,
                events=[],
                resolved_ms=None,
                peak_volume=alert.volume,
                peak_ms=alert.window_start_ms,
                peak_expected=alert.baseline,
            )
        inc.events.append(alert)
        if alert.status == "resolved":
            inc.resolved_ms = at
            continue
        if alert.severity in PAGING and inc.first_page_ms is None:
            inc.first_page_ms = at
        if SEVERITY_RANK[alert.severity] > SEVERITY_RANK[inc.severity]:
            inc.severity = alert.severity
        if alert.volume > inc.peak_volume:
            inc.peak_volume, inc.peak_ms, inc.peak_expected = alert.volume, alert.window_start_ms, alert.baseline
    return list(out.values())


def poisson_score(observed: int, expected: float) -> float:
    """-log10 P(X >= observed) for X ~ Poisson(expected), the count statistic the detectors use."""
    if expected <= 0:
        return 0.0 if observed <= 0 else math.inf
    return poisson_tail_score(observed, expected)


def alert_threshold(expected: float, settings: EngineSettings) -> int:
    """The smallest window count that crosses the line at this expected count (the chart's alert line).

    From the settings every detector shares (min_volume, min_ratio, trigger_score); a detector
    with other signals (e.g. negative sentiment) may alert a little below it.
    """
    k = max(int(settings.min_volume), math.ceil(settings.min_ratio * expected - 1e-9), 1)
    while poisson_score(k, expected) < settings.trigger_score:
        k += max(1, k // 50)
    return k


@dataclass(slots=True)
class Headline:
    """The numbers a debrief starts with, for the storm entity."""

    entity: str
    onset_ms: int | None
    first_alert_ms: int | None
    first_alert_severity: str | None
    time_to_detect_ms: int | None
    first_page_ms: int | None
    time_to_page_ms: int | None
    peak_ms: int | None
    peak_volume: int
    peak_expected: float
    alerted_for_ms: int | None  # first alert to resolve
    resolved: bool
    labelled_end_ms: int | None
    false_alarms_before_onset: int
    quiet_alerts: dict[str, int]  # alert events of each quiet entity, of any severity
    quiet_pages: dict[str, int] = field(default_factory=dict)  # its incidents that paged (warning/critical)

    def quiet_verdict(self) -> str:
        """What the quiet entities did: 'silent', 'no page' (info events only) or 'PAGED'."""
        if any(self.quiet_pages.values()):
            return "PAGED"
        return "silent" if not any(self.quiet_alerts.values()) else "no page"

    def quiet_detail(self) -> str:
        """Per quiet entity: its alert events and how many of its incidents paged."""
        return ", ".join(
            f"{q}: {n} alert events, {self.quiet_pages.get(q, 0)} paged" if n else f"{q}: 0 alert events"
            for q, n in self.quiet_alerts.items()
        )


@dataclass(slots=True)
class EntityReport:
    entity: str
    mentions: int
    windows: list[WindowPoint]
    incidents: list[IncidentSummary]
    languages_all: dict[str, LangStats]
    languages_storm: dict[str, LangStats]


@dataclass(slots=True)
class Report:
    title: str
    input_name: str
    input_format: str
    settings: EngineSettings
    labels: Labels | None
    summary: dict[str, Any]
    bad_lines: list[tuple[int, str]]
    entities: list[EntityReport]  # the storm entity first, then the others by mentions
    headline: Headline | None
    storms: dict[str, StormStart]
    alerts: list[Alert]
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    version: str = ""
    sample_texts: dict[str, str] = field(default_factory=dict)  # id -> text of the alerts' sample mentions

    def entity(self, name: str) -> EntityReport | None:
        return next((e for e in self.entities if e.entity == name), None)


def _langs(per_window: dict[int, dict[str, LangStats]], spans: list[tuple[int, int]] | None) -> dict[str, LangStats]:
    out: dict[str, LangStats] = {}
    for start, by_lang in per_window.items():
        if spans is not None and not any(lo <= start < hi for lo, hi in spans):
            continue
        for lang, stats in by_lang.items():
            out.setdefault(lang, LangStats()).add(stats)
    return dict(sorted(out.items(), key=lambda kv: -kv[1].mentions))


def _storm_spans(
    entity: str, incidents: list[IncidentSummary], storms: dict[str, StormStart], end_ms: int
) -> list[tuple[int, int]]:
    spans = []
    for inc in incidents:
        storm = storms.get(inc.incident_id)
        lo = storm.from_ms if storm else inc.window_start_ms
        spans.append((lo, inc.resolved_ms if inc.resolved_ms is not None else end_ms))
    return spans


def build_report(
    collector: ReportCollector,
    *,
    title: str,
    input_name: str,
    input_format: str,
    summary: dict[str, Any],
    bad_lines: list[tuple[int, str]],
    version: str = "",
) -> Report:
    labels = collector.labels
    incidents = summarize_incidents(collector.alerts)
    names = set(collector.windows) | set(collector.mentions)
    primary = labels.entity if labels and labels.entity in names else None
    if primary is None and incidents:
        primary = max(incidents, key=lambda i: (i.peak_volume, -i.triggered_ms)).entity
    order = sorted(
        names, key=lambda n: (n != primary, not any(i.entity == n for i in incidents), -collector.mentions.get(n, 0), n)
    )
    entities = []
    for name in order:
        windows = collector.windows.get(name, [])
        own = [i for i in incidents if i.entity == name]
        end_ms = windows[-1].start_ms + collector.settings.window_ms if windows else 0
        per_window = collector.languages.get(name, {})
        spans = _storm_spans(name, own, collector.storms, end_ms)
        if not spans and labels and labels.entity == name and labels.onset_ms is not None:
            spans = [(labels.onset_ms, labels.end_ms or end_ms)]
        entities.append(
            EntityReport(
                entity=name,
                mentions=collector.mentions.get(name, 0),
                windows=windows,
                incidents=own,
                languages_all=_langs(per_window, None),
                languages_storm=_langs(per_window, spans) if spans else {},
            )
        )
    headline = _headline(primary, entities, labels) if primary else None
    return Report(
        title=title,
        input_name=input_name,
        input_format=input_format,
        settings=collector.settings,
        labels=labels,
        summary=summary,
        bad_lines=bad_lines,
        entities=entities,
        headline=headline,
        storms=collector.storms,
        alerts=collector.alerts,
        version=version,
        sample_texts=dict(collector.sample_texts),
    )


def _headline(primary: str, entities: list[EntityReport], labels: Labels | None) -> Headline:
    entity = next(e for e in entities if e.entity == primary)
    onset = labels.onset_ms if labels and labels.entity == primary else None
    relevant = [i for i in entity.incidents if onset is None or i.triggered_ms >= onset]
    first = relevant[0] if relevant else None
    first_page = next((i.first_page_ms for i in relevant if i.first_page_ms is not None), None)
    lo = onset if onset is not None else (first.window_start_ms if first else None)
    hi = labels.end_ms if labels and labels.entity == primary and labels.end_ms else None
    if first is not None and first.resolved_ms is not None:
        hi = max(hi or 0, first.resolved_ms)
    in_storm = [
        w for w in entity.windows if (lo is None or w.start_ms >= lo - 3_600_000) and (hi is None or w.start_ms <= hi)
    ]
    peak = max(in_storm or entity.windows, key=lambda w: w.count, default=None)
    quiet_names = labels.quiet_entities if labels else tuple(e.entity for e in entities if e.entity != primary)
    quiet_alerts = {q: sum(len(i.events) for e in entities if e.entity == q for i in e.incidents) for q in quiet_names}
    quiet_pages = {q: sum(1 for e in entities if e.entity == q for i in e.incidents if i.pages) for q in quiet_names}
    return Headline(
        entity=primary,
        onset_ms=onset,
        first_alert_ms=first.triggered_ms if first else None,
        first_alert_severity=first.events[0].severity if first else None,
        time_to_detect_ms=(first.triggered_ms - onset) if first and onset is not None else None,
        first_page_ms=first_page,
        time_to_page_ms=(first_page - onset) if first_page is not None and onset is not None else None,
        peak_ms=peak.start_ms if peak else None,
        peak_volume=peak.count if peak else 0,
        peak_expected=peak.expected if peak else 0.0,
        alerted_for_ms=(first.resolved_ms - first.triggered_ms) if first and first.resolved_ms else None,
        resolved=bool(first and first.resolved_ms),
        labelled_end_ms=labels.end_ms if labels and labels.entity == primary else None,
        false_alarms_before_onset=sum(1 for i in entity.incidents if onset is not None and i.triggered_ms < onset),
        quiet_alerts=quiet_alerts,
        quiet_pages=quiet_pages,
    )


def fmt_duration(ms: int | None) -> str:
    """+4m30s, -1m, 2h20m; '-' when unknown."""
    if ms is None:
        return "-"
    sign = "-" if ms < 0 else "+"
    s = abs(ms) // 1000
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{sign}{h}h{m:02d}m"
    if m:
        return f"{sign}{m}m{sec:02d}s" if sec else f"{sign}{m}m"
    return f"{sign}{sec}s"
