"""The drill report's narratives panel and sample texts, and the replay's top-narrative lines."""

from __future__ import annotations

import io
import re
from functools import cache
from html import unescape

import orjson

from firestorm.streams.cli import EXIT_OK, main
from firestorm.streams.drills.replay import ReplayResult
from firestorm.streams.drills.report import ReportCollector, build_report, render_html
from tests.streams.drills.conftest import EXAMPLES

SAMPLE = EXAMPLES / "skyway-outage-en.jsonl"


def _html(collected: tuple[ReportCollector, ReplayResult]) -> str:
    collector, result = collected
    report = build_report(
        collector,
        title="skyway-outage-en",
        input_name=str(SAMPLE),
        input_format="jsonl",
        summary={"mentions read": result.tally.consumed},
        bad_lines=[],
    )
    return render_html(report)


@cache
def replay_output() -> list[str]:
    """What `firestorm replay examples/skyway-outage-en.jsonl` prints on stdout."""
    out, err = io.StringIO(), io.StringIO()
    assert main(["replay", str(SAMPLE), "--no-progress"], out=out, err=err) == EXIT_OK
    return out.getvalue().splitlines()


def _texts() -> dict[str, str]:
    return {obj["id"]: obj["text"] for obj in map(orjson.loads, SAMPLE.read_bytes().splitlines())}


def test_report_has_a_narratives_panel_over_time(skyway_collected: tuple[ReportCollector, ReplayResult]) -> None:
    _collector, result = skyway_collected
    html = _html(skyway_collected)
    incident = next(a for a in result.alerts if a.entity == "skyway").incident_id
    assert f"<h3>Narratives of {incident}</h3>" in html
    final = [a for a in result.alerts if a.incident_id == incident and a.drivers.narratives][-1]
    assert final.status == "resolved"  # the resolve carries the whole incident's narratives
    for narrative in final.drivers.narratives or []:
        assert unescape(narrative["label"]) in unescape(html)
        assert narrative["examples"][0]["url"] in html
    assert "Largest story over time:" in html
    assert re.search(r'<polygon class="n0" points=', html)  # the stacked posts-per-story chart
    assert "The top narrative at each alert event:" in html
    assert html.count("<tr><td>2026-03-06 ") >= len(result.alerts)


def test_report_sample_mentions_show_their_text(skyway_collected: tuple[ReportCollector, ReplayResult]) -> None:
    collector, _result = skyway_collected
    texts = _texts()
    html = _html(skyway_collected)
    samples = re.findall(r'<div class="sample"><a href="[^"]+" rel="noreferrer">([^<]+)</a></div>', html)
    assert samples
    known = set(texts.values())
    for shown in samples:
        text = unescape(shown).rstrip("\u2026")
        assert any(t.startswith(text) or " ".join(t.split()).startswith(text) for t in known), shown
    assert set(collector.sample_texts) <= set(texts)


def test_replay_prints_the_top_narrative_with_a_post() -> None:
    """The documented command: firestorm replay examples/skyway-outage-en.jsonl"""
    lines = replay_output()
    texts = set(_texts().values())
    urls = {obj.get("url") for obj in map(orjson.loads, SAMPLE.read_bytes().splitlines())}
    triggered = next(i for i, line in enumerate(lines) if "TRIGGERED" in line and "skyway" in line)
    story = lines[triggered + 1]
    match = re.fullmatch(r'    top narrative "([^"]+)" \((\d+)% of posts, (\d+)% negative\): "(.+)" (\S+)', story)
    assert match, story
    label, _share, _negative, text, url = match.groups()
    assert "skyway" not in label.split(" · ")
    assert any(text.rstrip("\u2026") in t for t in texts) and url in urls
    events = [line for line in lines if not line.startswith("    ")]
    stories = [line for line in lines if line.startswith("    top narrative")]
    assert len(stories) == len(events)  # every alert event of the sample names its top narrative


def test_png_headline_names_the_top_narrative(skyway_collected: tuple[ReportCollector, ReplayResult]) -> None:
    from firestorm.streams.drills.report.png import _narrative_text

    collector, result = skyway_collected
    report = build_report(collector, title="t", input_name=str(SAMPLE), input_format="jsonl", summary={}, bad_lines=[])
    final = [a for a in result.alerts if a.entity == "skyway" and a.drivers.narratives][-1]
    top = (final.drivers.narratives or [])[0]
    line = _narrative_text(report)
    assert line.startswith(f'top narrative: "{top["label"]}"') and top["examples"][0]["text"][:40] in line


def test_docs_show_the_replay_output_as_it_is() -> None:
    """docs/narratives.md quotes the first alert and its top narrative line of the bundled sample."""
    docs = (EXAMPLES.parent / "docs" / "narratives.md").read_text(encoding="utf-8")
    first_two = replay_output()[:2]
    assert "firestorm replay examples/skyway-outage-en.jsonl" in docs
    for line in first_two:
        assert line in docs, line
