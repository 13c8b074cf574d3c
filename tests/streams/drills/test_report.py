"""The drill report: series collected from the real replay, a self-contained HTML page, a PNG."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from firestorm.models.engine import EngineSettings
from firestorm.streams.drills.replay import ReplayResult
from firestorm.streams.drills.report import (
    ReportCollector,
    build_report,
    find_sidecar,
    load_labels,
    render_html,
    summarize_incidents,
    write_report,
)
from firestorm.streams.drills.report.model import alert_threshold, fmt_duration, poisson_score
from firestorm.streams.formats import InputError
from tests.streams.drills.conftest import EXAMPLES

# Anything that would make a browser fetch something: scripts, stylesheets, images, fonts, frames.
RESOURCE = re.compile(
    r"<script|<link\b|<iframe|<object|<embed|\bsrc\s*=|@import|url\(|srcset|xlink:href|https?://[^\"'<\s]*\.(css|js|woff2?|ttf)",
    re.IGNORECASE,
)


def _report(collected: tuple[ReportCollector, ReplayResult]):  # type: ignore[no-untyped-def]
    collector, result = collected
    return build_report(
        collector,
        title="skyway-outage-en",
        input_name="examples/skyway-outage-en.jsonl",
        input_format="jsonl",
        summary={"mentions read": result.tally.consumed},
        bad_lines=[(7, "not_json: broken")],
        version="test",
    )


def test_collector_keeps_every_window_of_every_entity(skyway_collected: tuple[ReportCollector, ReplayResult]) -> None:
    collector, result = skyway_collected
    assert sum(len(w) for w in collector.windows.values()) == result.windows_closed
    assert set(collector.windows) == {"skyway", "northbank"}
    assert collector.alerts == result.alerts
    assert sum(collector.mentions.values()) == result.tally.outcomes["accepted"]
    points = collector.windows["skyway"]
    assert [p.start_ms for p in points] == sorted(p.start_ms for p in points)


def test_headline_numbers_against_the_labels(skyway_collected: tuple[ReportCollector, ReplayResult]) -> None:
    report = _report(skyway_collected)
    h = report.headline
    assert h is not None and h.entity == "skyway"
    labels = load_labels(EXAMPLES / "skyway-outage-en.labels.json")
    assert h.onset_ms == labels.onset_ms
    assert h.first_alert_ms is not None and h.time_to_detect_ms is not None
    assert 0 < h.time_to_detect_ms <= 10 * 60_000
    assert h.first_alert_ms - h.time_to_detect_ms == labels.onset_ms
    assert h.peak_volume >= 50 and h.peak_expected < 5
    assert h.resolved and h.alerted_for_ms is not None and h.alerted_for_ms > 60 * 60_000
    assert h.quiet_alerts == {"northbank": 0}
    assert [e.entity for e in report.entities] == ["skyway", "northbank"]


def test_first_mentions_of_the_storm_start_at_the_onset(skyway_collected: tuple[ReportCollector, ReplayResult]) -> None:
    collector, _ = skyway_collected
    (storm,) = collector.storms.values()
    labels = load_labels(EXAMPLES / "skyway-outage-en.labels.json")
    assert storm.from_ms == labels.onset_ms
    assert 5 <= len(storm.rows) <= 12 and storm.total >= len(storm.rows)
    assert all(r.compound is not None and r.compound < 0 and not r.repost for r in storm.rows)
    assert [r.ts_ms for r in storm.rows] == sorted(r.ts_ms for r in storm.rows)


def test_html_is_self_contained_with_charts_and_headline(
    skyway_collected: tuple[ReportCollector, ReplayResult],
) -> None:
    html = render_html(_report(skyway_collected))
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert RESOURCE.search(html) is None, RESOURCE.search(html)
    assert html.count('<svg class="chart"') >= 4  # storm volume, sentiment, two overviews
    assert "<polygon" in html and "<polyline" in html
    for text in ("Time to detect", "+4m30s", "07:46:30", "07:42", "Quiet entities", "northbank: 0 alert events"):
        assert text in html
    assert 'class="m-critical"' in html and 'class="m-resolved"' in html  # alert markers by severity
    assert "First mentions of the storm" in html and "Alerts and their drivers" in html
    assert "Languages" in html and "during the storm" in html
    assert "line 7: not_json: broken" in html
    assert "DRILL" in html
    # every href is a link to a post, never something the page loads
    assert all(h.startswith("https://") for h in re.findall(r'href="([^"]+)"', html))
    assert "<script" not in html.lower()


def test_html_escapes_mention_text(skyway_collected: tuple[ReportCollector, ReplayResult]) -> None:
    collector, _ = skyway_collected
    (storm,) = collector.storms.values()
    original = storm.rows[0]
    storm.rows[0] = type(original)(**{**{s: getattr(original, s) for s in original.__slots__}, "text": "<b>x</b> & y"})
    try:
        html = render_html(_report(skyway_collected))
    finally:
        storm.rows[0] = original
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in html and "<b>x</b>" not in html


def test_png_is_one_picture(skyway_collected: tuple[ReportCollector, ReplayResult], tmp_path: Path) -> None:
    path = tmp_path / "deep" / "report.png"
    write_report(_report(skyway_collected), str(path))
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width >= 1000 and image.height >= 800
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50  # drawn, not blank


def test_report_path_must_be_html_or_png(
    skyway_collected: tuple[ReportCollector, ReplayResult], tmp_path: Path
) -> None:
    with pytest.raises(InputError, match=r"\.html or \.png"):
        write_report(_report(skyway_collected), str(tmp_path / "report.pdf"))


def test_labels_sidecar_is_found_and_checked(tmp_path: Path) -> None:
    assert find_sidecar(str(EXAMPLES / "skyway-outage-en.jsonl")) == EXAMPLES / "skyway-outage-en.labels.json"
    gz = tmp_path / "storm.jsonl.gz"
    gz.write_bytes(b"")
    (tmp_path / "storm.labels.json").write_text('{"onset": "2026-03-06T07:42:00Z", "entity": "Acme"}')
    assert find_sidecar(str(gz)) == tmp_path / "storm.labels.json"
    assert find_sidecar("-") is None
    assert load_labels(tmp_path / "storm.labels.json").entity == "acme"
    bad = tmp_path / "bad.labels.json"
    bad.write_text('{"onset": "last tuesday"}')
    with pytest.raises(InputError, match="'onset'"):
        load_labels(bad)
    with pytest.raises(InputError, match="no such labels file"):
        load_labels(tmp_path / "missing.json")
    planned = tmp_path / "p.labels.json"
    planned.write_text(
        '{"events": [{"ts": "2026-03-06T08:00:00Z", "label": "statement"}],'
        ' "planned": [{"entity": "acme", "start": "2026-03-06T09:00:00Z", "end": "2026-03-06T10:00:00Z",'
        ' "uplift": 5, "name": "launch"}]}'
    )
    labels = load_labels(planned)
    assert [text for _, text in labels.events] == ["statement", "planned: launch"]
    assert labels.planned[0].uplift == 5.0


def test_alert_line_and_helpers() -> None:
    settings = EngineSettings()
    assert alert_threshold(0.5, settings) == 10  # min_volume dominates when little is expected
    assert alert_threshold(20.0, settings) == 60  # then 3x the expected count
    assert poisson_score(60, 20.0) >= 6 > poisson_score(35, 20.0)
    assert fmt_duration(270_000) == "+4m30s" and fmt_duration(-60_000) == "-1m" and fmt_duration(None) == "-"
    assert fmt_duration(2 * 3_600_000 + 20 * 60_000) == "+2h20m"


def test_incidents_group_their_events(skyway_collected: tuple[ReportCollector, ReplayResult]) -> None:
    _, result = skyway_collected
    (incident,) = summarize_incidents(result.alerts)
    assert incident.severity == "critical" and incident.pages
    assert incident.resolved_ms is not None and incident.resolved_ms > incident.triggered_ms
    assert len(incident.events) == len(result.alerts)
    assert all(a.drill for a in result.alerts)
