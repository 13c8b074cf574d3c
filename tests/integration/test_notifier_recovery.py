"""At-least-once paging without duplicates: a notifier killed mid-delivery, and a PagerDuty outage."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from tests.integration.services import free_port, wait_for
from tests.integration.worker_process import Stack, WorkerProcess
from tests.paging.harness import (
    NotifierProcess,
    create_topics,
    lifecycle,
    paging_env,
    produce_alerts,
    routing_key,
    scrape,
    write_notify_config,
)
from tests.paging.server import PagerDutyServer

FAST_RETRIES = '[delivery]\nbackoff_initial = "100ms"\nbackoff_max = "400ms"\n'


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyServer]:
    with PagerDutyServer() as server:
        yield server


def test_killed_mid_delivery_then_restarted_opens_no_second_incident(
    stack: Stack, workers: list[WorkerProcess], pagerduty: PagerDutyServer
) -> None:
    config = write_notify_config(stack.tmp / "notify.toml", FAST_RETRIES)
    env = paging_env(stack, pagerduty.url, routing_key("prod"), None, config)
    create_topics(stack, stack.alerts)
    produce_alerts(stack, lifecycle("acme"))
    # PagerDuty takes the trigger but answers only much later: the notifier is mid-delivery.
    pagerduty.hold(60)
    first = NotifierProcess(stack, env, name="notifier-1")
    workers.append(first)
    pagerduty.wait_for(lambda: len(pagerduty.events()) == 1, 30, "the trigger to reach PagerDuty")
    time.sleep(0.3)  # nothing else goes out while the trigger waits: the resolve cannot overtake it
    assert [e["event_action"] for e in pagerduty.events()] == ["trigger"]
    first.stop(signal.SIGKILL)
    pagerduty.release()

    second = NotifierProcess(stack, env, name="notifier-2")
    workers.append(second)
    pagerduty.wait_for(lambda: len(pagerduty.events()) == 4, 45, "the redelivered lifecycle")

    events = pagerduty.events("acme-20260105T0830Z")
    # The trigger went out twice (at-least-once), the dedup_key made it one incident.
    assert [e["event_action"] for e in events] == ["trigger", "trigger", "trigger", "resolve"]
    assert events[0] == events[1]
    (incident,) = pagerduty.incidents["acme-20260105T0830Z"]
    assert (incident.triggers, incident.status) == (3, "resolved")
    assert incident.severities == ["warning", "warning", "critical"]
    assert pagerduty.incident_count() == 1
    second.stop(signal.SIGTERM)
    assert "delivered resolved acme-20260105T0830Z" in second.log_text()


def test_backlog_is_delivered_after_an_outage_in_order_per_incident(
    stack: Stack, workers: list[WorkerProcess], pagerduty: PagerDutyServer
) -> None:
    config = write_notify_config(stack.tmp / "notify.toml", FAST_RETRIES)
    port = free_port()
    env = paging_env(stack, pagerduty.url, routing_key("prod"), None, config, FIRESTORM_NOTIFIER_METRICS_PORT=str(port))
    create_topics(stack, stack.alerts)
    entities = ["acme", "skyway", "northbank", "calmco", "bigbrand"]
    pagerduty.outage("drop")  # first connections are cut...
    notifier = NotifierProcess(stack, env)
    workers.append(notifier)
    # ...alerts keep coming in during the outage, incidents interleaved...
    incidents = [lifecycle(entity, opened_minute=n) for n, entity in enumerate(entities)]
    produce_alerts(stack, [step for steps in zip(*incidents, strict=True) for step in steps])
    pagerduty.wait_for(lambda: pagerduty.statuses().count("drop") >= 5, 20, "retries during the outage")
    pagerduty.outage(503)  # ...then PagerDuty answers, with errors...
    pagerduty.wait_for(lambda: pagerduty.statuses().count(503) >= 5, 20, "more retries")
    assert pagerduty.events() == []
    pagerduty.end_outage()  # ...then it is back.
    pagerduty.wait_for(lambda: len(pagerduty.events()) == 15, 30, "the whole backlog")

    for n, entity in enumerate(entities):
        key = f"{entity}-20260105T08{30 + n}Z"
        events = pagerduty.events(key)
        assert [e["event_action"] for e in events] == ["trigger", "trigger", "resolve"], key
        assert [e["payload"]["severity"] for e in events[:2]] == ["warning", "critical"], key
        (incident,) = pagerduty.incidents[key]
        assert incident.status == "resolved"
    assert pagerduty.incident_count() == 5
    metrics = wait_for(lambda: (m := scrape(port)) and m["firestorm_notifier_queue_depth"] == 0 and m, 10)
    retries = sum(v for k, v in metrics.items() if k.startswith("firestorm_notifier_retries_total"))
    assert retries >= 10
    assert metrics['firestorm_notifier_retries_total{reason="network",sink="pagerduty"}'] >= 5
    assert metrics['firestorm_notifier_retries_total{reason="server_error",sink="pagerduty"}'] >= 5
    assert metrics['firestorm_notifier_events_sent_total{action="resolve",sink="pagerduty"}'] == 5


def test_delivered_but_uncommitted_events_are_not_sent_again_after_a_crash(
    stack: Stack, workers: list[WorkerProcess], pagerduty: PagerDutyServer
) -> None:
    """Slack is down, PagerDuty is up: the whole lifecycle reaches PagerDuty, but no offset can be
    committed while Slack has not taken it. A notifier killed then must not re-send the trigger
    after the resolve (that would open a second incident): the delivery ledger remembers."""
    config = write_notify_config(
        stack.tmp / "notify.toml", f'[[slack]]\nname = "comms"\nurl = "{pagerduty.url}/slack/comms"\n\n{FAST_RETRIES}'
    )
    env = paging_env(stack, pagerduty.url, routing_key("prod"), None, config)
    create_topics(stack, stack.alerts)
    pagerduty.outage(503, path="/slack/")
    produce_alerts(stack, lifecycle("acme"))
    first = NotifierProcess(stack, env, name="notifier-1")
    workers.append(first)
    pagerduty.wait_for(lambda: len(pagerduty.events()) == 3, 30, "the lifecycle on PagerDuty")
    pagerduty.wait_for(lambda: pagerduty.statuses().count(503) >= 3, 10, "Slack failing")
    first.stop(signal.SIGKILL)
    pagerduty.end_outage()

    second = NotifierProcess(stack, env, name="notifier-2")
    workers.append(second)
    pagerduty.wait_for(lambda: len(pagerduty.hooks.get("comms", [])) >= 3, 45, "Slack to catch up")
    delivered_to_slack = [r.json()["text"] for r in pagerduty.hooks["comms"]]
    assert [t.split(" ", 1)[0] for t in delivered_to_slack] == [":warning:", ":rotating_light:", ":white_check_mark:"]
    assert [e["event_action"] for e in pagerduty.events()] == ["trigger", "trigger", "resolve"]  # nothing again
    (incident,) = pagerduty.incidents["acme-20260105T0830Z"]
    assert incident.status == "resolved" and pagerduty.incident_count() == 1
    assert second.log_text().count("delivered before a restart, not sent again") == 3
