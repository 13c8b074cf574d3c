"""`replay --plan FILE` rehearses a `firestorm plan` (an uplift, a mute) without Kafka: the
planned events go to the engine's calendar, so the replayed alerts change as the worker's would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from firestorm.models.timeutil import iso_utc
from firestorm.streams.cli import EXIT_ERROR, EXIT_OK
from tests.streams.drills.conftest import MINUTE, ONSET, run_cli, to_jsonl

Write = Callable[[str, bytes], Path]
SEVERITY = ["info", "warning", "critical"]


def alerts_of(write: Write, incident: list[dict[str, Any]], *plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The alert events of the synthetic incident replayed with these planned events (none: no --plan)."""
    data = write("incident.jsonl", to_jsonl(incident))
    out = data.with_suffix(".alerts.jsonl")
    argv = ["replay", str(data), "-q", "--no-progress", "--alerts-out", str(out)]
    if plan:
        argv += ["--plan", str(write("plan.jsonl", b"".join(orjson.dumps(p) + b"\n" for p in plan)))]
    code, _out, err = run_cli(*argv)
    assert code == EXIT_OK, err
    return [json.loads(line) for line in out.read_text().splitlines()]


def storm_plan(**fields: Any) -> dict[str, Any]:
    """A planned event over acme's storm (an hour before to an hour after)."""
    return {"entity": "acme", "start": iso_utc(ONSET - 60 * MINUTE), "end": iso_utc(ONSET + 60 * MINUTE), **fields}


def test_a_planned_mute_silences_the_replayed_storm(write: Write, incident: list[dict[str, Any]]) -> None:
    plain = alerts_of(write, incident)
    assert [a["status"] for a in plain if a["entity"] == "acme"][:1] == ["triggered"]
    muted = alerts_of(write, incident, storm_plan(mute=True, name="handled by comms"))
    assert [a for a in muted if a["entity"] == "acme"] == []


def test_a_planned_uplift_raises_the_bar(write: Write, incident: list[dict[str, Any]]) -> None:
    """Expecting 200x the normal volume: the storm (30 a minute) is below the expected volume, so it pages
    only for its sentiment (a launch that turns sour still pages), one severity lower."""
    plain = [a for a in alerts_of(write, incident) if a["entity"] == "acme"]
    planned = [a for a in alerts_of(write, incident, storm_plan(uplift=200, name="launch")) if a["entity"] == "acme"]
    assert plain and planned
    first, first_planned = plain[0], planned[0]
    assert first_planned["baseline"] == pytest.approx(200 * first["baseline"], rel=0.02)
    assert first_planned["baseline"] > first_planned["volume"]
    assert first_planned["drivers"]["detector"]["planned"] == {"uplift": 200.0, "muted": False}
    assert SEVERITY.index(first_planned["severity"]) < SEVERITY.index(first["severity"])
    # a plan for another entity changes nothing for acme
    other = [
        a for a in alerts_of(write, incident, {**storm_plan(mute=True), "entity": "calm"}) if a["entity"] == "acme"
    ]
    assert other == plain


def test_the_summary_names_what_was_rehearsed(write: Write, incident: list[dict[str, Any]]) -> None:
    data = write("incident.jsonl", to_jsonl(incident))
    plan = write("plan.json", json.dumps([storm_plan(mute=True, name="handled by comms")]).encode())
    code, _out, err = run_cli("replay", str(data), "-q", "--plan", str(plan))
    assert code == EXIT_OK, err
    start, end = iso_utc(ONSET - 60 * MINUTE), iso_utc(ONSET + 60 * MINUTE)
    assert f"planned event (--plan): acme from {start} to {end}, muted (handled by comms)" in err


def test_a_bad_plan_file_is_one_line(write: Write, incident: list[dict[str, Any]], tmp_path: Path) -> None:
    data = write("incident.jsonl", to_jsonl(incident))
    cases = {
        "missing.json": None,
        "mentions.jsonl": to_jsonl(incident[:2]),
        "backwards.json": json.dumps({**storm_plan(), "end": iso_utc(ONSET - 120 * MINUTE)}).encode(),
        "uplift.json": json.dumps(storm_plan(uplift="lots")).encode(),
        "binary.bin": bytes(range(256)),
    }
    for name, content in cases.items():
        path = tmp_path / name if content is None else write(name, content)
        code, _out, err = run_cli("replay", str(data), "-q", "--plan", str(path))
        assert code == EXIT_ERROR, (name, err)
        assert err.count("\n") == 1 and err.startswith("firestorm: ") and "--plan" in err, (name, err)
