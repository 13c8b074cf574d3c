"""An alert from a judged window: its contract fields (models/alerts.py), when its incident started
(the incident state's `start_ms`), and its drivers (the figures that crossed the line and what people were saying)."""

from __future__ import annotations

from typing import Any

from firestorm.models.alerts import Alert, Drivers, NarrativeSampling, NarrativeSummary
from firestorm.models.detectors.base import Assessment
from firestorm.models.engine_settings import EngineSettings
from firestorm.models.incidents import IncidentState
from firestorm.models.narrative_groups import narratives_of
from firestorm.models.narratives import NarrativeState
from firestorm.models.windows import WindowStats


def build_alert(
    settings: EngineSettings,
    incident_id: str,
    status: Any,
    incident: IncidentState,
    stats: WindowStats,
    assessment: Assessment,
    narrative: NarrativeState | None = None,
) -> Alert:
    """The alert of an incident's status change on this window (`Engine` calls it only then)."""
    narratives, sample = narratives_of(narrative, stats.entity) if narrative is not None else (None, None)
    return Alert(
        incident_id=incident_id,
        entity=stats.entity,
        status=status,
        severity=incident.severity,  # type: ignore[arg-type]  # one of SEVERITIES (models/incidents.py)
        incident_start_ms=stats.start_ms if incident.start_ms is None else incident.start_ms,
        window_start_ms=stats.start_ms,
        window_end_ms=stats.end_ms,
        detected_at_ms=stats.end_ms + settings.lateness_ms,
        volume=stats.count,
        baseline=round(assessment.expected, 3),
        score=round(assessment.score, 3),
        negative_share=round(stats.negative_share, 4),
        mean_compound=round(stats.mean_compound, 4),
        drivers=drivers_of(stats, assessment, narratives, sample, incident.reopens),
        drill=settings.drill,
    )


def drivers_of(
    stats: WindowStats,
    assessment: Assessment,
    narratives: list[NarrativeSummary] | None = None,
    narrative_sample: NarrativeSampling | None = None,
    reopens: int = 0,
) -> Drivers:
    """Why the alert fired: the figures that crossed the line and what people were saying; the
    detector's own figures under `detector`."""
    return Drivers(
        ratio=round(stats.count / assessment.expected, 2) if assessment.expected else None,
        top_terms=list(stats.top_terms),
        top_hashtags=list(stats.top_hashtags),
        top_authors=[{"id": a, "followers": f} for a, f in stats.top_authors],
        samples=[{"id": i, "url": u} for i, u in stats.samples],
        languages=dict(stats.languages),
        unique_authors=stats.unique_authors,
        reach=stats.reach,
        reposts=stats.reposts,
        negative=stats.negative,
        scored=stats.scored,
        distinct_texts=stats.distinct_texts,
        detector=dict(assessment.details),
        narratives=narratives,
        narrative_sample=narrative_sample,
        reopens=reopens,
    )
