"""Feed one entity's generated mentions through the real `firestorm.models.engine.Engine` and keep its alerts.

Mentions and sentiments are built directly (`firestorm.models.records.Mention`, `firestorm.models.sentiment.Sentiment`):
this benchmark measures detection, not VADER. Planned events go to the engine as
`Engine(settings, planned=[firestorm.models.planned.PlannedEvent(...)])` when both exist; until then the
engine runs without them and `planned_mode()` says so.
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import firestorm.models.engine as engine_module
from bench.detection.scenarios import CAMPAIGN, EntitySeries, MentionStats, iter_mentions
from bench.detection.scoring import AlertRecord
from firestorm.models.alerts import Alert
from firestorm.models.engine import Engine, EngineSettings

DEFAULT_DETECTOR = "default"


def planned_event_class() -> Any | None:
    """`firestorm.models.planned.PlannedEvent` if the module exists yet."""
    try:
        module = importlib.import_module("firestorm.models.planned")
    except ImportError:
        return None
    return getattr(module, "PlannedEvent", None)


def engine_accepts_planned() -> bool:
    try:
        return "planned" in inspect.signature(Engine).parameters
    except (TypeError, ValueError):
        return False


def planned_mode() -> str:
    """One line for the report: were planned events given to the engine?"""
    has_class = planned_event_class() is not None
    accepts = engine_accepts_planned()
    if has_class and accepts:
        return "passed: Engine(settings, planned=[firestorm.models.planned.PlannedEvent(...)])"
    missing = []
    if not has_class:
        missing.append("no firestorm.models.planned.PlannedEvent")
    if not accepts:
        missing.append("Engine has no 'planned' parameter")
    return "NOT passed (" + "; ".join(missing) + "): campaigns are judged without their declaration"


def planned_events(series: EntitySeries) -> list[Any]:
    """The entity's declared campaigns as PlannedEvent objects (empty when the class does not exist)."""
    cls = planned_event_class()
    if cls is None:
        return []
    return [
        cls(
            entity=e.entity,
            start_ms=e.planned_start_ms,
            end_ms=e.planned_end_ms,
            uplift=float(e.planned_uplift if e.planned_uplift is not None else 1.0),
            mute=False,
        )
        for e in series.events
        if e.kind == CAMPAIGN and e.planned_start_ms is not None and e.planned_end_ms is not None
    ]


def make_engine(settings: EngineSettings, planned: list[Any]) -> tuple[Engine, bool]:
    """An Engine, given the planned events when it can take them; the flag says whether it did."""
    if planned_event_class() is not None and engine_accepts_planned():
        factory: Any = Engine  # the keyword exists only in the new engine
        engine: Engine = factory(settings, planned=planned)
        return engine, True
    return Engine(settings), False


def alert_summary(alert: Alert) -> dict[str, Any]:
    """The figures of an alert worth keeping in the JSON results (no drivers lists)."""
    drivers = {**alert.drivers.to_dict(), **alert.drivers.detector}  # the detector's figures beside the rest
    return {
        "incident_id": alert.incident_id,
        "status": alert.status,
        "severity": alert.severity,
        "detected_at": alert.detected_at,
        "volume": alert.volume,
        "baseline": alert.baseline,
        "score": alert.score,
        "negative_share": alert.negative_share,
        "mean_compound": alert.mean_compound,
        "ratio": drivers.get("ratio"),
        "unique_authors": drivers.get("unique_authors"),
        "author_ratio": drivers.get("author_ratio"),
        "new_authors": drivers.get("new_authors"),
        "few_authors": drivers.get("few_authors"),
        "copy_dominated": drivers.get("copy_dominated"),
        "reposts": drivers.get("reposts"),
        "top_terms": drivers.get("top_terms", [])[:3],
        "signals": drivers.get("signals"),
        "effective_volume": drivers.get("effective_volume"),
        "new_terms": drivers.get("new_terms"),
    }


@dataclass(slots=True)
class EngineRun:
    """What one entity's run through one engine produced."""

    key: str
    detector: str
    alerts: list[AlertRecord] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    windows: int = 0
    seconds: float = 0.0  # time spent inside this engine
    planned_passed: bool = False

    def collect(self, closed: list[Any]) -> None:
        for window in closed:
            self.windows += 1
            alert: Alert | None = window.alert
            if alert is None:
                continue
            self.alerts.append(
                AlertRecord(
                    entity=self.key,
                    time_ms=alert.detected_at_ms,
                    status=alert.status,
                    severity=alert.severity,
                    incident_id=alert.incident_id,
                )
            )
            self.details.append(alert_summary(alert))


def engine_detectors() -> tuple[str, ...]:
    """The detectors the engine can be configured with (`EngineSettings.detector`), or ('default',)."""
    names = getattr(engine_module, "DETECTORS", None)
    if "detector" in {f.name for f in fields(EngineSettings)} and names:
        return tuple(str(n) for n in names)
    return (DEFAULT_DETECTOR,)


def default_detector() -> str:
    """The detector the engine uses when nothing is configured."""
    return str(getattr(EngineSettings(), "detector", DEFAULT_DETECTOR))


def settings_for(detector: str) -> EngineSettings:
    """Default settings, with only the detector chosen (when the engine has that setting)."""
    if detector == DEFAULT_DETECTOR:
        return EngineSettings()
    factory: Any = EngineSettings  # the field exists only in engines that offer a choice
    settings: EngineSettings = factory(detector=detector)
    return settings


def detector_label(detector: str) -> str:
    """The row name of an engine detector in the report, from the detector's own name."""
    return f"engine:{Engine(settings_for(detector)).detector.name}"


@dataclass(slots=True)
class EntityRun:
    """One entity fed once to one engine per detector."""

    key: str
    mentions: MentionStats
    engines: dict[str, EngineRun]
    seconds: float  # wall time of the whole feed, generation of mentions included


def settle(engine: Engine, run: EngineRun) -> None:
    """Held mentions (beyond the clock's jump bound) decided since the last call: recount them."""
    for released in engine.take_released():
        run.outcomes["held"] -= 1
        if not run.outcomes["held"]:
            del run.outcomes["held"]
        run.outcomes[released.outcome.value] = run.outcomes.get(released.outcome.value, 0) + 1


def run_engines(series: EntitySeries, key: str, detectors: Sequence[str]) -> EntityRun:
    """Ingest the series in event-time order into one engine per detector, finish, collect every alert."""
    planned = planned_events(series)
    engines: list[tuple[Engine, EngineRun]] = []
    for name in detectors:
        engine, passed = make_engine(settings_for(name), planned)
        engines.append((engine, EngineRun(key=key, detector=name, planned_passed=passed)))
    mentions = MentionStats()
    started = clock = time.perf_counter()
    for mention, sentiment in iter_mentions(series, mentions):
        for engine, run in engines:
            clock = time.perf_counter()
            outcome, closed = engine.ingest(mention, sentiment)
            if closed:
                run.collect(closed)
            run.outcomes[outcome.value] = run.outcomes.get(outcome.value, 0) + 1
            settle(engine, run)
            run.seconds += time.perf_counter() - clock
    for engine, run in engines:
        clock = time.perf_counter()
        run.collect(engine.finish())
        settle(engine, run)
        run.seconds += time.perf_counter() - clock
    return EntityRun(key, mentions, {run.detector: run for _, run in engines}, time.perf_counter() - started)
