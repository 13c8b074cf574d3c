"""Every shipped example, replayed through the CLI, alerts within 10 minutes of its labelled onset
and stays silent for its quiet entities (the detection target of the foundation issue)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from firestorm.models.timeutil import parse_ts
from firestorm.streams.drills.report import load_labels
from tests.streams.drills.conftest import EXAMPLES, run_cli

DETECT_WITHIN_MS = 10 * 60_000
SAMPLES = sorted(p.name for p in EXAMPLES.glob("*.jsonl"))


def test_there_are_examples_with_labels() -> None:
    assert len(SAMPLES) >= 2
    for name in SAMPLES:
        assert (EXAMPLES / name.replace(".jsonl", ".labels.json")).is_file()


@pytest.mark.parametrize("name", SAMPLES)
def test_example_alerts_within_ten_minutes_of_onset_and_quiet_entities_stay_silent(name: str, tmp_path: Path) -> None:
    path = EXAMPLES / name
    labels = load_labels(path.with_name(name.replace(".jsonl", ".labels.json")))
    assert labels.onset_ms is not None and labels.entity
    alerts_out = tmp_path / "alerts.jsonl"
    code, out, err = run_cli("replay", str(path), "--drill", "--alerts-out", str(alerts_out), "--no-progress")
    assert code == 0, err
    alerts = [orjson.loads(line) for line in alerts_out.read_bytes().splitlines()]
    storm = [a for a in alerts if a["entity"] == labels.entity]
    first = min(parse_ts(a["detected_at"]) for a in storm if a["status"] == "triggered")
    assert labels.onset_ms <= first <= labels.onset_ms + DETECT_WITHIN_MS, (name, first - labels.onset_ms)
    assert any(a["severity"] in ("warning", "critical") for a in storm)  # it pages
    assert not [a for a in alerts if a["entity"] in labels.quiet_entities]
    assert not [a for a in alerts if a["entity"] != labels.entity]
    assert all(a["drill"] for a in alerts)
    # the sidecar was picked up automatically and the drill line says the same
    assert f"labels {path.with_name(name.replace('.jsonl', '.labels.json'))}" in err
    assert "time to detect +" in err and ": 0 alert events" in err
    assert out.count("TRIGGERED") == 1
