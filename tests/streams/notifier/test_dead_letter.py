"""The notifier's dead-letter envelope (`<alerts>.notifier-dlq`) and its published schema."""

from __future__ import annotations

from types import SimpleNamespace

import jsonschema
import orjson

from firestorm.streams.notifier.dead_letter import dead_letter_value
from firestorm.streams.notifier.delivery import Job, Result
from firestorm.streams.notifier.pagerduty import pagerduty_event
from firestorm.streams.schemas import schemas
from tests.paging.alerts import make_alert


class _Sink:
    name = "pagerduty"


def _rejected() -> tuple[bytes, dict[str, object]]:
    alert = make_alert()
    record = SimpleNamespace(value=alert.to_json(), topic="alerts", partition=1, offset=42, key=b"acme")
    job = Job(_Sink(), "default", alert.incident_id, "trigger", pagerduty_event(alert), "label")  # type: ignore[arg-type]
    job.attempts = 1
    error = {"status": "invalid event", "message": "Event object is invalid", "errors": ["bad"]}
    value = dead_letter_value("rejected", record, alert, [(job, Result("reject", "rejected", 400, error))])
    return value, error


def test_dead_letter_envelope_has_the_error_and_the_event_but_no_routing_key() -> None:
    value, error = _rejected()
    envelope = orjson.loads(value)
    alert = make_alert()
    assert envelope["reason"] == "rejected" and envelope["detail"] is None
    assert (envelope["topic"], envelope["partition"], envelope["offset"]) == ("alerts", 1, 42)
    failure = envelope["failures"][0]
    assert failure["error"] == error and failure["http_status"] == 400 and failure["destination"] == "default"
    assert failure["event"]["dedup_key"] == alert.incident_id
    assert "routing_key" not in failure["event"]
    assert envelope["alert"] == orjson.loads(alert.to_json())
    assert orjson.loads(envelope["payload"]) == orjson.loads(alert.to_json())


def test_every_envelope_fits_the_published_schema() -> None:
    validator = jsonschema.Draft202012Validator(schemas()["notifier-dead-letter"])
    rejected, _ = _rejected()
    not_an_alert = SimpleNamespace(value=b"\xffnot json", topic="alerts", partition=0, offset=7, key=None)
    bad = dead_letter_value("bad_alert", not_an_alert, None, [], "not JSON: unexpected character")
    timed_out = dead_letter_value(
        "retries_exhausted", SimpleNamespace(value=None, topic="a", partition=2, offset=0), None, []
    )
    for value in (rejected, bad, timed_out):
        validator.validate(orjson.loads(value))
    envelope = orjson.loads(bad)
    assert envelope["alert"] is None and envelope["payload"] == "\ufffdnot json"
    assert set(envelope) == set(schemas()["notifier-dead-letter"]["required"])  # the schema names every field
    for field in ("failures", "dead_lettered_at"):
        assert not validator.is_valid({k: v for k, v in envelope.items() if k != field})
    assert not validator.is_valid({**envelope, "offset": "7"})
