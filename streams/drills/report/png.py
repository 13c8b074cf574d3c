"""The drill report as one picture (matplotlib, Agg backend, no display needed)."""

from __future__ import annotations

import logging
import textwrap
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from firestorm.models.narrative_text import shorten
from firestorm.streams.drills.report.clock import local, when, zone, zone_over
from firestorm.streams.drills.report.html import _zoom_range
from firestorm.streams.drills.report.model import Report, alert_threshold, fmt_duration

DAY_MS = 86_400_000

COLORS = {"info": "#2563eb", "warning": "#d97706", "critical": "#dc2626", "resolved": "#16a34a"}


def _dt(ms: int) -> datetime:
    return local(ms)


def _pairs(value: list[tuple[str, int]], limit: int) -> str:
    return ", ".join(f"{term} ({count})" for term, count in value[:limit])


def _drivers_text(report: Report, entity: str) -> str:
    """What people said in the first alert that paged (else the first alert) of the storm entity."""
    alerts = [a for a in report.alerts if a.entity == entity and a.status != "resolved"]
    first = next((a for a in alerts if a.severity in ("warning", "critical")), alerts[0] if alerts else None)
    if first is None:
        return ""
    terms = _pairs(first.drivers.top_terms, 8)
    tags = _pairs(first.drivers.top_hashtags, 4)
    parts = [p for p in (terms, tags) if p]
    at = when(first.detected_at_ms)
    return f"Top drivers of the first alert ({at}): " + "; ".join(parts) if parts else ""


def _context_text(report: Report, start_ms: int, end_ms: int | None = None) -> str:
    """The date and zone of the times shown (every offset over the span), the labelled description, the drivers."""
    lines = [f"{_dt(start_ms):%A %d %B %Y}, times in {zone_over(start_ms, end_ms or start_ms)} (event time)"]
    labels = report.labels
    if labels is not None and labels.description:
        wrapped = textwrap.wrap(labels.description, 150)
        lines += wrapped[:3] if len(wrapped) <= 3 else [*wrapped[:2], wrapped[2] + " ..."]
    primary = report.entities[0].entity if report.entities else ""
    drivers = _drivers_text(report, primary)
    if drivers:
        lines += textwrap.wrap(drivers, 150)[:2]
    return "\n".join(lines)


def _headline_text(report: Report) -> str:
    h = report.headline
    if h is None:
        return "No alert was raised and no storm is labelled."
    bits = []
    if h.onset_ms is not None:
        bits.append(f"onset {when(h.onset_ms)}")
    bits.append(f"first alert {when(h.first_alert_ms)}" if h.first_alert_ms else "not detected")
    if h.time_to_detect_ms is not None:
        bits.append(f"time to detect {fmt_duration(h.time_to_detect_ms)}")
    if h.peak_ms is not None:
        bits.append(f"peak {h.peak_volume}/window at {when(h.peak_ms)}")
    if h.alerted_for_ms is not None:
        bits.append(f"alerted for {fmt_duration(h.alerted_for_ms).lstrip('+')}")
    if h.quiet_alerts:
        verdict = h.quiet_verdict()
        events = sum(h.quiet_alerts.values())
        bits.append(
            f"quiet entities: no page ({events} info events)" if verdict == "no page" else f"quiet entities {verdict}"
        )
    return "   |   ".join(bits)


def _narrative_text(report: Report) -> str:
    """The primary entity's first incident's top narrative, as of its last event carrying narratives."""
    if not report.entities:
        return ""
    for inc in report.entities[0].incidents:
        final = next((a for a in reversed(inc.events) if a.drivers.narratives), None)
        if final is not None and final.drivers.narratives:
            top = final.drivers.narratives[0]
            text = shorten(top["examples"][0]["text"], 110) if top["examples"] else ""
            return f'top narrative: "{shorten(top["label"], 60)}" ({top["share"]:.0%}): "{text}"'
    return ""


HEADER_MARGIN_IN = 0.3  # above the title and below the last header line


@dataclass(frozen=True, slots=True)
class HeaderLine:
    """One line of the picture's header; its height follows its font size."""

    text: str
    size: float
    color: str
    weight: str = "normal"

    @property
    def height_in(self) -> float:
        return self.size * 1.5 / 72  # points to inches, with the line spacing


def header_lines(report: Report, zoom: tuple[int, int] | None) -> list[HeaderLine]:
    """Title, headline numbers, top narrative, then the date and zone, description and drivers: one each."""
    drill = " [DRILL]" if report.settings.drill else ""
    lines = [
        HeaderLine(f"Firestorm drill report: {report.title}{drill}", 14, "#102a43", "bold"),
        HeaderLine(_headline_text(report), 10, "#334e68"),
    ]
    story = _narrative_text(report)
    if story:
        lines.append(HeaderLine(story, 9, "#1d4ed8"))
    if zoom is not None:
        lines += [HeaderLine(text, 9, "#486581") for text in _context_text(report, *zoom).split("\n")]
    return lines


def date_axis(ax: Any, first_ms: int, last_ms: int) -> None:
    """Date ticks for a replay of days: one per day (or fewer) so no date repeats; a short span gets times."""
    import matplotlib.dates as mdates

    tz = zone()
    span_days = (last_ms - first_ms) / DAY_MS
    if span_days >= 2:
        interval = max(1, round(span_days / 8))
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=interval, tz=tz))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d", tz=tz))  # type: ignore[no-untyped-call]
    else:
        locator = mdates.AutoDateLocator(tz=tz)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))  # type: ignore[no-untyped-call]


DPI = 110


def render_png(report: Report, path: str | Path) -> None:
    import matplotlib.pyplot as plt

    fig = draw_report(report)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def draw_report(report: Report) -> Any:
    """The report's matplotlib figure (the caller saves and closes it)."""
    # matplotlib's first run on a machine logs "generated new fontManager" at INFO: not the user's business.
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    primary = report.entities[0] if report.entities else None
    others = report.entities[1:4]
    rows = 2 + len(others) if primary is not None else 1
    ratios = [3, 1.6] + [1] * len(others) if primary is not None else [1]
    size = report.settings.window_ms
    zoom = None
    if primary is not None and primary.windows:
        zoom = _zoom_range(report, primary) or (primary.windows[0].start_ms, primary.windows[-1].start_ms + size)
    header = header_lines(report, zoom)
    header_in = sum(line.height_in for line in header) + HEADER_MARGIN_IN
    height = 2.2 * sum(ratios) + header_in
    fig, axes_any = plt.subplots(rows, 1, figsize=(12, height), height_ratios=ratios, squeeze=False)
    axes: list[Any] = [a[0] for a in axes_any]
    top_in = HEADER_MARGIN_IN / 2
    for line in header:  # each line below the one before it, however many lines the description takes
        fig.text(
            0.01,
            1 - top_in / height,
            line.text,
            fontsize=line.size,
            ha="left",
            va="top",
            color=line.color,
            fontweight=line.weight,
        )
        top_in += line.height_in
    if primary is None or zoom is None:
        axes[0].text(0.5, 0.5, "no data", ha="center")
        fig.tight_layout(rect=(0, 0, 1, 1 - header_in / height))
        return fig
    pts = [p for p in primary.windows if zoom[0] <= p.start_ms < zoom[1]]
    xs = [_dt(p.start_ms) for p in pts]
    ax = axes[0]
    expected = [p.expected for p in pts]
    thresholds = [alert_threshold(e, report.settings) for e in expected]
    ax.fill_between(xs, expected, thresholds, color="#c6f6d5", alpha=0.7, label="normal band", step="post")
    ax.fill_between(xs, [p.count for p in pts], color="#9fb3c8", step="post", label="volume")
    ax.step(xs, expected, where="post", color="#2f855a", ls="--", lw=1, label="expected")
    ax.step(xs, thresholds, where="post", color="#e53e3e", ls=":", lw=1, label="alert line")
    labels = report.labels
    if labels is not None and labels.entity == primary.entity and labels.onset_ms is not None:
        ax.axvline(_dt(labels.onset_ms), color="#7c3aed", ls="--", lw=1.5, label="labelled onset")
    seen: set[str] = set()
    for inc in primary.incidents:
        for a in inc.events:
            kind = "resolved" if a.status == "resolved" else a.severity
            label = None if kind in seen else ("resolved" if kind == "resolved" else f"alert: {kind}")
            seen.add(kind)
            at = _dt(a.detected_at_ms)
            if zoom[0] <= a.detected_at_ms <= zoom[1]:
                ax.plot(
                    [at],
                    [a.volume],
                    marker="o" if kind == "resolved" else "v",
                    ms=9,
                    color=COLORS[kind],
                    mec="white",
                    ls="none",
                    label=label,
                )
    ax.set_title(
        f"{primary.entity}: volume per {fmt_duration(size).lstrip('+')} window vs expected band",
        loc="left",
        fontsize=11,
    )
    ax.legend(loc="upper right", fontsize=8, ncols=4)
    ax.set_ylim(bottom=0)
    ax2 = axes[1]
    scored = [p for p in pts if p.scored]
    ax2.fill_between(
        [_dt(p.start_ms) for p in scored],
        [p.negative_share * 100 for p in scored],
        color="#fed7d7",
        step="post",
        label="negative share %",
    )
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("negative %")
    twin = ax2.twinx()
    twin.plot(
        [_dt(p.start_ms) for p in scored],
        [p.mean_compound for p in scored],
        color="#2b6cb0",
        lw=1,
        label="mean sentiment (-1..+1)",
    )
    twin.axhline(0, color="#a0aec0", ls="--", lw=0.8)
    twin.set_ylim(-1, 1)
    twin.set_ylabel("mean sentiment (-1..+1)")
    ax2.set_title(f"{primary.entity}: negative share and mean sentiment", loc="left", fontsize=11)
    tz = zone()
    for a_ in (ax, ax2):
        a_.set_xlim(_dt(zoom[0]), _dt(zoom[1]))
        a_.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=tz))  # type: ignore[no-untyped-call]
        a_.grid(alpha=0.3)
    for ax3, entity in zip(axes[2:], others, strict=False):
        ws = entity.windows
        ax3.plot([_dt(p.start_ms) for p in ws], [p.count for p in ws], color="#334e68", lw=0.6)
        ax3.plot([_dt(p.start_ms) for p in ws], [p.expected for p in ws], color="#2f855a", lw=0.8, ls="--")
        n = sum(len(i.events) for i in entity.incidents)
        ax3.set_title(f"{entity.entity}: whole replay, {n} alert events", loc="left", fontsize=10)
        if ws:
            date_axis(ax3, ws[0].start_ms, ws[-1].start_ms)
        ax3.grid(alpha=0.3)
        ax3.set_ylim(bottom=0)
    fig.tight_layout(rect=(0, 0, 1, 1 - header_in / height))
    return fig
