"""The drill report for people: times in a named zone, the incident's description and drivers, no
repeated dates, plain words for sentiment, and an HTML page that works on a phone."""

from __future__ import annotations

import json
import re
from datetime import UTC
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from firestorm.streams.drills.replay import ReplayResult
from firestorm.streams.drills.report import ReportCollector, build_report, render_html, write_report
from firestorm.streams.drills.report.clock import showing
from firestorm.streams.drills.report.png import _context_text, date_axis
from tests.streams.drills.conftest import run_cli, to_jsonl

DAY = 86_400_000
T0 = 1_772_409_600_000  # 2026-03-02T00:00Z


def report_of(collected: tuple[ReportCollector, ReplayResult]):  # type: ignore[no-untyped-def]
    collector, result = collected
    return build_report(
        collector,
        title="skyway-outage-en",
        input_name="examples/skyway-outage-en.jsonl",
        input_format="jsonl",
        summary={"mentions read": result.tally.consumed},
        bad_lines=[],
        version="test",
    )


def test_png_header_has_date_zone_description_and_drivers(
    skyway_collected: tuple[ReportCollector, ReplayResult],
) -> None:
    report = report_of(skyway_collected)
    onset = 1_772_782_920_000  # 2026-03-06T07:42Z
    with showing(ZoneInfo("Europe/Paris")):
        text = _context_text(report, onset).replace("\n", " ")
    assert text.startswith("Friday 06 March 2026, times in Europe/Paris (UTC+01:00)")
    assert "IT outage" in text  # the labels' description
    assert "Top drivers of the first alert (08:46:30+01:00): check (4), errors (3)" in text
    assert "#skywayfail (2)" in text
    with showing(UTC):
        assert _context_text(report, onset).startswith("Friday 06 March 2026, times in UTC")


@pytest.mark.parametrize("days", [5, 30])
def test_whole_replay_axes_never_repeat_a_date(days: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from firestorm.streams.drills.report.clock import local

    fig, ax = plt.subplots(figsize=(12, 2))
    xs = [local(T0 + i * 3_600_000) for i in range(days * 24)]
    ax.plot(xs, [1] * len(xs))
    date_axis(ax, T0, T0 + days * DAY)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    plt.close(fig)
    assert len(labels) >= 3 and len(labels) == len(set(labels)), labels


def test_png_says_mean_sentiment_not_compound(
    skyway_collected: tuple[ReportCollector, ReplayResult], tmp_path: Path
) -> None:
    import matplotlib.pyplot as plt

    seen: list[str] = []
    original = plt.Figure.savefig

    def spy(fig, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.extend(ax.yaxis.label.get_text() for ax in fig.axes)
        seen.extend(label for ax in fig.axes for label in ax.get_legend_handles_labels()[1])
        return original(fig, *args, **kwargs)

    plt.Figure.savefig = spy  # type: ignore[method-assign]
    try:
        write_report(report_of(skyway_collected), str(tmp_path / "r.png"), ZoneInfo("Europe/Paris"))
    finally:
        plt.Figure.savefig = original  # type: ignore[method-assign]
    assert "mean sentiment (-1..+1)" in seen
    assert not [s for s in seen if "compound" in s]


def test_html_names_its_zone_and_fits_a_phone(skyway_collected: tuple[ReportCollector, ReplayResult]) -> None:
    report = report_of(skyway_collected)
    with showing(ZoneInfo("Europe/Paris")):
        html = render_html(report)
    assert "Times are event times, Europe/Paris (UTC+01:00)." in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media (max-width: 640px)" in html
    assert html.count('<div class="scroll"><table') == html.count("<table") > 0  # tables scroll, not the page
    with showing(UTC):
        assert "Times are event times, UTC." in render_html(report)


def header_layout(report) -> tuple[list[tuple[float, float]], float, float]:  # type: ignore[no-untyped-def]
    """The header lines' vertical extents, the top of the first chart's title, and the dpi (pixels)."""
    import matplotlib.pyplot as plt

    from firestorm.streams.drills.report.png import DPI, draw_report

    fig = draw_report(report)
    fig.set_dpi(DPI)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    lines = [(t.get_window_extent(renderer).y0, t.get_window_extent(renderer).y1) for t in fig.texts]
    chart_top = fig.axes[0].title.get_window_extent(renderer).y1
    plt.close(fig)
    return lines, chart_top, DPI


@pytest.mark.parametrize("zone", [UTC, ZoneInfo("Europe/Paris")], ids=["UTC", "Paris"])
def test_png_header_lines_never_overlap_and_no_blank_band_follows(
    skyway_collected: tuple[ReportCollector, ReplayResult], zone: object
) -> None:
    """The bundled sample: each header line below the one before, then the first chart right after."""
    with showing(zone):  # type: ignore[arg-type]
        lines, chart_top, dpi = header_layout(report_of(skyway_collected))
    assert len(lines) >= 6  # title, headline, narrative, date and zone, description, drivers
    ordered = sorted(lines, key=lambda extent: -extent[1])  # top first
    for upper, lower in pairwise(ordered):
        assert lower[1] <= upper[0] + 0.5, f"header lines overlap: {upper} and {lower}"
    gap_in = (ordered[-1][0] - chart_top) / dpi
    assert 0 < gap_in < 0.5, f"{gap_in:.2f} in between the header and the first chart"


def across_the_clock_change(objs: list[dict[str, object]]) -> list[dict[str, object]]:
    """The synthetic incident moved to the night Paris changes its clocks (29 March 2026, 01:00Z):
    its first hour at UTC+01:00, its storm (02:00Z) at UTC+02:00."""
    from firestorm.models.timeutil import iso_utc, parse_ts

    return [{**o, "ts": iso_utc(parse_ts(str(o["ts"])) + 27 * DAY)} for o in objs]


NAKED_TIME = re.compile(r"(?<![+\-\d:])\d\d:\d\d(?::\d\d)?(?![\d:]|Z|[+-]\d\d:\d\d)")


def test_every_html_time_carries_the_offset_of_its_instant(incident: list[dict[str, object]], tmp_path: Path) -> None:
    data = tmp_path / "dst.jsonl"
    data.write_bytes(to_jsonl(across_the_clock_change(incident)))
    labels = tmp_path / "dst.labels.json"
    labels.write_text(json.dumps({"entity": "acme", "onset": "2026-03-29T02:00:00Z", "quiet_entities": ["calm"]}))
    page = tmp_path / "r.html"
    code, _out, err = run_cli(
        "replay", str(data), "--labels", str(labels), "--display-tz", "Europe/Paris", "--report", str(page)
    )
    assert code == 0, err
    html = page.read_text()
    assert "Times are event times, Europe/Paris (UTC+01:00, UTC+02:00 from 2026-03-29 03:00+02:00)." in html
    prose = re.sub(r"<svg.*?</svg>|<style>.*?</style>|<footer>.*?</footer>", "", html, flags=re.S)
    assert not NAKED_TIME.findall(prose), NAKED_TIME.findall(prose)[:5]  # tables, cards, prose: all labelled
    assert "<td>2026-03-29 04:0" in html and "+02:00</td>" in html  # the storm's alerts, in summer time
    assert ">04:00+02:00<" in html  # the labelled onset card (02:00Z)
    tooltips = re.findall(r"<title>([^<]*\d\d:\d\d[^<]*)</title>", html)
    assert tooltips and all("+02:00" in t or "+01:00" in t for t in tooltips), tooltips[:3]
