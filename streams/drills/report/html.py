"""The drill report as one self-contained HTML file: inline CSS and SVG, no script, no network."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from firestorm.models.alerts import SampleRef
from firestorm.models.narrative_text import shorten
from firestorm.streams.drills.report.clock import zone_over
from firestorm.streams.drills.report.html_narratives import narratives_panel
from firestorm.streams.drills.report.html_text import pct, t
from firestorm.streams.drills.report.model import (
    PAGING,
    EntityReport,
    Headline,
    LangStats,
    Report,
    WindowPoint,
    alert_threshold,
    fmt_duration,
)
from firestorm.streams.drills.report.svg import TimeChart, nice_max

SAMPLE_TEXT_CHARS = 140

OVERVIEW_POINTS = 480
ZOOM_BEFORE_MS = 60 * 60_000
ZOOM_AFTER_MS = 30 * 60_000

CSS = """
:root { --fg:#1f2933; --muted:#616e7c; --line:#d9e2ec; --bg:#ffffff; --panel:#f5f7fa;
  --info:#2563eb; --warning:#d97706; --critical:#dc2626; --resolved:#16a34a; --vol:#334e68; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; } h3 { font-size: 15px; margin: 20px 0 6px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
  color: #fff; vertical-align: middle; }
.badge.drill { background: #7c3aed; } .badge.info { background: var(--info); }
.badge.warning { background: var(--warning); } .badge.critical { background: var(--critical); }
.badge.resolved { background: var(--resolved); } .badge.ok { background: var(--resolved); }
.badge.bad { background: var(--critical); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin: 12px 0 8px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.card .v { font-size: 20px; font-weight: 650; } .card .n { color: var(--muted); font-size: 12px; }
.figure { margin: 14px 0 4px; overflow-x: auto; }
.figure .cap { font-weight: 600; font-size: 13px; margin: 0 0 2px 4px; }
svg.chart { width: 100%; max-width: 1280px; height: auto; background: #fff; }
svg .grid { stroke: #eef2f6; stroke-width: 1; } svg .frame { fill: none; stroke: #bcccdc; }
svg .tick { font-size: 11px; fill: var(--muted); }
svg .axis-label { font-size: 12px; fill: var(--fg); font-weight: 600; }
svg polyline { fill: none; stroke-width: 1.5; }
.vol { fill: #9fb3c8; stroke: none; } svg polyline.vol { stroke: var(--vol); fill: none; stroke-width: 1.2; }
.band { fill: #c6f6d5; fill-opacity: .55; stroke: none; }
.expected { stroke: #2f855a; stroke-dasharray: 5 3; }
.threshold { stroke: #e53e3e; stroke-dasharray: 2 3; stroke-width: 1 !important; }
.neg { fill: #fed7d7; stroke: none; } svg polyline.negline { stroke: #c53030; }
.mean { stroke: #2b6cb0; } .zero { stroke: #a0aec0; stroke-dasharray: 3 3; }
.onset line { stroke: #7c3aed; stroke-width: 2; stroke-dasharray: 6 3; }
.onset text { fill: #7c3aed; font-size: 11px; font-weight: 600; }
.labend line { stroke: #a78bfa; stroke-width: 1.5; stroke-dasharray: 2 3; }
.labend text { fill: #7c3aed; font-size: 11px; }
.event line { stroke: #4a5568; stroke-width: 1; stroke-dasharray: 1 3; }
.event text { fill: #4a5568; font-size: 11px; }
.m-info { fill: var(--info); } .m-warning { fill: var(--warning); } .m-critical { fill: var(--critical); }
.m-resolved { fill: var(--resolved); }
.m-info, .m-warning, .m-critical, .m-resolved { stroke: #fff; stroke-width: 1; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: var(--muted); margin: 2px 0 10px 56px; }
.legend .sw { display: inline-block; width: 14px; height: 10px; margin-right: 5px; vertical-align: -1px;
  border-radius: 2px; background: #9fb3c8; }
.legend .sw.band { background: #c6f6d5; }
.legend .sw.expected { background: #2f855a; height: 3px; vertical-align: 3px; }
.legend .sw.threshold { background: #e53e3e; height: 2px; vertical-align: 3px; }
.legend .sw.neg { background: #fed7d7; }
.legend .sw.negline { background: #c53030; height: 3px; vertical-align: 3px; }
.legend .sw.mean { background: #2b6cb0; height: 3px; vertical-align: 3px; }
.legend .sw.m-info { background: var(--info); } .legend .sw.m-warning { background: var(--warning); }
.legend .sw.m-critical { background: var(--critical); }
.legend .sw.m-resolved { background: var(--resolved); border-radius: 50%; width: 10px; }
.legend .sw.onset { background: #7c3aed; width: 3px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { max-width: 560px; } .muted { color: var(--muted); } code { font-size: 12px; }
.quiet { color: var(--muted); }
ul.bad { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
.sample { font-size: 12px; margin-bottom: 4px; max-width: 320px; }
.n0 { fill: #2563eb; background: #2563eb; } .n1 { fill: #d97706; background: #d97706; }
.n2 { fill: #16a34a; background: #16a34a; } .n3 { fill: #9333ea; background: #9333ea; }
.n4 { fill: #db2777; background: #db2777; }
svg polygon.n0, svg polygon.n1, svg polygon.n2, svg polygon.n3, svg polygon.n4 { fill-opacity: .75; stroke: #fff; }
.takeover { margin: 4px 0 10px; } .narrative-posts p { margin: 0 0 4px; font-size: 12px; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
@media (max-width: 640px) {
  body { padding: 12px 12px 32px; font-size: 15px; }
  h1 { font-size: 19px; } h2 { font-size: 16px; margin-top: 24px; }
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  .card .v { font-size: 17px; }
  .legend { margin-left: 0; gap: 8px; }
  table { font-size: 12px; } th, td { padding: 4px 5px; }
  td.text { max-width: none; min-width: 14em; }
}
"""


def _scrollable(html: str) -> str:
    """Tables scroll sideways inside their own box on a narrow (phone) screen, not the whole page."""
    return html.replace("<table", '<div class="scroll"><table').replace("</table>", "</table></div>")


def _zone_note(report: Report) -> str:
    """The zone with every offset it has over the replay (a replay may cross a clock change)."""
    starts = [w.start_ms for e in report.entities for w in e.windows[:1]]
    ends = [w.start_ms + report.settings.window_ms for e in report.entities for w in e.windows[-1:]]
    return zone_over(min(starts), max(ends)) if starts else zone_over(0, 0)


def _signed(v: float | None) -> str:
    return "-" if v is None else f"{v:+.2f}"


def _card(key: str, value: str, note: str = "") -> str:
    note_html = f'<div class="n">{note}</div>' if note else ""
    return f'<div class="card"><div class="k">{escape(key)}</div><div class="v">{value}</div>{note_html}</div>'


def _headline_cards(h: Headline, report: Report) -> str:
    cards = []
    if h.onset_ms is not None:
        cards.append(_card("Onset (labelled)", escape(t(h.onset_ms)), escape(t(h.onset_ms, full=True)[:10])))
    sev = h.first_alert_severity
    badge = f' <span class="badge {sev}">{sev}</span>' if sev else ""
    cards.append(
        _card(
            "First alert",
            escape(t(h.first_alert_ms)) + badge,
            "event time it was raised" if h.first_alert_ms else "the storm was not detected",
        )
    )
    if h.onset_ms is not None:
        cards.append(_card("Time to detect", escape(fmt_duration(h.time_to_detect_ms)), "first alert - onset"))
        cards.append(
            _card(
                "Time to page",
                escape(fmt_duration(h.time_to_page_ms)),
                f"first warning/critical at {t(h.first_page_ms)}",
            )
        )
    ratio = f"x{h.peak_volume / h.peak_expected:.0f} expected" if h.peak_expected else ""
    window = fmt_duration(report.settings.window_ms).lstrip("+")
    cards.append(_card("Peak", f"{h.peak_volume} / {escape(window)}", escape(f"at {t(h.peak_ms)}, {ratio}")))
    if h.alerted_for_ms is not None:
        note = "first alert to resolve"
        if h.onset_ms is not None and h.labelled_end_ms is not None:
            note += f"; labelled storm {fmt_duration(h.labelled_end_ms - h.onset_ms).lstrip('+')}"
        cards.append(_card("Duration", escape(fmt_duration(h.alerted_for_ms).lstrip("+")), escape(note)))
    elif h.first_alert_ms is not None:
        cards.append(_card("Duration", "open", "not resolved by the end of the file"))
    events = len(report.alerts)
    pages = sum(1 for e in report.entities for i in e.incidents if i.pages)
    cards.append(_card("Alert events", str(events), f"{pages} incident(s) paging (warning/critical)"))
    if h.quiet_alerts:
        verdict = h.quiet_verdict()
        badge = {"silent": "ok", "no page": "info", "PAGED": "bad"}[verdict]
        value = f'<span class="badge {badge}">{escape(verdict.lower())}</span>'
        cards.append(_card("Quiet entities", value, escape(h.quiet_detail())))
    if h.false_alarms_before_onset:
        cards.append(
            _card("Before onset", str(h.false_alarms_before_onset), "incidents raised before the labelled onset")
        )
    return f'<div class="cards" id="headline">{"".join(cards)}</div>'


def _downsample(points: Sequence[WindowPoint], window_ms: int) -> tuple[list[int], list[int], list[float], int]:
    """Max count and mean expected per bin, so spikes survive in a long overview."""
    if len(points) <= OVERVIEW_POINTS:
        return [p.start_ms for p in points], [p.count for p in points], [p.expected for p in points], window_ms
    per = math.ceil(len(points) / OVERVIEW_POINTS)
    xs, counts, expected = [], [], []
    for i in range(0, len(points), per):
        chunk = points[i : i + per]
        xs.append(chunk[0].start_ms)
        counts.append(max(p.count for p in chunk))
        expected.append(sum(p.expected for p in chunk) / len(chunk))
    return xs, counts, expected, per * window_ms


def _markers(chart: TimeChart, entity: EntityReport) -> None:
    for inc in entity.incidents:
        for alert in inc.events:
            ms = alert.detected_at_ms
            ratio = f" (x{alert.volume / alert.baseline:.1f})" if alert.baseline else ""
            tip = (
                f"{t(ms, full=True)} {alert.status.upper()} {alert.severity}: volume {alert.volume}, "
                f"expected {alert.baseline:.1f}{ratio}, negative {alert.negative_share:.0%}, "
                f"mean {alert.mean_compound:+.2f} [{alert.incident_id}]"
            )
            if alert.status == "resolved":
                chart.marker(ms, alert.volume, "m-resolved", tip, shape="circle")
            else:
                chart.marker(ms, alert.volume, f"m-{alert.severity}", tip)


def _label_lines(chart: TimeChart, report: Report, entity: str) -> None:
    labels = report.labels
    if labels is None:
        return
    if labels.entity == entity:
        if labels.onset_ms is not None:
            chart.vline(labels.onset_ms, "onset", "onset", f"labelled onset {t(labels.onset_ms, full=True)}")
        if labels.end_ms is not None:
            chart.vline(labels.end_ms, "labend", "end", f"labelled end {t(labels.end_ms, full=True)}")
    for ts, text in labels.events:
        chart.vline(ts, "event", text, f"{t(ts, full=True)} {text}")


def _volume_chart(report: Report, entity: EntityReport, lo: int, hi: int, title: str, overview: bool) -> str:
    size = report.settings.window_ms
    pts = [p for p in entity.windows if lo <= p.start_ms < hi]
    if not pts:
        return '<p class="muted">no windows in this range</p>'
    if overview:
        xs, counts, expected, step = _downsample(pts, size)
    else:
        xs, counts, expected, step = [p.start_ms for p in pts], [p.count for p in pts], [p.expected for p in pts], size
    thresholds = [float(alert_threshold(e, report.settings)) for e in expected]
    alert_peak = max((a.volume for i in entity.incidents for a in i.events), default=0)
    top = nice_max(max([*counts, *thresholds[: len(thresholds)], alert_peak, 1]) * 1.08)
    chart = TimeChart(
        lo,
        hi,
        0,
        top,
        title=title,
        y_label=f"mentions per {fmt_duration(size).lstrip('+')} window",
        height=200 if overview else 260,
    )
    chart.band(xs, expected, thresholds, "band", "normal band (expected to alert line)")
    chart.area(xs, counts, "vol", "volume", step_ms=step)
    chart.line(xs, expected, "expected", "expected (baseline)")
    chart.line(xs, thresholds, "threshold", "alert line")
    _label_lines(chart, report, entity.entity)
    _markers(chart, entity)
    for sev in ("info", "warning", "critical"):
        if any(a.severity == sev and a.status != "resolved" for i in entity.incidents for a in i.events):
            chart.legend.append((f"m-{sev}", f"alert: {sev}"))
    if any(i.resolved_ms for i in entity.incidents):
        chart.legend.append(("m-resolved", "resolved"))
    if report.labels is not None and report.labels.entity == entity.entity and report.labels.onset_ms is not None:
        chart.legend.append(("onset", "labelled onset"))
    return f'<div class="figure"><div class="cap">{escape(title)}</div>{chart.render()}</div>{chart.legend_html()}'


def _sentiment_chart(report: Report, entity: EntityReport, lo: int, hi: int) -> str:
    size = report.settings.window_ms
    pts = [p for p in entity.windows if lo <= p.start_ms < hi]
    if not pts:
        return ""
    chart = TimeChart(
        lo,
        hi,
        0,
        100,
        title=f"{entity.entity}: negative share and mean sentiment",
        y_label="negative share",
        y_format="{}%",
        y2=(-1.0, 1.0, "mean compound"),
        height=180,
    )
    xs = [p.start_ms for p in pts]
    neg = [p.negative_share * 100 if p.scored else None for p in pts]
    chart.area(xs, [v or 0.0 for v in neg], "neg", "negative share", step_ms=size)
    chart.line([lo, hi], [0.0, 0.0], "zero", axis=2)
    chart.line(xs, [p.mean_compound if p.scored else None for p in pts], "mean", "mean compound (right axis)", axis=2)
    _label_lines(chart, report, entity.entity)
    cap = f"{entity.entity}: negative share and mean sentiment (scored mentions per window)"
    return f'<div class="figure"><div class="cap">{escape(cap)}</div>{chart.render()}</div>{chart.legend_html()}'


def _zoom_range(report: Report, entity: EntityReport) -> tuple[int, int] | None:
    if not entity.windows:
        return None
    first, last = entity.windows[0].start_ms, entity.windows[-1].start_ms + report.settings.window_ms
    starts: list[int] = [i.window_start_ms for i in entity.incidents]
    ends: list[int] = [i.resolved_ms or last for i in entity.incidents]
    labels = report.labels
    if labels is not None and labels.entity == entity.entity:
        starts += [t for t in (labels.onset_ms,) if t is not None]
        ends += [t for t in (labels.end_ms, labels.peak_ms) if t is not None]
    storms = [report.storms[i.incident_id].from_ms for i in entity.incidents if i.incident_id in report.storms]
    starts += storms
    if not starts:
        return None
    lo = max(first, min(starts) - ZOOM_BEFORE_MS)
    hi = min(last, max(ends + starts) + ZOOM_AFTER_MS)
    return lo, max(hi, lo + report.settings.window_ms * 10)


def _sample_html(sample: SampleRef, texts: dict[str, str]) -> str:
    """A sample mention: its text (when the replay saw it) linked to the post, else its id."""
    mention_id = sample["id"]
    label = escape(shorten(texts[mention_id], SAMPLE_TEXT_CHARS)) if mention_id in texts else escape(mention_id)
    url = sample["url"]
    inner = f'<a href="{escape(str(url))}" rel="noreferrer">{label}</a>' if url else label
    return f'<div class="sample">{inner}</div>'


def _drivers_table(entity: EntityReport, texts: dict[str, str] | None = None) -> str:
    texts = texts or {}
    rows = []
    for inc in entity.incidents:
        for a in inc.events:
            d = a.drivers
            terms = ", ".join(f"{t} ({n})" for t, n in d.top_terms[:5])
            tags = ", ".join(f"#{t.lstrip('#')} ({n})" for t, n in d.top_hashtags[:4])
            authors = ", ".join(f"{x['id']} ({x['followers']:,})" for x in d.top_authors[:3])
            langs = ", ".join(f"{k} {v}" for k, v in d.languages.items())
            samples = "".join(_sample_html(s, texts) for s in d.samples[:3])
            ratio = f"x{a.volume / a.baseline:.1f}" if a.baseline else "-"
            rows.append(
                f"<tr><td>{escape(t(a.detected_at_ms, full=True))}</td>"
                f'<td><span class="badge {"resolved" if a.status == "resolved" else a.severity}">'
                f"{escape(a.status)}</span> {escape(a.severity)}</td>"
                f'<td class="num">{a.volume}</td><td class="num">{a.baseline:.1f}</td><td class="num">{ratio}</td>'
                f'<td class="num">{a.score:.0f}</td><td class="num">{a.negative_share:.0%}</td>'
                f'<td class="num">{a.mean_compound:+.2f}</td>'
                f"<td>{escape(terms)}<br><span class='muted'>{escape(tags)}</span></td>"
                f"<td>{escape(authors)}<br><span class='muted'>{d.unique_authors} authors, "
                f"reach {d.reach:,}, {d.reposts} reposts</span></td>"
                f"<td>{escape(langs)}</td><td>{samples}</td></tr>"
            )
    if not rows:
        return '<p class="quiet">No alerts for this entity.</p>'
    head = (
        "<tr><th>detected (event time)</th><th>status</th><th class=num>volume</th><th class=num>expected</th>"
        "<th class=num>ratio</th><th class=num>score</th><th class=num>negative</th><th class=num>mean</th>"
        "<th>top terms / hashtags</th><th>top authors by reach</th><th>languages</th><th>samples</th></tr>"
    )
    return f'<table class="drivers">{head}{"".join(rows)}</table>'


def _first_mentions(report: Report, entity: EntityReport) -> str:
    parts = []
    for inc in entity.incidents:
        storm = report.storms.get(inc.incident_id)
        if storm is None or not storm.rows:
            continue
        rows = "".join(
            f"<tr><td>{escape(t(r.ts_ms))}</td><td>{escape(r.source or '-')}</td>"
            f"<td>{escape(r.author or '-')}<br><span class='muted'>{r.followers:,} followers</span></td>"
            f'<td>{escape(r.lang)}</td><td class="num">{_signed(r.compound)}</td>'
            f'<td class="text">{escape(r.text)}</td></tr>'
            for r in storm.rows
        )
        parts.append(
            f"<h3>First mentions of the storm ({escape(inc.incident_id)})</h3>"
            f'<p class="muted">From {escape(t(storm.from_ms, full=True))} (start of the ramp) to the window that '
            f"triggered: {storm.total} mentions, {storm.reposts} of them reposts; the first original posts"
            f"{' (negative ones)' if inc.events[0].severity in PAGING else ''}:</p>"
            "<table class=first><tr><th>time</th><th>source</th><th>author</th><th>lang</th>"
            f"<th class=num>compound</th><th>text</th></tr>{rows}</table>"
        )
    return "".join(parts)


def _lang_table(entity: EntityReport) -> str:
    langs = list(dict.fromkeys([*entity.languages_storm, *entity.languages_all]))
    if not langs:
        return ""
    total_all = sum(s.mentions for s in entity.languages_all.values()) or 1
    total_storm = sum(s.mentions for s in entity.languages_storm.values()) or 1
    storm = bool(entity.languages_storm)

    def cells(stats: LangStats | None, total: int) -> str:
        if stats is None:
            return '<td class="num">0</td><td class="num">-</td><td class="num">-</td><td class="num">-</td>'
        return (
            f'<td class="num">{stats.mentions:,}</td><td class="num">{stats.mentions / total:.0%}</td>'
            f'<td class="num">{pct(stats.negative_share)}</td><td class="num">{_signed(stats.mean_compound)}</td>'
        )

    head = "<tr><th rowspan=2>language</th><th colspan=4>whole replay</th>" + (
        "<th colspan=4>during the storm</th>" if storm else ""
    )
    sub = "<th class=num>mentions</th><th class=num>share</th><th class=num>negative</th><th class=num>mean</th>"
    rows = "".join(
        f"<tr><td>{escape(lang)}{' <span class=muted>(not scored)</span>' if lang not in ('en', 'fr') else ''}</td>"
        + cells(entity.languages_all.get(lang), total_all)
        + (cells(entity.languages_storm.get(lang), total_storm) if storm else "")
        + "</tr>"
        for lang in langs
    )
    return f'<h3>Languages</h3><table class="langs">{head}</tr><tr>{sub}{sub if storm else ""}</tr>{rows}</table>'


def _entity_section(report: Report, entity: EntityReport) -> str:
    name = escape(entity.entity)
    labels = report.labels
    role = ""
    if labels is not None and labels.entity == entity.entity:
        role = ' <span class="badge critical">labelled storm</span>'
    elif labels is not None and entity.entity in labels.quiet_entities:
        role = ' <span class="badge ok">labelled quiet</span>'
    parts = [f'<section class="entity" id="entity-{name}"><h2>{name}{role}</h2>']
    n_inc = len(entity.incidents)
    parts.append(
        f'<p class="muted">{entity.mentions:,} mentions accepted, {len(entity.windows):,} windows, '
        f"{n_inc} incident(s), {sum(len(i.events) for i in entity.incidents)} alert events.</p>"
    )
    zoom = _zoom_range(report, entity)
    if zoom is not None:
        lo, hi = zoom
        parts.append(
            _volume_chart(
                report,
                entity,
                lo,
                hi,
                f"{entity.entity}: the storm, volume vs expected band, alerts by severity",
                False,
            )
        )
        parts.append(_sentiment_chart(report, entity, lo, hi))
    if entity.windows:
        lo, hi = entity.windows[0].start_ms, entity.windows[-1].start_ms + report.settings.window_ms
        parts.append(_volume_chart(report, entity, lo, hi, f"{entity.entity}: the whole replay", True))
    if entity.incidents:
        parts.append("<h3>Alerts and their drivers</h3>" + _drivers_table(entity, report.sample_texts))
        parts.append(narratives_panel(report, entity))
        parts.append(_first_mentions(report, entity))
    else:
        parts.append('<p class="quiet">No alerts for this entity.</p>')
    parts.append(_lang_table(entity))
    parts.append("</section>")
    return "".join(parts)


def _summary(report: Report) -> str:
    s = report.summary
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in s.items())
    st = report.settings
    d = st.detector_settings()
    settings = (
        f"window {fmt_duration(st.window_ms).lstrip('+')}, lateness {fmt_duration(st.lateness_ms).lstrip('+')}, "
        f"min volume {st.min_volume}, min ratio x{st.min_ratio:g}, trigger score {st.trigger_score:g}, "
        f"warm-up {d.warmup_windows} windows, resolve after {fmt_duration(st.resolve_after_ms).lstrip('+')}"
    )
    bad = ""
    if report.bad_lines:
        items = "".join(f"<li>line {n}: {escape(r)}</li>" for n, r in report.bad_lines)
        bad = f"<h3>Skipped lines</h3><ul class=bad>{items}</ul>"
    return (
        f'<h2>Replay</h2><table class="summary">{rows}<tr><th>detector settings</th><td>{escape(settings)}</td></tr>'
        f"</table>{bad}"
    )


def render_html(report: Report) -> str:
    """The whole report page."""
    drill = ' <span class="badge drill">DRILL</span>' if report.settings.drill else ""
    labels = report.labels
    sub = [f"Replay of <code>{escape(report.input_name)}</code> ({escape(report.input_format)})"]
    if labels is not None:
        sub.append(f"labels <code>{escape(labels.path)}</code>")
    description = f'<p class="muted">{escape(labels.description)}</p>' if labels and labels.description else ""
    headline = (
        f"<h2>Headline: {escape(report.headline.entity)}</h2>{_headline_cards(report.headline, report)}"
        if report.headline
        else '<h2>Headline</h2><p class="quiet">No alert was raised and no storm is labelled.</p>'
    )
    sections = "".join(_entity_section(report, e) for e in report.entities)
    paging = ", ".join(PAGING)
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Firestorm drill report: {escape(report.title)}</title><style>{CSS}</style></head><body>"
        f"<h1>Firestorm drill report: {escape(report.title)}{drill}</h1>"
        f'<p class="sub">{"; ".join(sub)}. Times are event times, {escape(_zone_note(report))}.</p>{description}'
        f"{_scrollable(headline + sections + _summary(report))}"
        f"<footer>Generated by firestorm {escape(report.version)} on {escape(report.generated_at)}. "
        f"Pages: incidents that reached {escape(paging)}. Hover a marker for its alert.</footer>"
        "</body></html>\n"
    )
