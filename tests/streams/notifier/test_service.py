"""The notifier loop's pure parts: decoding alert records, commit points."""

from __future__ import annotations

import orjson
import pytest

from firestorm.models.alerts import BadAlert, decode_alert
from firestorm.streams.notifier.service import OffsetTracker
from tests.paging.alerts import make_alert


def test_decode_alert_round_trips_and_ignores_new_fields() -> None:
    alert = make_alert()
    assert decode_alert(alert.to_json()) == alert
    grown = orjson.dumps({**alert.to_dict(), "added_later": 1})
    assert decode_alert(grown) == alert


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"nope", "not JSON"),
        (b"[1]", "not a JSON object"),
        (orjson.dumps({"incident_id": "x"}), "missing fields"),
        (orjson.dumps({**make_alert().to_dict(), "status": "exploded"}), "unknown status"),
        (orjson.dumps({**make_alert().to_dict(), "severity": "meh"}), "unknown severity"),
        (orjson.dumps({**make_alert().to_dict(), "volume": "many"}), "volume must be an integer"),
        (orjson.dumps({**make_alert().to_dict(), "incident_id": ""}), "non-empty"),
    ],
)
def test_decode_alert_refuses_what_is_not_an_alert(raw: bytes, message: str) -> None:
    with pytest.raises(BadAlert, match=message):
        decode_alert(raw)


def test_commit_point_is_the_first_offset_not_final() -> None:
    tracker = OffsetTracker()
    for offset in range(5, 10):
        tracker.add("p0", offset)
    tracker.add("p1", 0)
    assert tracker.positions() == {}  # nothing final yet
    tracker.done("p0", 6)
    tracker.done("p0", 7)
    assert tracker.positions() == {}  # 5 still in delivery: 6 and 7 must wait
    tracker.done("p0", 5)
    assert tracker.positions() == {"p0": 8}
    tracker.committed({"p0": 8})
    assert tracker.positions() == {}
    tracker.done("p1", 0)
    tracker.done("p0", 8)
    tracker.done("p0", 9)
    assert tracker.positions() == {"p0": 10, "p1": 1}
    assert tracker.pending() == 0


def test_forgotten_partitions_ignore_late_completions() -> None:
    tracker = OffsetTracker()
    tracker.add("p0", 1)
    tracker.forget(["p0"])
    tracker.done("p0", 1)
    assert tracker.positions() == {} and tracker.pending() == 0
