"""The HTML report's narratives panel: per incident, the stories people told, when each took over,
their most telling posts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from firestorm.models.alerts import Alert, NarrativeSampling, NarrativeSummary
from firestorm.models.narrative_text import shorten
from firestorm.models.timeutil import parse_ts
from firestorm.streams.drills.report.html_text import pct, t, t_iso
from firestorm.streams.drills.report.model import (
    EntityReport,
    Report,
    fmt_duration,
)
from firestorm.streams.drills.report.svg import TimeChart, nice_max

NARRATIVE_CLASSES = ("n0", "n1", "n2", "n3", "n4")
TAKEOVER_STEPS = 8


def _final_narratives(events: Sequence[Alert]) -> Alert | None:
    """The incident's last alert event that carries narratives (a resolve carries the whole incident's)."""
    return next((a for a in reversed(events) if a.drivers.narratives), None)


def _takeovers(
    narratives: list[NarrativeSummary], origin: int, bucket_ms: int, steps: int = TAKEOVER_STEPS
) -> list[tuple[int, int]]:
    """(start, narrative index) each time another narrative becomes the largest, over at most
    `steps` spans of whole buckets (a sample is too thin to tell minute by minute)."""
    span = max((len(n["timeline"]) for n in narratives), default=0)
    per = max(1, math.ceil(span / steps))
    out: list[tuple[int, int]] = []
    for b in range(0, span, per):
        counts = [sum(n["timeline"][b : b + per]) for n in narratives]
        if max(counts) <= 0:
            continue
        leader = counts.index(max(counts))
        if not out or out[-1][1] != leader:
            out.append((origin + b * bucket_ms, leader))
    return out


def _narratives_chart(narratives: list[NarrativeSummary], origin: int, bucket_ms: int, title: str) -> str:
    span = max((len(n["timeline"]) for n in narratives), default=0)
    if span == 0:
        return ""
    xs = [origin + b * bucket_ms for b in range(span)]
    stacked: list[list[float]] = []
    running = [0.0] * span
    for n in narratives:
        line = n["timeline"]
        running = [running[b] + (line[b] if b < len(line) else 0) for b in range(span)]
        stacked.append(running)
    chart = TimeChart(
        origin,
        origin + span * bucket_ms,
        0,
        nice_max(max(stacked[-1]) * 1.08 or 1),
        title=title,
        y_label=f"posts per {fmt_duration(bucket_ms).lstrip('+')} (estimated from the sample)",
        height=200,
    )
    for k in reversed(range(len(narratives))):  # the tallest stack first, each narrative on top of the next
        chart.area(xs, stacked[k], NARRATIVE_CLASSES[k % len(NARRATIVE_CLASSES)], step_ms=bucket_ms)
    chart.legend = [
        (NARRATIVE_CLASSES[k % len(NARRATIVE_CLASSES)], f"{k + 1}. {n['label']}") for k, n in enumerate(narratives)
    ]
    return f'<div class="figure"><div class="cap">{escape(title)}</div>{chart.render()}</div>{chart.legend_html()}'


def narratives_panel(report: Report, entity: EntityReport) -> str:
    """Per incident: which stories people told, when each took over, their most telling posts."""
    parts = []
    for inc in entity.incidents:
        final = _final_narratives(inc.events)
        if final is None:
            continue
        narratives = final.drivers.narratives or []
        meta: NarrativeSampling = final.drivers.narrative_sample or {"sampled": 0, "seen": 0}
        bucket_ms = int(meta.get("bucket_minutes", 5)) * 60_000
        origin = parse_ts(meta["bucket_from"]) if meta.get("bucket_from") else inc.window_start_ms
        parts.append(f"<h3>Narratives of {escape(inc.incident_id)}</h3>")
        parts.append(
            f'<p class="muted">From a sample of {meta["sampled"]} of the incident\'s '
            f"{meta['seen']} posts since {escape(t(origin, full=True))}; "
            f"{pct(meta.get('other_share'))} of the posts are in smaller stories. "
            f"As of the {escape(final.status)} event at {escape(t(final.detected_at_ms, full=True))}.</p>"
        )
        takeovers = _takeovers(narratives, origin, bucket_ms)
        if takeovers:
            steps = " &rarr; ".join(
                f'{escape(t(ms))} <span class="badge {NARRATIVE_CLASSES[k % 5]}">{k + 1}</span> '
                f"{escape(narratives[k]['label'])}"
                for ms, k in takeovers
            )
            parts.append(f'<p class="takeover"><b>Largest story over time:</b> {steps}</p>')
        parts.append(_narratives_chart(narratives, origin, bucket_ms, f"{inc.incident_id}: posts per story"))
        rows = []
        for k, n in enumerate(narratives):
            posts = "".join(
                f"<p>{escape(shorten(e['text'], 200))}"
                + (f' <a href="{escape(e["url"])}" rel="noreferrer">post</a>' if e["url"] else "")
                + f" <span class='muted'>({escape(e['why'])}, {e['reach']:,} followers)"
                "</span></p>"
                for e in n["examples"][:3]
            )
            langs = ", ".join(f"{escape(lang)} {c}" for lang, c in n["languages"].items())
            rows.append(
                f'<tr><td><span class="badge {NARRATIVE_CLASSES[k % 5]}">{k + 1}</span></td>'
                f"<td>{escape(n['label'])}</td>"
                f'<td class="num">{pct(n["share"])}</td><td class="num">{n["posts"]:,}</td>'
                f'<td class="num">{pct(n["negative_share"])}</td><td>{langs}</td>'
                f"<td>{escape(t_iso(n['start']))}</td><td class='num'>{n['reposts']}</td>"
                f'<td class="text narrative-posts">{posts}</td></tr>'
            )
        parts.append(
            "<table class=narratives><tr><th>#</th><th>narrative</th><th class=num>share</th>"
            "<th class=num>posts (est.)</th><th class=num>negative</th><th>languages</th><th>since</th>"
            f"<th class=num>reposts (sampled)</th><th>representative posts</th></tr>{''.join(rows)}</table>"
        )
        timeline_rows = "".join(
            f"<tr><td>{escape(t(a.detected_at_ms, full=True))}</td><td>{escape(a.status)}</td>"
            f"<td>{escape(a.drivers.narratives[0]['label'])}</td>"
            f'<td class="num">{pct(a.drivers.narratives[0]["share"])}</td></tr>'
            for a in inc.events
            if a.drivers.narratives
        )
        parts.append(
            "<p class=muted>The top narrative at each alert event:</p><table class=narrative-events><tr>"
            f"<th>detected</th><th>event</th><th>top narrative</th><th class=num>share</th></tr>{timeline_rows}</table>"
        )
    return "".join(parts)
