"""Scorer: recall, detection delay, false pages and info alerts, per scenario kind.

Definitions (the same for the engine and the baselines):
- A *page* is an alert whose status is `triggered` or `escalated` and whose severity is `warning`
  or `critical` (an `info` incident escalated to `warning` pages at the escalation).
- An event's scoring window is [onset, end + 30 min]. An event is *detected* (paged) when a page
  falls in that window; its delay is the first such page's event time (`detected_at`: window end
  plus allowed lateness) minus the onset, in minutes.
- Recall is computed for the kinds that should page (sudden, slow_burn, neg_shift); for the kinds
  that should not (positive_spike, campaign, bot_burst) the count of paged events is reported
  instead (target 0).
- A *false page* is a paged incident (grouped by entity and incident id) whose first page falls
  in no event window of its entity; reported per entity per 4 weeks.
- Info alerts are counted apart: events during which an `info` alert (other than `resolved`) was
  raised without any page, and `info` incidents triggered outside every event window.
- Pages per episode: the distinct incidents paged (a page falling in the event's window) per
  paged event; an episode (a storm with its tail, aftershocks and second wave) should page once,
  so the target is exactly 1.0 for the kinds that should page.
- False pages are also broken out per entity group (regular, high_negative, bursty).
- Median delay is the usual median (mean of the two middle values for an even count); p90 is the
  nearest-rank 90th percentile of the detected events' delays.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bench.detection.scenarios import EVENT_KINDS, MINUTE_MS, PAGE_KINDS, EntitySeries

GRACE_MS = 30 * MINUTE_MS
PAGE_STATUSES = frozenset({"triggered", "escalated"})
PAGE_SEVERITIES = frozenset({"warning", "critical"})
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
FOUR_WEEKS = 4.0


@dataclass(frozen=True, slots=True)
class Label:
    """One injected event as the scorer sees it; `entity` must be unique across runs (e.g. seed/name)."""

    entity: str
    kind: str
    onset_ms: int
    end_ms: int
    tier: str = ""
    magnitude: float = 0.0

    def covers(self, ms: int) -> bool:
        return self.onset_ms <= ms <= self.end_ms + GRACE_MS


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert event reduced to what scoring needs; `time_ms` is its event time (detected_at)."""

    entity: str
    time_ms: int
    status: str
    severity: str
    incident_id: str

    @property
    def is_page(self) -> bool:
        return self.status in PAGE_STATUSES and self.severity in PAGE_SEVERITIES

    @property
    def is_info(self) -> bool:
        return self.severity == "info" and self.status != "resolved"


@dataclass(frozen=True, slots=True)
class EventOutcome:
    label: Label
    paged: bool
    delay_min: float | None  # first page - onset, when paged
    max_severity: str | None  # highest severity paged in the window
    info_only: bool  # an info alert in the window and no page
    incidents: int = 0  # distinct incidents paged in the window


@dataclass(frozen=True, slots=True)
class KindSummary:
    kind: str
    events: int
    paged: int
    critical: int
    info_only: int
    recall: float | None  # for kinds that should page
    median_delay_min: float | None
    p90_delay_min: float | None
    pages_per_episode: float | None = None  # distinct paged incidents per paged event
    max_pages: int = 0  # the most distinct incidents paged for one event


@dataclass(slots=True)
class Score:
    outcomes: list[EventOutcome]
    kinds: dict[str, KindSummary]
    false_pages: int
    false_incidents: list[AlertRecord]  # the first page of each false incident
    background_info: int
    entity_runs: int
    weeks: float
    by_tier: dict[str, dict[str, KindSummary]] = field(default_factory=dict)
    false_by_tier: dict[str, int] = field(default_factory=dict)
    entity_runs_by_tier: dict[str, int] = field(default_factory=dict)
    false_by_group: dict[str, int] = field(default_factory=dict)
    entity_runs_by_group: dict[str, int] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)  # entity -> entity group
    info_by_group: dict[str, int] = field(default_factory=dict)  # info incidents outside events, per group

    def group_of(self, entity: str) -> str:
        return self.groups.get(entity, "")

    def false_pages_per_entity_4wk_in(self, group: str) -> float | None:
        """False pages per entity per 4 weeks over one entity group (None: no entity of that group)."""
        runs = self.entity_runs_by_group.get(group, 0)
        if not runs:
            return None
        return self.false_by_group.get(group, 0) / (runs * self.weeks / FOUR_WEEKS)

    @property
    def entity_four_weeks(self) -> float:
        return self.entity_runs * self.weeks / FOUR_WEEKS

    @property
    def false_pages_per_entity_4wk(self) -> float:
        return self.false_pages / self.entity_four_weeks if self.entity_runs else 0.0

    @property
    def background_info_per_entity_4wk(self) -> float:
        return self.background_info / self.entity_four_weeks if self.entity_runs else 0.0


def labels_of(series: EntitySeries, key: str) -> list[Label]:
    """The labels of one generated entity, under the scoring key `key` (unique across seeds)."""
    return [Label(key, e.kind, e.onset_ms, e.end_ms, series.profile.tier, e.magnitude) for e in series.events]


def nearest_rank(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (q in (0, 1]) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def _outcome(label: Label, alerts: Sequence[AlertRecord]) -> EventOutcome:
    inside = [a for a in alerts if label.covers(a.time_ms)]
    pages = [a for a in inside if a.is_page]
    if pages:
        first = min(a.time_ms for a in pages)
        top = max((a.severity for a in pages), key=SEVERITY_RANK.__getitem__)
        incidents = len({a.incident_id for a in pages})
        return EventOutcome(label, True, (first - label.onset_ms) / MINUTE_MS, top, False, incidents)
    return EventOutcome(label, False, None, None, any(a.is_info for a in inside))


def summarise(kind: str, outcomes: Sequence[EventOutcome]) -> KindSummary:
    delays = [o.delay_min for o in outcomes if o.delay_min is not None]
    paged = sum(o.paged for o in outcomes)
    should_page = kind in PAGE_KINDS
    return KindSummary(
        kind=kind,
        events=len(outcomes),
        paged=paged,
        critical=sum(o.max_severity == "critical" for o in outcomes),
        info_only=sum(o.info_only for o in outcomes),
        recall=(paged / len(outcomes) if outcomes else None) if should_page else None,
        median_delay_min=statistics.median(delays) if delays else None,
        p90_delay_min=nearest_rank(delays, 0.9) if delays else None,
        pages_per_episode=sum(o.incidents for o in outcomes) / paged if paged else None,
        max_pages=max((o.incidents for o in outcomes), default=0),
    )


def score(
    labels: Iterable[Label],
    alerts: Iterable[AlertRecord],
    entity_runs: int,
    weeks: float,
    tiers: Mapping[str, str] | None = None,
    groups: Mapping[str, str] | None = None,
) -> Score:
    """Score one detector's alerts against the labels of every entity run (`tiers`: entity -> tier,
    `groups`: entity -> entity group)."""
    by_entity: dict[str, list[AlertRecord]] = {}
    for alert in alerts:
        by_entity.setdefault(alert.entity, []).append(alert)
    labels_of: dict[str, list[Label]] = {}
    for label in labels:
        labels_of.setdefault(label.entity, []).append(label)

    outcomes = [_outcome(label, by_entity.get(label.entity, [])) for ls in labels_of.values() for label in ls]

    false_incidents: list[AlertRecord] = []
    background_info = 0
    info_by_group: dict[str, int] = {}
    for entity, entity_alerts in by_entity.items():
        windows = labels_of.get(entity, [])
        first_page: dict[str, AlertRecord] = {}
        for alert in sorted(entity_alerts, key=lambda a: a.time_ms):
            if alert.is_page and alert.incident_id not in first_page:
                first_page[alert.incident_id] = alert
            if (
                alert.status == "triggered"
                and alert.severity == "info"
                and not any(w.covers(alert.time_ms) for w in windows)
            ):
                background_info += 1
                info_group = (groups or {}).get(entity, "")
                info_by_group[info_group] = info_by_group.get(info_group, 0) + 1
        false_incidents += [a for a in first_page.values() if not any(w.covers(a.time_ms) for w in windows)]

    tier_of = dict(tiers or {})
    false_by_tier: dict[str, int] = {}
    for alert in false_incidents:
        tier = tier_of.get(alert.entity, "")
        false_by_tier[tier] = false_by_tier.get(tier, 0) + 1
    runs_by_tier: dict[str, int] = {}
    for tier in tier_of.values():
        runs_by_tier[tier] = runs_by_tier.get(tier, 0) + 1
    group_of = dict(groups or {})
    false_by_group: dict[str, int] = {}
    for alert in false_incidents:
        group = group_of.get(alert.entity, "")
        false_by_group[group] = false_by_group.get(group, 0) + 1
    runs_by_group: dict[str, int] = {}
    for group in group_of.values():
        runs_by_group[group] = runs_by_group.get(group, 0) + 1
    kinds = [k for k in EVENT_KINDS if any(o.label.kind == k for o in outcomes)]
    kinds += sorted({o.label.kind for o in outcomes} - set(kinds))
    label_tiers = sorted({o.label.tier for o in outcomes})
    return Score(
        outcomes=outcomes,
        kinds={k: summarise(k, [o for o in outcomes if o.label.kind == k]) for k in kinds},
        false_pages=len(false_incidents),
        false_incidents=sorted(false_incidents, key=lambda a: (a.entity, a.time_ms)),
        background_info=background_info,
        entity_runs=entity_runs,
        weeks=weeks,
        by_tier={
            t: {
                k: summarise(k, [o for o in outcomes if o.label.kind == k and o.label.tier == t])
                for k in kinds
                if any(o.label.kind == k and o.label.tier == t for o in outcomes)
            }
            for t in label_tiers
        },
        false_by_tier=false_by_tier,
        entity_runs_by_tier=runs_by_tier,
        false_by_group=false_by_group,
        entity_runs_by_group=runs_by_group,
        groups=group_of,
        info_by_group=info_by_group,
    )
