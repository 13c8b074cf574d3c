from __future__ import annotations

import orjson

from firestorm.models.alerts import Alert

ALERT = Alert(
    incident_id="skyway-20260306T0745Z",
    entity="skyway",
    status="triggered",
    severity="critical",
    window_start="2026-03-06T07:45:00Z",
    window_end="2026-03-06T07:46:00Z",
    detected_at="2026-03-06T07:46:30Z",
    volume=10,
    baseline=0.5,
    score=12.3,
    negative_share=0.8,
    mean_compound=-0.26,
    drivers={"top_terms": [["gate", 4]], "samples": [{"id": "x:1", "url": None}]},
)

CONTRACT_FIELDS = {
    "incident_id",
    "entity",
    "status",
    "severity",
    "window_start",
    "window_end",
    "detected_at",
    "volume",
    "baseline",
    "score",
    "negative_share",
    "mean_compound",
    "drivers",
    "drill",
}


def test_json_has_the_contract_fields_and_round_trips() -> None:
    data = orjson.loads(ALERT.to_json())
    assert set(data) == CONTRACT_FIELDS
    assert data["drill"] is False
    assert Alert.from_dict(data) == ALERT


def test_timeline_line() -> None:
    line = ALERT.timeline_line()
    assert line.startswith("2026-03-06T07:46:30Z  TRIGGERED critical skyway")
    assert "volume=10 expected=0.5 (x20.0)" in line
    assert "negative=80% mean=-0.26" in line
    assert line.endswith("[skyway-20260306T0745Z]")
