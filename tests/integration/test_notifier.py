"""`firestorm notifier` on the real broker, paging the local PagerDuty-compatible server over HTTP:
the incident lifecycle, offsets committed after delivery, dead letters, the rate limit, secrets."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import orjson
import pytest

from firestorm.streams.notifier.hooks import verify_signature
from firestorm.streams.notifier.routing import DEFAULT_RUNBOOK_URL
from tests.integration.services import free_port, wait_for
from tests.integration.worker_process import Stack, WorkerProcess
from tests.paging.harness import (
    NotifierProcess,
    create_topics,
    lifecycle,
    make_alert,
    paging_env,
    produce_alerts,
    read_dead_letters,
    routing_key,
    scrape,
    write_notify_config,
)
from tests.paging.server import PagerDutyServer

HOOK_SECRET = "whsec-" + routing_key("hook")


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyServer]:
    with PagerDutyServer() as server:
        yield server


def start(stack: Stack, workers: list[WorkerProcess], env: dict[str, str], name: str = "notifier") -> NotifierProcess:
    notifier = NotifierProcess(stack, env, name=name)
    workers.append(notifier)  # the suite's fixture stops it at the end of the test
    return notifier


def test_trigger_escalate_resolve_is_one_incident(
    stack: Stack, workers: list[WorkerProcess], pagerduty: PagerDutyServer
) -> None:
    prod, drill = routing_key("prod"), routing_key("drill")
    slack_url = f"{pagerduty.url}/slack/comms-{routing_key('slacktoken')}"
    config = write_notify_config(
        stack.tmp / "notify.toml",
        f"""
grafana_link = "https://grafana.example/d/firestorm?var-entity={{entity}}&from={{from_ms}}&to={{to_ms}}"

[[webhooks]]
name = "audit"
url = "{pagerduty.url}/hooks/audit"
secret = {{ env = "AUDIT_SECRET" }}
min_severity = "info"

[[slack]]
name = "comms"
url = {{ env = "SLACK_URL" }}
""",
    )
    create_topics(stack, stack.alerts)
    produce_alerts(
        stack,
        [
            *lifecycle("acme"),
            make_alert("happyco", severity="info"),  # a positive spike: no page
            make_alert("drillco", severity="critical", drill=True),  # drill key only
        ],
    )
    port = free_port()
    env = paging_env(
        stack,
        pagerduty.url,
        prod,
        drill,
        config,
        AUDIT_SECRET=HOOK_SECRET,
        SLACK_URL=slack_url,
        FIRESTORM_NOTIFIER_METRICS_PORT=str(port),
    )
    notifier = start(stack, workers, env)
    pagerduty.wait_for(lambda: len(pagerduty.events()) >= 4, 30, "4 PagerDuty events")
    pagerduty.wait_for(lambda: len(pagerduty.hooks.get("audit", [])) >= 4, 10, "4 webhook posts")

    acme = pagerduty.events("acme-20260105T0830Z")
    assert [e["event_action"] for e in acme] == ["trigger", "trigger", "resolve"]
    assert [e["payload"]["severity"] for e in acme[:2]] == ["warning", "critical"]
    assert {e["routing_key"] for e in acme} == {prod}
    (incident,) = pagerduty.incidents["acme-20260105T0830Z"]
    assert (incident.triggers, incident.status, incident.severities) == (2, "resolved", ["warning", "critical"])
    trigger = acme[0]
    assert trigger["payload"]["summary"].startswith("acme: negative spike - 40 mentions in 1m vs 2.0 expected (x20.0)")
    assert trigger["links"][0]["href"].startswith("https://grafana.example/d/firestorm?var-entity=acme&from=")
    assert trigger["links"][1] == {"href": DEFAULT_RUNBOOK_URL, "text": "Runbook: you were paged by firestorm"}
    assert trigger["payload"]["custom_details"]["top_terms"] == "outage (12), refund (7)"

    (drilled,) = pagerduty.events("drillco-20260105T0830Z")
    assert drilled["routing_key"] == drill and drilled["payload"]["summary"].startswith("[DRILL] ")
    assert not pagerduty.events("happyco-20260105T0830Z")
    assert pagerduty.incident_count() == 2

    posts = pagerduty.hooks["audit"]
    assert sorted(p.json()["alert"]["entity"] for p in posts) == ["acme", "acme", "acme", "happyco"]
    for post in posts:
        assert verify_signature(HOOK_SECRET.encode(), post.body, post.headers["x-firestorm-signature-256"])
    slack = wait_for(lambda: [r for name, rs in pagerduty.hooks.items() if name.startswith("comms") for r in rs], 10)
    assert len(slack) == 3 and slack[0].json()["text"].startswith(":warning: acme: negative spike")

    metrics = wait_for(
        lambda: (
            (m := scrape(port))
            and m.get('firestorm_notifier_events_sent_total{action="resolve",sink="pagerduty"}') == 1
            and m
        ),
        10,
    )
    assert metrics['firestorm_notifier_events_sent_total{action="trigger",sink="pagerduty"}'] == 3
    assert metrics['firestorm_notifier_alerts_skipped_total{reason="below_threshold",sink="pagerduty"}'] == 1
    assert metrics["firestorm_notifier_alerts_consumed_total"] == 5
    assert metrics["firestorm_notifier_queue_depth"] == 0
    assert metrics['firestorm_notifier_delivery_latency_seconds_count{sink="pagerduty"}'] == 4

    # Offsets were committed once delivered: a restarted notifier sends nothing again.
    assert notifier.stop(signal.SIGTERM) == 0
    seen = len(pagerduty.requests)
    again = start(stack, workers, {**env, "FIRESTORM_NOTIFIER_METRICS_PORT": "0"}, name="notifier-2")
    wait_for(lambda: "assigned alerts-" in again.log_text(), 20, 0.2, "the second notifier to join")
    time.sleep(1.5)
    assert len(pagerduty.requests) == seen


def test_rejected_events_go_to_the_dead_letter_topic(
    stack: Stack, workers: list[WorkerProcess], pagerduty: PagerDutyServer
) -> None:
    prod, bad_key = routing_key("prod"), routing_key("bad")[:31]  # PagerDuty wants 32 characters
    config = write_notify_config(
        stack.tmp / "notify.toml",
        """
[routing_keys]
broken = { env = "PD_KEY_BROKEN" }

[entities.brokenco]
routing_key = "broken"
""",
    )
    create_topics(stack, stack.alerts)
    produce_alerts(stack, [make_alert("brokenco"), *lifecycle("acme")], raw=[b"this is not an alert"])
    start(stack, workers, paging_env(stack, pagerduty.url, prod, None, config, PD_KEY_BROKEN=bad_key))

    dead = wait_for(lambda: len(d := read_dead_letters(stack)) >= 2 and d, 30, 0.3, what="2 dead letters")
    by_reason = {headers["firestorm-dlq-reason"].decode(): orjson.loads(value) for _key, value, headers in dead}
    assert set(by_reason) == {"rejected", "bad_alert"}
    rejected = by_reason["rejected"]
    (failure,) = rejected["failures"]
    assert failure["http_status"] == 400 and failure["sink"] == "pagerduty" and failure["destination"] == "broken"
    assert failure["error"]["errors"] == ["Length of 'routing_key' is incorrect (should be 32 characters)"]
    assert failure["attempts"] == 1  # a 400 is not retried
    assert failure["event"]["dedup_key"] == "brokenco-20260105T0830Z"
    assert rejected["alert"]["entity"] == "brokenco" and rejected["topic"] == stack.alerts
    assert "not JSON" in by_reason["bad_alert"]["detail"]
    assert by_reason["bad_alert"]["payload"] == "this is not an alert"
    raw = b"".join(value for _k, value, _h in dead)
    assert bad_key.encode() not in raw and prod.encode() not in raw

    # the rest is delivered: a rejected event blocks nobody
    pagerduty.wait_for(lambda: len(pagerduty.events("acme-20260105T0830Z")) == 3, 20, "acme's lifecycle")
    assert pagerduty.incident_count() == 1


def test_rate_limit_per_routing_key_is_respected(stack: Stack, workers: list[WorkerProcess]) -> None:
    limit, window = 5, 1.0
    config = write_notify_config(
        stack.tmp / "notify.toml", f'[delivery]\nrate_limit = {limit}\nrate_window = "{window}s"\n'
    )
    create_topics(stack, stack.alerts)
    produce_alerts(stack, [make_alert(f"brand{n:02d}", severity="critical") for n in range(16)])
    with PagerDutyServer(rate_limit=limit, rate_window_s=window) as pagerduty:
        start(stack, workers, paging_env(stack, pagerduty.url, routing_key("prod"), None, config))
        pagerduty.wait_for(lambda: len(pagerduty.events()) == 16, 30, "16 events")
        times = sorted(r.at for r in pagerduty.accepted)
        statuses = pagerduty.statuses()
    assert 429 not in statuses, "the notifier went over PagerDuty's rate limit"
    assert all(times[i + limit] - times[i] > window for i in range(len(times) - limit))
    assert times[-1] - times[0] >= 2 * window  # 16 events at 5 per second take three windows


def test_secrets_never_appear_in_logs(stack: Stack, workers: list[WorkerProcess], pagerduty: PagerDutyServer) -> None:
    prod, drill, group_key = routing_key("prod"), routing_key("drill"), routing_key("grp")
    slack_url = f"{pagerduty.url}/slack/T0/B0/{routing_key('slacktoken')}"
    key_file = stack.tmp / "group.key"
    key_file.write_text(group_key + "\n")
    config = write_notify_config(
        stack.tmp / "notify.toml",
        f"""
[routing_keys]
airlines = {{ file = "{key_file}" }}

[groups.airlines]
entities = ["skyway"]
routing_key = "airlines"

[[webhooks]]
name = "audit"
url = "{pagerduty.url}/hooks/audit"
secret = {{ env = "AUDIT_SECRET" }}

[[slack]]
name = "comms"
url = {{ env = "SLACK_URL" }}

[delivery]
backoff_initial = "50ms"
backoff_max = "200ms"
""",
    )
    secrets = {"prod": prod, "drill": drill, "group": group_key, "webhook": HOOK_SECRET, "slack": slack_url}
    create_topics(stack, stack.alerts)
    # failures of every kind, so error paths log too: 5xx, dropped connections, a 400
    pagerduty.fail_next(2, 500)
    pagerduty.fail_next(1, "drop")
    pagerduty.fail_next(2, 503, path="/slack/")
    pagerduty.fail_next(1, "drop", path="/hooks/")
    pagerduty.fail_next(1, 400, path="/hooks/")  # rejected: dead-lettered, logged as an error
    produce_alerts(stack, [*lifecycle("skyway"), *lifecycle("acme"), make_alert("drillco", drill=True)])
    produce_alerts(stack, [make_alert("x" * 2000)])  # a summary to cut, a long dedup key
    env = paging_env(stack, pagerduty.url, None, drill, config, AUDIT_SECRET=HOOK_SECRET, SLACK_URL=slack_url)
    key_env_file = stack.tmp / "prod.key"
    key_env_file.write_text(prod)
    env["FIRESTORM_PAGERDUTY_ROUTING_KEY_FILE"] = str(key_env_file)
    notifier = start(stack, workers, env)
    pagerduty.wait_for(lambda: len(pagerduty.events()) >= 8, 30, "every PagerDuty event")
    pagerduty.wait_for(lambda: sum(len(v) for v in pagerduty.hooks.values()) >= 3 + 7 + 2, 20, "hook posts")
    used = {e["routing_key"] for e in pagerduty.events()}
    assert used == {prod, drill, group_key}  # the keys really were used...
    assert notifier.stop(signal.SIGTERM) == 0
    log = notifier.log_text()
    assert "delivered" in log and "retrying" in log and "rejected" in log  # the error paths ran
    assert " DEBUG " in log and len(log) > 10_000  # with the most talkative logs
    dead = b"".join(value for _k, value, _h in read_dead_letters(stack))
    assert b'"http_status":400' in dead
    token = slack_url.rsplit("/", 1)[1]
    for name, value in [*secrets.items(), ("slack token", token)]:
        assert value not in log, f"the {name} secret leaked into the notifier log"  # ...and never logged
        assert value.encode() not in dead, f"the {name} secret leaked into the dead-letter topic"
