"""Crisis-event track: real tweets of crises that are not complaints, replayed through the real engine.

Each CrisisLexT6 event's collection (bench/detection/crisis_data.py) is the mentions of one entity:
every tweet is a mention at its snowflake time, one author per tweet (the data has no authors),
its text scored by the real scorer (`firestorm.models.sentiment.SentimentScorer`, default mode,
language detected), fed in time order to `firestorm.models.engine.Engine` with its default
settings (1-minute windows, as `firestorm replay`).

Beside firestorm, two trailing rules on the per-minute counts, judged every minute once 6 hours
of history exist (the mean is over the history so far, at most the last 24 hours):
- naive: page when the last 15 minutes hold >= 5x the mean 15-minute count (the issue's rule);
- visible rise: the same at 4x (the low end of "rises 4-10x"), the first minute at or after the
  onset: when a person looking at the volume would see it rise. Before the onset it says nothing.

Goals per event: firestorm pages (warning or critical) within 20 minutes of the visible rise and
no later than the naive rule; nothing paged before the onset; at most one resolve/re-open cycle
per incident.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.detection.crisis_data import CrisisEvent, EventInfo, load_event
from bench.detection.pool import run_all
from firestorm.models.engine import Engine, EngineSettings
from firestorm.models.records import Author, Mention
from firestorm.models.sentiment import SentimentScorer
from firestorm.streams.notifier.render import summary

MINUTE_MS = 60_000
NAIVE_FACTOR = 5.0
RISE_FACTOR = 4.0
RULE_SPAN_MIN = 15
RULE_HISTORY_MIN = 24 * 60
RULE_MIN_HISTORY_MIN = 6 * 60
TARGET_AFTER_RISE_MIN = 20.0
TARGET_FLAPS = 1
PAGE_SEVERITIES = frozenset({"warning", "critical"})


def minute_counts(event: CrisisEvent) -> tuple[int, list[int]]:
    """(first minute's start ms, tweets per minute from there to the last tweet)."""
    first = event.first_ms - event.first_ms % MINUTE_MS
    counts = [0] * ((event.last_ms - first) // MINUTE_MS + 1)
    for tweet in event.tweets:
        counts[(tweet.ts_ms - first) // MINUTE_MS] += 1
    return first, counts


def trailing_rule(counts: Sequence[int], factor: float, start: int = 0) -> int | None:
    """The first minute index >= start whose last 15 minutes hold >= factor x the mean 15-minute count
    of the history before them (at least 6 hours, at most 24), or None."""
    prefix = [0]
    for c in counts:
        prefix.append(prefix[-1] + c)
    for i in range(max(start, RULE_MIN_HISTORY_MIN + RULE_SPAN_MIN - 1), len(counts)):
        recent = prefix[i + 1] - prefix[i + 1 - RULE_SPAN_MIN]
        end = i + 1 - RULE_SPAN_MIN
        begin = max(0, end - RULE_HISTORY_MIN)
        if end - begin < RULE_MIN_HISTORY_MIN:
            continue
        mean = (prefix[end] - prefix[begin]) / (end - begin) * RULE_SPAN_MIN
        if recent > 0 and recent >= factor * mean:
            return i
    return None


@dataclass(frozen=True, slots=True)
class AlertRow:
    minute_ms: int  # the alert's window end (when it could be seen)
    status: str
    severity: str
    incident_id: str
    summary: str  # the one-line page text every sink sends (streams/notifier/render.py)


@dataclass(slots=True)
class EventResult:
    info: EventInfo
    tweets: int
    on_topic: int
    first_ms: int
    negative_share: float  # of scored tweets, over the whole collection
    rise_ms: int | None
    naive_ms: int | None
    naive_before_onset: int  # minutes the naive rule fires before the onset
    alerts: list[AlertRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def onset_ms(self) -> int:
        return self.info.onset_ms

    @property
    def first_info(self) -> AlertRow | None:
        return next((a for a in self.alerts if a.minute_ms >= self.onset_ms), None)

    @property
    def first_page(self) -> AlertRow | None:
        return next(
            (
                a
                for a in self.alerts
                if a.minute_ms >= self.onset_ms and a.severity in PAGE_SEVERITIES and a.status != "resolved"
            ),
            None,
        )

    @property
    def pages_before_onset(self) -> int:
        return len(
            {
                a.incident_id
                for a in self.alerts
                if a.minute_ms < self.onset_ms and a.severity in PAGE_SEVERITIES and a.status != "resolved"
            }
        )

    @property
    def max_severity(self) -> str:
        rank = {"info": 0, "warning": 1, "critical": 2}
        paged = [a.severity for a in self.alerts if a.minute_ms >= self.onset_ms and a.status != "resolved"]
        return max(paged, key=rank.__getitem__) if paged else "-"

    @property
    def flaps(self) -> int:
        """The most resolve/re-open cycles of one incident."""
        return max(flap_cycles(self.alerts).values(), default=0)

    def minutes_after_onset(self, ms: int | None) -> float | None:
        return None if ms is None else (ms - self.onset_ms) / MINUTE_MS

    def verdict(self) -> str:
        page = self.first_page
        problems = []
        if self.pages_before_onset:
            problems.append(f"{self.pages_before_onset} paged before onset")
        if page is None and self.rise_ms is None and self.naive_ms is None and not problems:
            return "n/a: no visible rise after the onset (naive neither), nothing paged"
        if page is None:
            problems.append("never paged")
        else:
            if self.rise_ms is not None and page.minute_ms > self.rise_ms + TARGET_AFTER_RISE_MIN * MINUTE_MS:
                problems.append(f"{(page.minute_ms - self.rise_ms) / MINUTE_MS:.0f} min after the rise")
            if self.naive_ms is not None and page.minute_ms > self.naive_ms:
                problems.append(f"{(page.minute_ms - self.naive_ms) / MINUTE_MS:.0f} min after naive")
        if self.flaps > TARGET_FLAPS:
            problems.append(f"{self.flaps} resolve/re-open cycles")
        if self.rise_ms is None and page is not None and not problems:
            return "ok (no visible rise after the onset)"
        return "ok" if not problems else "MISSED: " + "; ".join(problems)


def flap_cycles(alerts: Sequence[AlertRow]) -> dict[str, int]:
    """Per incident: resolves followed by a later alert on the same incident (a re-open)."""
    cycles: dict[str, int] = {}
    resolved: set[str] = set()
    for a in alerts:
        if a.status == "resolved":
            resolved.add(a.incident_id)
        elif a.incident_id in resolved:
            resolved.discard(a.incident_id)
            cycles[a.incident_id] = cycles.get(a.incident_id, 0) + 1
    return cycles


def replay_event(event: CrisisEvent, settings: EngineSettings | None = None) -> EventResult:
    """Score every tweet, feed the engine, and run the two trailing rules on the same counts."""
    info = event.info
    first, counts = minute_counts(event)
    onset_index = max(0, (info.onset_ms - first) // MINUTE_MS)
    rise = trailing_rule(counts, RISE_FACTOR, start=onset_index)
    naive = trailing_rule(counts, NAIVE_FACTOR, start=onset_index)
    naive_any = trailing_rule(counts, NAIVE_FACTOR)
    scorer = SentimentScorer()
    engine = Engine(settings or EngineSettings())
    alerts: list[AlertRow] = []
    negative = scored = 0
    started = time.perf_counter()

    def collect(closed: Sequence[object]) -> None:
        for window in closed:
            alert = getattr(window, "alert", None)
            if alert is None:
                continue
            alerts.append(
                AlertRow(
                    alert.window_end_ms,
                    alert.status,
                    alert.severity,
                    alert.incident_id,
                    summary(alert),
                )
            )

    for tweet in event.tweets:
        sentiment = scorer.score(tweet.text)
        if sentiment.scored:
            scored += 1
            negative += sentiment.negative
        mention = Mention(
            id=str(tweet.id),
            entity=info.entity,
            ts_ms=tweet.ts_ms,
            text=tweet.text,
            lang=sentiment.lang,
            author=Author(f"{info.entity}-{tweet.id}", 0),
        )
        _, closed = engine.ingest(mention, sentiment)
        if closed:
            collect(closed)
    collect(engine.finish())
    before = 0
    if naive_any is not None and first + naive_any * MINUTE_MS < info.onset_ms:
        before = (info.onset_ms - (first + naive_any * MINUTE_MS)) // MINUTE_MS
    return EventResult(
        info=info,
        tweets=len(event.tweets),
        on_topic=sum(t.on_topic for t in event.tweets),
        first_ms=first,
        negative_share=negative / scored if scored else 0.0,
        rise_ms=None if rise is None else first + (rise + 1) * MINUTE_MS,
        naive_ms=None if naive is None else first + (naive + 1) * MINUTE_MS,
        naive_before_onset=before,
        alerts=alerts,
        seconds=time.perf_counter() - started,
    )


def _replay_one(task: tuple[Path, EventInfo]) -> EventResult:
    root, info = task
    return replay_event(load_event(root, info))


def run_track(root: Path, events: Sequence[EventInfo], jobs: int) -> list[EventResult]:
    for info in events:  # fail early on a missing file
        if not (root / info.relative_path).exists():
            load_event(root, info)
    tasks = [(root, info) for info in events]
    return run_all(_replay_one, tasks, jobs)


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}"


HEADER = (
    "event",
    "tweets",
    "history_h",
    "negative",
    "rise",
    "naive",
    "fs_info",
    "fs_page",
    "severity",
    "early_pages",
    "flaps",
    "verdict",
)


def table(results: Sequence[EventResult]) -> str:
    rows = []
    for r in results:
        info, page = r.first_info, r.first_page
        rows.append(
            (
                r.info.entity,
                f"{r.tweets:,}",
                f"{(r.onset_ms - r.first_ms) / 3_600_000:.1f}",
                f"{r.negative_share:.0%}",
                _minutes(r.minutes_after_onset(r.rise_ms)),
                _minutes(r.minutes_after_onset(r.naive_ms)),
                _minutes(r.minutes_after_onset(info.minute_ms if info else None)),
                _minutes(r.minutes_after_onset(page.minute_ms if page else None)),
                r.max_severity,
                str(r.pages_before_onset),
                str(r.flaps),
                r.verdict(),
            )
        )
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i in (0, len(HEADER) - 1) else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [HEADER, *rows]
    )


def onset_lines(results: Sequence[EventResult]) -> list[str]:
    return [f"  {r.info.entity}: onset {r.info.onset_utc} UTC: {r.info.source}" for r in results]


def target_lines(results: Sequence[EventResult]) -> list[str]:
    lines = []
    for r in results:
        lines.append(f"  {r.info.entity}: {r.verdict()}")
    flaps = max((r.flaps for r in results), default=0)
    lines.append(
        f"  resolve/re-open cycles per incident <= {TARGET_FLAPS}: {flaps} "
        + ("ok" if flaps <= TARGET_FLAPS else f"MISSED by {flaps - TARGET_FLAPS}")
    )
    return lines
