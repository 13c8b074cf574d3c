"""Real-data track: NAB realTweets counts replayed through the real engine, scored as NAB does.

Each 5-minute count becomes that many mentions spread evenly over its 5 minutes, each with a
distinct neutral text (sentiment compound 0.0) and a distinct author, fed in event-time order to
`firestorm.models.engine.Engine` with the settings `firestorm replay --window 5m` uses (built the same way:
`firestorm.streams.config.load_config(window="5m").engine_settings()`, with no environment or config file).
NAB's timestamps sit a few minutes off the 5-minute grid (e.g. 21:42:53); each row's mentions go
into the engine window that starts at the row's timestamp floored to 5 minutes, so one engine
window is exactly one NAB row and an alert on a window is a detection at that row.

Detections are the `triggered` alerts, whatever their severity (neutral texts never reach
warning), scored with NAB's standard profile (bench/detection/nab_score.py); `escalated`
alerts are counted apart. Alerts per entity-day outside labelled windows = triggered alerts on
rows outside every window / days of the series outside every window (the whole series,
probationary rows included: on-call would receive those too).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.detection.nab_data import SERIES_DIR, TUNING_SERIES, NabSeries, check_nab_dir, load_labels, load_series
from bench.detection.nab_score import STANDARD, NabScore, score_detections
from bench.detection.pool import run_all
from firestorm.models.engine import Engine, EngineSettings
from firestorm.models.records import Author, Mention
from firestorm.models.sentiment import Sentiment

REPLAY_WINDOW = "5m"
ROW_MS = 5 * 60_000
DAY_MS = 86_400_000
TARGET_NAB_STANDARD = 80.0
TARGET_ALERTS_PER_DAY = 0.15
# A neutral vocabulary; a mention's text spells its sequence number in base len(WORDS) (at least 3 words).
_VOCABULARY = (
    "about account afternoon agenda apple april article board branch bridge calendar campus chapter "
    "city column corner county desk detail district document evening field figure floor folder "
    "garden guide harbor hallway index item journal kitchen ladder lane letter library list market "
    "meeting memo method minute morning notice number office outline page paper parcel pattern "
    "period place plan question record region report route row schedule season section sheet "
    "signal station street subject summary table thursday topic tower town track update week window"
)
WORDS: tuple[str, ...] = tuple(_VOCABULARY.split())


def replay_settings() -> EngineSettings:
    """The engine settings of `firestorm replay --window 5m` with nothing else configured."""
    from firestorm.streams.config import load_config  # only the mapping of --window to EngineSettings is used

    return load_config(environ={}, window=REPLAY_WINDOW).engine_settings()


def neutral_text(entity: str, n: int) -> str:
    """A distinct neutral post for each n: the entity and n spelt in words (base len(WORDS), >= 3 words)."""
    base = len(WORDS)
    digits: list[str] = []
    value = n
    while value or len(digits) < 3:
        value, digit = divmod(value, base)
        digits.append(WORDS[digit])
    return f"{entity} " + " ".join(reversed(digits))


def row_start_ms(ts_ms: int) -> int:
    """The engine window (5 minutes, epoch-aligned) a NAB row's mentions go into."""
    return ts_ms - ts_ms % ROW_MS


def iter_mentions(series: NabSeries) -> Iterator[tuple[Mention, Sentiment]]:
    """Every row's count as that many mentions spread evenly over the row's 5 minutes."""
    entity = series.entity
    neutral = Sentiment("en", 0.0)
    n = 0
    for ts, count in zip(series.timestamps_ms, series.counts, strict=True):
        start = row_start_ms(ts)
        for k in range(count):
            at = start + (2 * k + 1) * ROW_MS // (2 * count)
            yield (
                Mention(
                    id=f"{entity}-{n}",
                    entity=entity,
                    ts_ms=at,
                    text=neutral_text(entity, n),
                    lang="en",
                    author=Author(f"{entity}-a{n}", 100),
                ),
                neutral,
            )
            n += 1


@dataclass(frozen=True, slots=True)
class SeriesAlerts:
    """What the engine raised on one series, mapped to NAB rows."""

    name: str
    mentions: int
    triggered_rows: tuple[int, ...]  # row of every triggered alert, in order
    triggered_severities: tuple[str, ...]
    escalated_rows: tuple[int, ...]
    seconds: float  # inside the engine and the mention expansion


def replay(series: NabSeries, settings: EngineSettings | None = None) -> SeriesAlerts:
    """Feed the series to a fresh engine and map each alert's window to its NAB row."""
    engine = Engine(settings or replay_settings())
    row_of = {row_start_ms(ts): i for i, ts in enumerate(series.timestamps_ms)}
    triggered: list[int] = []
    severities: list[str] = []
    escalated: list[int] = []
    mentions = 0
    started = time.perf_counter()

    def collect(closed: Sequence[object]) -> None:
        for window in closed:
            alert = getattr(window, "alert", None)
            if alert is None:
                continue
            row = row_of.get(alert.window_start_ms)
            if row is None:  # a window between rows (a gap in the series) has no NAB row
                continue
            if alert.status == "triggered":
                triggered.append(row)
                severities.append(alert.severity)
            elif alert.status == "escalated":
                escalated.append(row)

    for mention, sentiment in iter_mentions(series):
        mentions += 1
        _, closed = engine.ingest(mention, sentiment)
        if closed:
            collect(closed)
    collect(engine.finish())
    return SeriesAlerts(
        series.name, mentions, tuple(triggered), tuple(severities), tuple(escalated), time.perf_counter() - started
    )


@dataclass(frozen=True, slots=True)
class SeriesResult:
    name: str
    rows: int
    days: float
    days_outside: float
    score: NabScore
    alerts: SeriesAlerts
    triggered_inside: int
    triggered_outside: int

    @property
    def alerts_per_day_outside(self) -> float:
        return self.triggered_outside / self.days_outside if self.days_outside else 0.0


def evaluate(series: NabSeries, alerts: SeriesAlerts) -> SeriesResult:
    """NAB standard score and the alert counts inside and outside the labelled windows."""
    inside_rows = {i for left, right in series.windows for i in range(left, right + 1)}
    inside = sum(row in inside_rows for row in alerts.triggered_rows)
    span_ms = series.timestamps_ms[-1] - series.timestamps_ms[0] + ROW_MS
    window_ms = sum(series.timestamps_ms[r] - series.timestamps_ms[left] + ROW_MS for left, r in series.windows)
    return SeriesResult(
        name=series.name,
        rows=series.rows,
        days=span_ms / DAY_MS,
        days_outside=(span_ms - window_ms) / DAY_MS,
        score=score_detections(series.rows, series.windows, alerts.triggered_rows, STANDARD),
        alerts=alerts,
        triggered_inside=inside,
        triggered_outside=len(alerts.triggered_rows) - inside,
    )


HEADER = (
    "series",
    "days",
    "mentions",
    "windows",
    "detected",
    "triggered",
    "in_windows",
    "outside",
    "outside/day",
    "escalated",
    "NAB_standard",
)


def table(results: Sequence[SeriesResult]) -> str:
    """Per series and overall: NAB standard score and the raw alert counts."""
    rows: list[tuple[str, ...]] = []
    for r in results:
        rows.append(_row(r.name, r.days, r.alerts.mentions, r.score, len(r.alerts.triggered_rows), r, None))
    if results:
        total = results[0].score
        for r in results[1:]:
            total = total + r.score
        rows.append(
            _row(
                "overall",
                sum(r.days for r in results),
                sum(r.alerts.mentions for r in results),
                total,
                sum(len(r.alerts.triggered_rows) for r in results),
                None,
                results,
            )
        )
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        for row in [HEADER, *rows]
    )


def overall_outside_rate(results: Sequence[SeriesResult]) -> float:
    days = sum(r.days_outside for r in results)
    return sum(r.triggered_outside for r in results) / days if days else 0.0


def overall_score(results: Sequence[SeriesResult]) -> NabScore:
    total = NabScore(0.0, 0.0, 0.0, 0, 0, 0)
    for r in results:
        total = total + r.score
    return total


def _row(
    name: str,
    days: float,
    mentions: int,
    score: NabScore,
    triggered: int,
    one: SeriesResult | None,
    many: Sequence[SeriesResult] | None,
) -> tuple[str, ...]:
    if one is not None:
        inside, outside, rate, escalated = (
            one.triggered_inside,
            one.triggered_outside,
            one.alerts_per_day_outside,
            len(one.alerts.escalated_rows),
        )
    else:
        group = many or []
        inside = sum(r.triggered_inside for r in group)
        outside = sum(r.triggered_outside for r in group)
        rate = overall_outside_rate(group)
        escalated = sum(len(r.alerts.escalated_rows) for r in group)
    return (
        name,
        f"{days:.1f}",
        f"{mentions:,}",
        str(score.windows),
        str(score.detected_windows),
        str(triggered),
        str(inside),
        str(outside),
        f"{rate:.2f}",
        str(escalated),
        f"{score.normalised:.1f}",
    )


def target_lines(results: Sequence[SeriesResult]) -> list[str]:
    """The issue's targets on the five tuning series, each with ok or MISSED and by how much."""
    total = overall_score(results)
    rate = overall_outside_rate(results)
    nab = total.normalised
    nab_verdict = "ok" if nab >= TARGET_NAB_STANDARD else f"MISSED by {TARGET_NAB_STANDARD - nab:.1f} points"
    rate_verdict = (
        "ok" if rate <= TARGET_ALERTS_PER_DAY else f"MISSED by {rate - TARGET_ALERTS_PER_DAY:.2f} per entity-day"
    )
    worst = max(results, key=lambda r: r.alerts_per_day_outside)
    return [
        f"  NAB standard >= {TARGET_NAB_STANDARD:g} over the series: {nab:.1f} {nab_verdict}",
        f"  alerts per entity-day outside labelled windows <= {TARGET_ALERTS_PER_DAY:g}: {rate:.2f} {rate_verdict} "
        f"(highest: {worst.name} {worst.alerts_per_day_outside:.2f})",
    ]


def _replay_one(task: tuple[Path, str]) -> tuple[NabSeries, SeriesAlerts]:
    nab_dir, name = task
    series = load_series(nab_dir, name)
    return series, replay(series)


def run_track(nab_dir: Path, names: Sequence[str], jobs: int) -> list[SeriesResult]:
    """Replay every named series (largest first, over `jobs` processes) and score it."""
    check_nab_dir(nab_dir)
    labels = load_labels(nab_dir)
    for name in names:  # fail early, before any replay, on a missing series or label
        load_series(nab_dir, name, labels)
    tasks = [(nab_dir, name) for name in names]
    tasks.sort(key=lambda t: -(t[0] / SERIES_DIR / f"Twitter_volume_{t[1]}.csv").stat().st_size)
    done = run_all(_replay_one, tasks, jobs)
    by_name = {series.name: evaluate(series, alerts) for series, alerts in done}
    return [by_name[name] for name in names]


def untouched_warning(names: Sequence[str]) -> str | None:
    """A loud warning when a series outside the tuning set is asked for."""
    outside = [n for n in names if n not in TUNING_SERIES]
    if not outside:
        return None
    return (
        f"WARNING: {', '.join(outside)} {'is' if len(outside) == 1 else 'are'} NOT in the tuning set "
        f"({', '.join(TUNING_SERIES)}). The other realTweets series judge generalisation: do not tune on them."
    )
