from __future__ import annotations

from pathlib import Path

import orjson
from prometheus_client import generate_latest

from firestorm.models.alerts import Alert
from firestorm.models.engine import EngineSettings
from firestorm.streams.drills.replay import MAX_BAD_LINES_KEPT, replay
from firestorm.streams.formats import jsonl_lines
from firestorm.streams.metrics import Metrics
from tests.models.builders import storm_stream, write_jsonl


def test_replay_of_a_storm(tmp_path: Path) -> None:
    objs = storm_stream()
    path = write_jsonl(tmp_path / "storm.jsonl", objs)
    seen: list[Alert] = []
    metrics = Metrics()
    result = replay(jsonl_lines(str(path)), EngineSettings(), on_alert=seen.append, metrics=metrics)
    assert result.tally.consumed == len(objs) == result.tally.outcomes["accepted"]
    assert result.bad_lines == []
    assert [a.status for a in result.alerts] == ["triggered", "updated", "resolved"]
    assert seen == result.alerts
    assert {a.entity for a in result.alerts} == {"acme"}
    assert result.windows_closed > 2 * 120
    assert result.elapsed_s > 0 and result.rate > 0
    text = generate_latest(metrics.registry).decode()
    assert f"firestorm_mentions_consumed_total {float(len(objs))}" in text
    assert f"firestorm_windows_closed_total {float(result.windows_closed)}" in text


def test_bad_lines_keep_their_numbers(tmp_path: Path) -> None:
    objs = storm_stream(baseline_minutes=70, tail_minutes=15)
    lines: list[dict[str, object] | bytes] = list(objs)
    lines.insert(4, b"{not json")
    lines.insert(9, orjson.dumps({k: v for k, v in objs[9].items() if k != "ts"}))
    path = write_jsonl(tmp_path / "storm.jsonl", lines)
    result = replay(jsonl_lines(str(path)), EngineSettings())
    assert [n for n, _reason in result.bad_lines] == [5, 10]
    assert result.bad_lines[0][1].startswith("not_json: ")
    assert result.bad_lines[1][1].startswith("missing_field: ")
    assert result.tally.outcomes["dead_letter"] == 2
    assert result.tally.outcomes["accepted"] == len(objs)
    assert [a.status for a in result.alerts] == ["triggered", "updated", "resolved"]


def test_bad_lines_kept_are_capped(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "junk.jsonl", [b"junk"] * (MAX_BAD_LINES_KEPT + 10))
    result = replay(jsonl_lines(str(path)), EngineSettings())
    assert len(result.bad_lines) == MAX_BAD_LINES_KEPT
    assert result.tally.outcomes["dead_letter"] == MAX_BAD_LINES_KEPT + 10
    assert result.alerts == [] and result.windows_closed == 0


def test_drill_settings_mark_alerts(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "storm.jsonl", storm_stream())
    result = replay(jsonl_lines(str(path)), EngineSettings(drill=True))
    assert result.alerts and all(a.drill for a in result.alerts)
