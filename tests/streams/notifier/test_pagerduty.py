"""The alert -> PagerDuty Events API v2 mapping, checked against the contract the test server enforces."""

from __future__ import annotations

import dataclasses
import urllib.parse
from pathlib import Path

import orjson
import pytest

from firestorm.streams.notifier import render
from firestorm.streams.notifier.pagerduty import DEDUP_KEY_MAX, EVENT_MAX_BYTES, SUMMARY_MAX, dedup_key, pagerduty_event
from firestorm.streams.notifier.routing import DEFAULT_RUNBOOK_URL
from tests.paging.alerts import lifecycle, make_alert, routing_key
from tests.paging.server import validate_event

KEY = routing_key()


def valid(event: dict[str, object]) -> list[str]:
    return validate_event({"routing_key": KEY, **event})


@pytest.mark.parametrize("status", ["triggered", "escalated", "updated"])
def test_open_statuses_trigger_with_the_incident_as_dedup_key(status: str) -> None:
    alert = make_alert(status=status, severity="critical")
    event = pagerduty_event(alert)
    assert event["event_action"] == "trigger"
    assert event["dedup_key"] == alert.incident_id
    assert event["payload"]["severity"] == "critical"
    assert "routing_key" not in event  # the sink adds it when sending, nothing else holds it
    assert valid(event) == []


def test_resolve_carries_only_the_dedup_key() -> None:
    alert = make_alert(status="resolved", severity="critical")
    assert pagerduty_event(alert) == {"event_action": "resolve", "dedup_key": alert.incident_id}
    assert valid(pagerduty_event(alert)) == []


def test_lifecycle_keeps_one_dedup_key_and_updates_severity() -> None:
    events = [pagerduty_event(a) for a in lifecycle("skyway")]
    assert {e["dedup_key"] for e in events} == {"skyway-20260105T0830Z"}
    assert [e["event_action"] for e in events] == ["trigger", "trigger", "resolve"]
    assert [e["payload"]["severity"] for e in events[:2]] == ["warning", "critical"]


def test_payload_fields() -> None:
    event = pagerduty_event(make_alert("skyway"), group="airlines", source="firestorm-prod")
    payload = event["payload"]
    assert payload["source"] == "firestorm-prod/skyway"
    assert payload["component"] == "skyway"
    assert payload["group"] == "airlines"
    assert payload["class"] == "negative spike"
    assert payload["timestamp"] == "2026-01-05T08:31:30Z"
    details = payload["custom_details"]
    assert details["mentions"] == 40 and details["expected"] == 2.0 and details["ratio"] == 20.0
    assert details["top_terms"] == "outage (12), refund (7)"
    assert details["top_authors"] == "newsdesk (120,000 followers)"
    assert details["sample_mentions"] == ["https://example.org/skyway/1", "https://example.org/skyway/2"]
    assert details["group"] == "airlines" and details["drill"] is False


def test_summary_is_one_line_with_entity_ratio_and_sentiment() -> None:
    text = pagerduty_event(make_alert("skyway", severity="critical"))["payload"]["summary"]
    assert text == (
        "skyway: negative spike - 40 mentions in 1m vs 2.0 expected (x20.0), 80% negative, mean sentiment -0.45"
    )
    escalated = render.summary(make_alert("skyway", "escalated", "critical"))
    assert escalated.startswith("skyway: negative spike, escalated to critical - ")
    assert render.summary(make_alert(severity="info")).startswith("acme: mention spike - ")
    assert render.summary(make_alert(drill=True)).startswith("[DRILL] acme: ")
    assert render.summary(make_alert(status="updated")).startswith("acme: negative spike, still growing - ")
    back = render.summary(make_alert(status="updated", reopens=1))
    assert back.startswith("acme: negative spike, back again (same episode) - ")


def test_summary_never_exceeds_1024_characters_nor_spans_lines() -> None:
    alert = make_alert(entity="x" * 3000 + "\nsecond line")
    event = pagerduty_event(alert)
    summary = event["payload"]["summary"]
    assert len(summary) == SUMMARY_MAX and summary.endswith("...") and "\n" not in summary
    assert valid(event) == []


def test_long_incident_ids_get_a_stable_dedup_key_within_255() -> None:
    long_id = "e" * 400 + "-20260105T0830Z"
    assert len(dedup_key(long_id)) <= DEDUP_KEY_MAX
    assert dedup_key(long_id) == dedup_key(long_id) != dedup_key(long_id + "x")
    assert dedup_key("acme-20260105T0830Z") == "acme-20260105T0830Z"
    alert = dataclasses.replace(make_alert(), incident_id=long_id)
    assert valid(pagerduty_event(alert)) == []


def test_links_grafana_over_the_incident_range_and_samples() -> None:
    alert = make_alert("sky way", "escalated", minute=5, opened_minute=0)
    event = pagerduty_event(
        alert, grafana_link="https://grafana.example/d/fs?var-entity={entity}&from={from_ms}&to={to_ms}"
    )
    grafana, runbook, *samples = event["links"]
    assert runbook == {"href": DEFAULT_RUNBOOK_URL, "text": "Runbook: you were paged by firestorm"}
    query = urllib.parse.parse_qs(urllib.parse.urlparse(grafana["href"]).query)
    assert query["var-entity"] == ["sky way"]
    opened_ms = 1_767_601_800_000  # 2026-01-05T08:30Z, the incident's start (from its id)
    window_end_ms = opened_ms + 6 * 60_000
    assert int(query["from"][0]) == opened_ms - 30 * 60_000
    assert int(query["to"][0]) == window_end_ms + 30 * 60_000
    assert event["client_url"] == grafana["href"]
    assert [s["href"] for s in samples] == ["https://example.org/sky way/1", "https://example.org/sky way/2"]
    assert valid(event) == []


def test_no_grafana_template_no_link_and_samples_are_capped_and_http_only() -> None:
    samples = [{"id": f"m{i}", "url": f"https://example.org/{i}"} for i in range(10)]
    samples.insert(0, {"id": "bad", "url": "javascript:alert(1)"})
    alert = make_alert(samples=samples)
    event = pagerduty_event(alert, grafana_link="", runbook_url="", sample_links=3)
    assert [link["href"] for link in event["links"]] == [f"https://example.org/{i}" for i in range(3)]
    assert "client_url" not in event


def test_every_event_links_the_runbook_and_the_url_is_configurable(tmp_path: Path) -> None:
    from firestorm.streams.config import load_config
    from firestorm.streams.notifier.paging import load_paging
    from firestorm.streams.notifier.routing import NotifyConfigError

    event = pagerduty_event(make_alert(), runbook_url="https://wiki.example/firestorm-runbook")
    assert {"href": "https://wiki.example/firestorm-runbook", "text": "Runbook: you were paged by firestorm"} in event[
        "links"
    ]
    assert valid(event) == []
    config = tmp_path / "notify.toml"
    config.write_text('runbook_url = "https://wiki.example/from-toml"\n')
    env = {"FIRESTORM_NOTIFY_CONFIG": str(config)}
    assert load_paging(load_config(env), env).notify.runbook_url == "https://wiki.example/from-toml"
    env["FIRESTORM_RUNBOOK_URL"] = "https://wiki.example/from-env"
    assert load_paging(load_config(env), env).notify.runbook_url == "https://wiki.example/from-env"
    env["FIRESTORM_RUNBOOK_URL"] = "none"
    assert load_paging(load_config(env), env).notify.runbook_url == ""
    env["FIRESTORM_RUNBOOK_URL"] = "wiki/runbook"
    with pytest.raises(NotifyConfigError, match="FIRESTORM_RUNBOOK_URL must be an http"):
        load_paging(load_config(env), env)


def test_unknown_drivers_are_kept_in_custom_details() -> None:
    event = pagerduty_event(make_alert(seasonal_expected=4.5))
    assert event["payload"]["custom_details"]["seasonal_expected"] == 4.5


def test_oversized_details_are_trimmed_under_512_kb() -> None:
    huge = [{"id": str(i), "followers": i} for i in range(60_000)]
    alert = make_alert(top_authors=huge, extra_blob="y" * 600_000)
    event = pagerduty_event(alert)
    size = len(orjson.dumps({"routing_key": KEY, **event}))
    assert size <= EVENT_MAX_BYTES
    assert event["payload"]["custom_details"]["truncated"] is True
    assert event["payload"]["custom_details"]["incident_id"] == alert.incident_id
    assert valid(event) == []
