"""bench/perf/same_alerts.py: a version-1 and a version-2 file of the same alerts are the same; a change is not."""

from __future__ import annotations

from pathlib import Path

import orjson

from bench.perf.same_alerts import differences
from tests.paging.alerts import lifecycle


def _as_version_1(event: dict[str, object]) -> dict[str, object]:
    out = {k: v for k, v in event.items() if k not in ("version", "incident_start")}
    drivers = dict(event["drivers"])  # type: ignore[call-overload]
    out["drivers"] = {**{k: v for k, v in drivers.items() if k != "detector"}, **drivers["detector"]}
    return out


def test_the_same_alerts_in_both_versions_compare_equal_and_a_change_is_named(tmp_path: Path) -> None:
    events = [orjson.loads(a.to_json()) for a in lifecycle("acme", opened_minute=3)]
    for event in events:
        event["drivers"]["detector"] = {"detector": "seasonal", "signals": ["volume"]}
    old, new, changed = tmp_path / "old.jsonl", tmp_path / "new.jsonl", tmp_path / "changed.jsonl"
    old.write_bytes(b"".join(orjson.dumps(_as_version_1(e)) + b"\n" for e in events))
    new.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    assert differences(old, new) == []
    events[1]["severity"] = "warning"
    events[2]["drivers"]["detector"]["signals"] = []
    changed.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    found = differences(old, changed)
    assert len(found) == 2 and found[0].startswith("event 2: severity 'critical' -> 'warning'")
    assert found[1].startswith("event 3: drivers.detector")
