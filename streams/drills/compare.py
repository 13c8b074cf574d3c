"""Compare detector settings on the same incident: what would a more or less sensitive setting do?

`firestorm replay FILE --compare "min_volume=5" "min_volume=20,trigger_score=8"` replays the
file once with the current settings and once per variant (EngineSettings fields; durations
such as `window=5m` or `lateness_ms=60000`), then prints one row per run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from firestorm.models.alerts import Alert
from firestorm.models.engine import EngineSettings
from firestorm.models.pipeline import MentionProcessor
from firestorm.models.planned import PlannedEvent
from firestorm.models.sentiment import DEFAULT_MODE, Sentiment, SentimentScorer
from firestorm.models.timeutil import iso_utc, parse_duration_ms
from firestorm.streams.drills.replay import ReplayResult, replay
from firestorm.streams.drills.report.labels import Labels
from firestorm.streams.drills.report.model import PAGING, fmt_duration, summarize_incidents
from firestorm.streams.formats.base import InputError, Record

_FIELDS = {f.name: f for f in dataclasses.fields(EngineSettings)}


def parse_variant(spec: str) -> dict[str, object]:
    """`min_volume=5,trigger_score=8` -> EngineSettings overrides (`window=5m` means window_ms)."""
    out: dict[str, object] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        name, sep, value = (s.strip() for s in part.partition("="))
        if not sep:
            raise InputError(f"--compare: want NAME=VALUE, got {part!r}")
        if name not in _FIELDS and f"{name}_ms" in _FIELDS:
            name = f"{name}_ms"
        field = _FIELDS.get(name)
        if field is None or name in ("drill", "entity_overrides"):
            known = ", ".join(n for n in _FIELDS if n not in ("drill", "entity_overrides"))
            raise InputError(f"--compare: unknown setting {name!r} (known: {known})")
        kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
        try:
            if name.endswith("_ms"):
                out[name] = int(value) if value.isdigit() else parse_duration_ms(value, allow_zero=True)
            elif kind == "int":
                out[name] = int(value)
            elif kind == "float":
                out[name] = float(value)
            else:
                out[name] = value
        except ValueError as exc:
            raise InputError(f"--compare {spec!r}: {name}: {exc}") from exc
    if not out:
        raise InputError(f"--compare: empty variant {spec!r}")
    return out


def variant_settings(base: EngineSettings, spec: str) -> EngineSettings:
    """The base settings with one variant's overrides, checked."""
    try:
        return dataclasses.replace(base, **parse_variant(spec))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"--compare {spec!r}: {exc}") from exc


class CachingScorer(SentimentScorer):
    """Scores each (text, language) once: the variants replay the same mentions."""

    def __init__(self, mode: str = DEFAULT_MODE) -> None:
        super().__init__(mode)
        self._cache: dict[tuple[str, str | None], Sentiment] = {}

    def score(self, text: str, lang: str | None = None) -> Sentiment:
        key = (text, lang)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = super().score(text, lang)
        return hit


@dataclass(slots=True)
class VariantResult:
    name: str
    settings: EngineSettings
    alerts: list[Alert]
    entity: str | None  # the storm entity the row is about
    first_alert_ms: int | None
    first_page_ms: int | None
    time_to_detect_ms: int | None
    incidents: int
    pages: int
    quiet_alerts: int
    seconds: float


def evaluate(
    name: str, settings: EngineSettings, alerts: list[Alert], labels: Labels | None, seconds: float
) -> VariantResult:
    incidents = summarize_incidents(alerts)
    entity = labels.entity if labels and labels.entity else (incidents[0].entity if incidents else None)
    onset = labels.onset_ms if labels else None
    storm = [i for i in incidents if i.entity == entity and (onset is None or i.triggered_ms >= onset)]
    first = storm[0] if storm else None
    first_page = next((i.first_page_ms for i in storm if i.first_page_ms is not None), None)
    quiet = set(labels.quiet_entities) if labels else set()
    return VariantResult(
        name=name,
        settings=settings,
        alerts=alerts,
        entity=entity,
        first_alert_ms=first.triggered_ms if first else None,
        first_page_ms=first_page,
        time_to_detect_ms=first.triggered_ms - onset if first and onset is not None else None,
        incidents=len(incidents),
        pages=sum(1 for i in incidents if i.pages),
        quiet_alerts=sum(len(i.events) for i in incidents if i.entity in quiet),
        seconds=seconds,
    )


def run_variants(
    records: Sequence[Record],
    base: EngineSettings,
    variants: Sequence[str],
    labels: Labels | None = None,
    processor: MentionProcessor | None = None,
    base_result: ReplayResult | None = None,
    planned: Sequence[PlannedEvent] = (),
) -> list[VariantResult]:
    """The base settings first (unless `base_result` already has them), then each variant."""
    processor = processor or MentionProcessor(CachingScorer())
    runs = [("current settings", base)]
    runs += [(spec, variant_settings(base, spec)) for spec in variants]
    results = []
    if base_result is not None:
        results.append(evaluate(runs[0][0], base, base_result.alerts, labels, base_result.elapsed_s))
        runs = runs[1:]
    for name, settings in runs:
        result = replay(records, settings, processor=processor, planned=planned)
        results.append(evaluate(name, settings, result.alerts, labels, result.elapsed_s))
    return results


def format_table(results: Sequence[VariantResult], labels: Labels | None = None) -> str:
    """One row per run: when the storm was first flagged, how long after onset, how noisy."""
    onset = f" (onset {iso_utc(labels.onset_ms)[11:16]}Z)" if labels and labels.onset_ms is not None else ""
    header = ["variant", "first alert", f"time to detect{onset}", "first page", "alert events", "incidents", "pages"]
    quiet = bool(labels and labels.quiet_entities)
    if quiet:
        header.append("quiet-entity alerts")
    rows = [header]
    for r in results:
        row = [
            r.name,
            iso_utc(r.first_alert_ms)[11:19] + "Z" if r.first_alert_ms is not None else "none",
            fmt_duration(r.time_to_detect_ms),
            iso_utc(r.first_page_ms)[11:19] + "Z" if r.first_page_ms is not None else "none",
            str(len(r.alerts)),
            str(r.incidents),
            str(r.pages),
        ]
        rows.append([*row, str(r.quiet_alerts)] if quiet else row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    entity = next((r.entity for r in results if r.entity), None)
    note = f"storm entity: {entity}; " if entity else ""
    lines.append(f"({note}pages: incidents that reached {' or '.join(PAGING)})")
    return "\n".join(lines)
