from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import jsonschema
import orjson
import pytest

from firestorm.models.alerts import (
    ALERT_VERSION,
    Alert,
    BadAlert,
    Drivers,
    NarrativeSampling,
    NarrativeSummary,
    alert_schema,
    decode_alert,
)
from firestorm.models.engine import Engine, EngineSettings
from firestorm.models.pipeline import MentionProcessor
from firestorm.models.typecheck import conforms

ROOT = Path(__file__).resolve().parents[2]
T = 1_772_783_100_000  # 2026-03-06T07:45:00Z

ALERT = Alert(
    incident_id="skyway-20260306T0745Z",
    entity="skyway",
    status="triggered",
    severity="critical",
    incident_start_ms=T,
    window_start_ms=T,
    window_end_ms=T + 60_000,
    detected_at_ms=T + 90_000,
    volume=10,
    baseline=0.5,
    score=12.3,
    negative_share=0.8,
    mean_compound=-0.26,
    drivers=Drivers(top_terms=[("gate", 4)], samples=[{"id": "x:1", "url": None}], detector={"detector": "seasonal"}),
)

CONTRACT_FIELDS = {
    "version",
    "incident_id",
    "entity",
    "status",
    "severity",
    "incident_start",
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
    assert data["version"] == ALERT_VERSION == 2
    assert data["drill"] is False
    assert data["incident_start"] == data["window_start"] == "2026-03-06T07:45:00Z"
    assert data["detected_at"] == "2026-03-06T07:46:30Z"
    assert data["drivers"]["detector"] == {"detector": "seasonal"}
    assert "narratives" not in data["drivers"] and "reopens" not in data["drivers"]  # absent, not null
    assert decode_alert(ALERT.to_json()) == ALERT
    assert decode_alert(data) == ALERT


def test_a_version_1_event_is_read_with_its_detector_figures_under_detector() -> None:
    """A worker not yet upgraded writes version 1: no version, no incident_start, figures flat."""
    v1 = orjson.loads(ALERT.to_json())
    del v1["version"], v1["incident_start"]
    v1["window_start"] = "2026-03-06T07:47:00Z"
    v1["drivers"] = {"ratio": 20, "top_terms": [["gate", 4]], "detector": "seasonal", "signals": ["volume"]}
    alert = decode_alert(orjson.dumps(v1))
    assert alert.incident_start_ms == alert.window_start_ms == T + 120_000
    assert alert.drivers.ratio == 20.0 and alert.drivers.top_terms == [("gate", 4)]
    assert alert.drivers.detector == {"detector": "seasonal", "signals": ["volume"]}


NARRATIVE: NarrativeSummary = {
    "label": "gate \u00b7 delayed",
    "terms": ["gate", "delayed"],
    "share": 0.62,
    "posts": 140,
    "sampled": 31,
    "negative_share": None,
    "lang": "en",
    "languages": {"en": 30, "fr": 1},
    "start": "2026-03-06T07:41:00Z",
    "reposts": 4,
    "examples": [
        {"why": "most reached", "id": "x:9", "url": None, "text": "gate 12 delayed again", "reach": 900, "lang": "en"}
    ],
    "timeline": [3, 0, 28],
}
SAMPLING: NarrativeSampling = {"sampled": 31, "seen": 140}


def test_narratives_are_typed_records_that_round_trip() -> None:
    full: NarrativeSampling = {
        **SAMPLING,
        "since": "2026-03-06T07:41:00Z",
        "bucket_minutes": 5,
        "bucket_from": "2026-03-06T07:40:00Z",
        "other_share": 0.1,
    }
    for sample in (SAMPLING, full):
        alert = replace(ALERT, drivers=Drivers(narratives=[NARRATIVE], narrative_sample=sample))
        assert decode_alert(alert.to_json()) == alert
        jsonschema.validate(orjson.loads(alert.to_json()), alert_schema())


def test_an_alert_without_narratives_or_with_extra_fields_in_them_decodes_as_before() -> None:
    data = orjson.loads(ALERT.to_json())
    assert "narratives" not in data["drivers"]
    assert decode_alert(data).drivers.narratives is None and decode_alert(data).drivers.narrative_sample is None
    newer = {**NARRATIVE, "mood": "angry", "examples": [{**NARRATIVE["examples"][0], "likes": 3}]}
    data["drivers"] = {**data["drivers"], "narratives": [newer], "narrative_sample": {**SAMPLING, "k": 1}}
    drivers = decode_alert(orjson.dumps(data)).drivers
    assert drivers.narratives == [newer]  # kept as written: the contract may grow
    assert drivers.narrative_sample == {**SAMPLING, "k": 1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 3}, "unknown alert version 3"),
        ({"status": "paused"}, "unknown status 'paused'"),
        ({"severity": "huge"}, "unknown severity 'huge'"),
        ({"detected_at": 1}, "detected_at must be an ISO-8601 string"),
        ({"window_end": "yesterday"}, "window_end: ts is not ISO-8601"),
        ({"volume": "10"}, "volume must be an integer"),
        ({"baseline": True}, "baseline must be a number"),
        ({"drill": 0}, "drill must be a boolean"),
        ({"drivers": []}, "drivers must be an object"),
        ({"drivers": {"top_terms": [["gate"]]}}, "drivers.top_terms has the wrong type"),
        ({"drivers": {"samples": [{"url": "https://x"}]}}, "drivers.samples has the wrong type"),
        ({"drivers": {"narratives": [{"label": "gate"}]}}, "drivers.narratives has the wrong type"),
        ({"drivers": {"narratives": [{**NARRATIVE, "share": "most"}]}}, "drivers.narratives has the wrong type"),
        (
            {"drivers": {"narratives": [{**NARRATIVE, "examples": [{"text": "x"}]}]}},
            "drivers.narratives has the wrong type",
        ),
        ({"drivers": {"narrative_sample": {"sampled": 3}}}, "drivers.narrative_sample has the wrong type"),
        ({"drivers": {"narrative_sample": {**SAMPLING, "since": 0}}}, "drivers.narrative_sample has the wrong type"),
    ],
)
def test_a_broken_event_is_refused_with_its_reason(change: dict[str, object], message: str) -> None:
    data = {**orjson.loads(ALERT.to_json()), **change}
    with pytest.raises(BadAlert, match=message.replace("(", r"\(")):
        decode_alert(orjson.dumps(data))


def test_what_the_engine_writes_fits_the_published_schema() -> None:
    """The schema is the code's (python -m firestorm.models.schema); every sample alert fits it."""
    engine, processor = Engine(EngineSettings()), MentionProcessor()
    closed = []
    for line in (ROOT / "examples" / "skyway-outage-en.jsonl").read_bytes().splitlines():
        closed += processor.process(engine, line).closed
    alerts = [c.alert for c in [*closed, *engine.finish()] if c.alert is not None]
    assert len(alerts) == 4
    validator = jsonschema.Draft202012Validator(alert_schema())
    for alert in alerts:
        validator.validate(orjson.loads(alert.to_json()))
    broken = {**orjson.loads(alerts[0].to_json()), "severity": "huge"}
    assert not validator.is_valid(broken)
    with_narratives = [a for a in alerts if a.drivers.narratives]
    assert with_narratives, "the sample's alerts carry narratives"
    for alert in with_narratives:  # what the engine writes is what the typed records say
        assert all(conforms(n, NarrativeSummary) for n in alert.drivers.narratives or ())
        assert conforms(alert.drivers.narrative_sample, NarrativeSampling)
        assert decode_alert(alert.to_json()) == alert
    opened = {a.incident_id: a.window_start_ms for a in alerts if a.status == "triggered"}
    assert all(a.incident_start_ms == opened[a.incident_id] for a in alerts)  # every event names the start


def test_timeline_line() -> None:
    line = ALERT.timeline_line()
    assert line.startswith("2026-03-06T07:46:30Z  TRIGGERED critical skyway")
    assert "volume=10 expected=0.5 (x20.0)" in line
    assert "negative=80% mean=-0.26" in line
    assert line.endswith("[skyway-20260306T0745Z]")
