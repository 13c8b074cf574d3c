"""The drill report for people: times in a named zone, the incident's description and drivers, no
repeated dates, plain words for sentiment, and an HTML page that works on a phone."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from firestorm.streams.embedded import ReplayResult
from firestorm.streams.report import ReportCollector, build_report, render_html, write_report
from firestorm.streams.report.clock import showing
from firestorm.streams.report.png import _context_text, date_axis

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
    assert "Top drivers of the first alert (08:46:30): check (4), errors (3)" in text and "#skywayfail (2)" in text
    with showing(UTC):
        assert _context_text(report, onset).startswith("Friday 06 March 2026, times in UTC")


@pytest.mark.parametrize("days", [5, 30])
def test_whole_replay_axes_never_repeat_a_date(days: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from firestorm.streams.report.clock import local

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
