"""What a report's headline and prose claim matches the data: pages are pages, reposts are reposts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from firestorm.models.engine import EngineSettings
from firestorm.models.timeutil import iso_utc, parse_ts
from firestorm.streams.drills.report import ReportCollector, build_report, load_labels, render_html
from firestorm.streams.drills.report.model import Report
from firestorm.streams.drills.report.png import _headline_text
from tests.streams.drills.conftest import EXAMPLES, MINUTE, T0, replay_file, synthetic_incident, to_jsonl


def with_launch(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The quiet entity `calm` launches a card at 02:30: a burst of happy posts, an info alert, no page."""
    burst = [
        {
            "id": f"launch{n}",
            "entity": "calm",
            "ts": iso_utc(T0 + (150 + n // 25) * MINUTE + (n % 25) * 2000),
            "text": f"Loving the new calm card launch, great design {n}",
            "lang": "en",
            "author": {"id": f"fan{n}", "followers": 10},
            "source": "x",
        }
        for n in range(15 * 25)
    ]
    return sorted([*objs, *burst], key=lambda o: (o["ts"], o["id"]))


def report_of(tmp_path: Path, objs: list[dict[str, Any]], labels: dict[str, Any]) -> Report:
    data = tmp_path / "data.jsonl"
    data.write_bytes(to_jsonl(objs))
    labels_path = tmp_path / "data.labels.json"
    labels_path.write_text(json.dumps(labels))
    collector = ReportCollector(EngineSettings(), load_labels(labels_path))
    result = replay_file(data, on_window=collector.on_window, on_processed=collector.on_processed)
    return build_report(
        collector, title="t", input_name=str(data), input_format="jsonl", summary={}, bad_lines=result.bad_lines
    )


def test_a_quiet_entitys_info_events_are_no_page_not_alerted(tmp_path: Path) -> None:
    report = report_of(
        tmp_path,
        with_launch(synthetic_incident()),
        {"entity": "acme", "onset": iso_utc(T0 + 120 * MINUTE), "quiet_entities": ["calm"]},
    )
    calm = [a for a in report.alerts if a.entity == "calm"]
    assert calm and {a.severity for a in calm} == {"info"}  # the launch raised info events, nothing that pages
    h = report.headline
    assert h is not None and h.quiet_alerts == {"calm": len(calm)} and h.quiet_pages == {"calm": 0}
    assert h.quiet_verdict() == "no page"
    assert f"quiet entities: no page ({len(calm)} info events)" in _headline_text(report)
    assert "ALERTED" not in _headline_text(report)
    html = render_html(report)
    assert '<span class="badge info">no page</span>' in html
    assert f"calm: {len(calm)} alert events, 0 paged" in html and "alerted</span>" not in html


def test_a_quiet_entity_that_paged_is_headlined_paged(tmp_path: Path) -> None:
    report = report_of(tmp_path, synthetic_incident(), {"entity": "calm", "quiet_entities": ["acme"]})
    h = report.headline
    assert h is not None and h.quiet_pages == {"acme": 1} and h.quiet_verdict() == "PAGED"
    assert "quiet entities PAGED" in _headline_text(report)
    assert '<span class="badge bad">paged</span>' in render_html(report)


def test_reposts_are_the_posts_marked_as_reposts(tmp_path: Path) -> None:
    """With no repost field in the data, the first-mentions prose says 0 reposts, as the drivers table does."""
    objs = [orjson.loads(line) for line in (EXAMPLES / "skyway-outage-en.jsonl").read_bytes().splitlines()]
    stripped = [{k: v for k, v in o.items() if k != "repost_of"} for o in objs]
    labels = json.loads((EXAMPLES / "skyway-outage-en.labels.json").read_text())
    report = report_of(tmp_path, stripped, labels)
    (storm,) = report.storms.values()
    assert storm.total > len(storm.rows) and storm.reposts == 0
    assert f"{storm.total} mentions, 0 of them reposts" in render_html(report)
    marked = report_of(tmp_path, objs, labels)
    (storm,) = marked.storms.values()
    trigger = next(a for a in marked.alerts if a.incident_id == storm.incident_id)
    ramp = [o for o in objs if o["entity"] == "skyway" and storm.from_ms <= parse_ts(o["ts"]) < trigger.window_end_ms]
    assert storm.total == len(ramp)
    assert storm.reposts == sum(1 for o in ramp if o.get("repost_of")) > 0
