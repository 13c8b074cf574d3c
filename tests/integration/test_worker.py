"""The Faust worker on the real broker: alerts, dead letters, restarts, and parity with replay."""

from __future__ import annotations

from datetime import timedelta

import orjson
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from firestorm.models.engine import EngineSettings
from firestorm.streams.drills.replay import replay
from firestorm.streams.kafka.app import CLOCK_TABLE, ENTITY_TABLE
from firestorm.streams.kafka.changelog import changelog_topic_config
from tests.integration.services import (
    free_port,
    prometheus_query,
    register_scrape_target,
    wait_for,
)
from tests.integration.storms import BAD_LINES, storm_lines, storm_onset
from tests.integration.worker_process import Stack, WorkerProcess


def embedded_alerts(lines: list[bytes]) -> list[dict[str, object]]:
    """What the embedded engine says about the same lines: the reference for the worker."""
    result = replay(enumerate(lines, 1), EngineSettings())
    return [a.to_dict() for a in result.alerts]


def wait_for_alerts(
    stack: Stack, worker: WorkerProcess, count: int, timeout_s: float = 120.0
) -> list[dict[str, object]]:
    def enough() -> list[dict[str, object]] | None:
        worker.assert_running()
        seen = stack.alerts_seen()
        return seen if len(seen) >= count else None

    try:
        return wait_for(enough, timeout_s, interval_s=1.0, what=f"{count} alerts on {stack.alerts}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker log ---\n{worker.log_tail()}") from None


def test_worker_alerts_dead_letters_and_matches_replay(stack: Stack, workers: list[WorkerProcess]) -> None:
    lines = storm_lines(entity="acme", quiet_entity="calm", with_bad_lines=True)
    expected = embedded_alerts(lines)
    assert [a["status"] for a in expected] == ["triggered", "resolved"]

    stack.produce(lines)
    worker = WorkerProcess(stack)
    workers.append(worker)
    seen = wait_for_alerts(stack, worker, len(expected))

    assert [(a["entity"], a["status"]) for a in seen] == [("acme", "triggered"), ("acme", "resolved")]
    assert seen[0]["incident_id"] == seen[1]["incident_id"]
    assert seen[0]["severity"] in ("warning", "critical")
    assert not [a for a in seen if a["entity"] == "calm"]
    assert seen == expected, "the Kafka path and the embedded replay disagree"

    dead = wait_for(
        lambda: (d := stack.read_topic(stack.dlq)) and len(d) >= len(BAD_LINES) and d,
        30,
        what="dead letters",
    )
    reasons = sorted(orjson.loads(value)["reason"] for _k, value, _h in dead)
    assert reasons == sorted(reason for _raw, reason in BAD_LINES)
    for _key, value, headers in dead:
        envelope = orjson.loads(value)
        assert headers["firestorm-dlq-reason"].decode() == envelope["reason"]
        assert envelope["detail"] and envelope["topic"] == stack.mentions
        assert envelope["payload_b64"]


def changelog_configs(stack: Stack) -> dict[str, dict[str, str]]:
    """The tables' changelog topics' configs, as the broker describes them."""
    app_id = stack.env()["FIRESTORM_APP_ID"]
    topics = [f"{app_id}-{table}-changelog" for table in (ENTITY_TABLE, CLOCK_TABLE)]
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap)
    try:
        found = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t) for t in topics])["topic"]
    finally:
        admin.close()
    return {t: {k: v["value"] for k, v in found[t].items()} for t in topics}


def test_restarted_worker_resumes_windows_and_open_incident(stack: Stack, workers: list[WorkerProcess]) -> None:
    lines = storm_lines(entity="acme", quiet_entity="calm", storm_minutes=20, seed=11)
    expected = embedded_alerts(lines)
    assert expected[0]["status"] == "triggered" and expected[-1]["status"] == "resolved"
    # Stop in the middle of the burst: after the trigger, with windows still open and counting.
    trigger_end = str(expected[0]["window_end"])
    cut = next(i for i, raw in enumerate(lines) if orjson.loads(raw)["ts"] > trigger_end.replace("Z", "") + "Z") + 60
    first, rest = lines[:cut], lines[cut:]

    stack.produce(first)
    worker = WorkerProcess(stack, name="worker-1")
    workers.append(worker)
    before = wait_for_alerts(stack, worker, 1)
    assert before[0] == expected[0]
    assert worker.stop() == 0, worker.log_tail()

    stack.produce(rest)
    again = WorkerProcess(stack, name="worker-2")
    workers.append(again)
    seen = wait_for_alerts(stack, again, len(expected))
    log = again.log_path.read_text()
    assert "resumed" in log and "entities" in log
    # Records fetched while Faust recovered the tables were refetched by the intake, not left as
    # a hole for the offset guard to read back (it had to read back 742 records before the fix).
    assert "never reached the worker" not in log
    # Same incident id from trigger to resolve, no second incident, same volumes as one uninterrupted run.
    assert len({a["incident_id"] for a in seen}) == 1
    assert seen == expected
    # The changelogs it recovered from are compacted, with segments that roll and an eager cleaner.
    for topic, config in changelog_configs(stack).items():
        assert config["cleanup.policy"] == "compact", topic
        assert {k: config[k] for k in changelog_topic_config()} == changelog_topic_config(), topic


def test_worker_metrics_scraped_by_prometheus(stack: Stack, workers: list[WorkerProcess], prometheus: int) -> None:
    stack.metrics_port = free_port()
    lines = storm_lines(entity="acme", quiet_entity="calm", with_bad_lines=True, seed=3)
    stack.produce(lines)
    worker = WorkerProcess(stack)
    workers.append(worker)
    wait_for_alerts(stack, worker, 2)
    target = register_scrape_target(f"worker-{stack.tag}", stack.metrics_port)
    try:
        selector = f'test="worker-{stack.tag}"'

        def scraped(query: str) -> list[dict[str, object]]:
            return prometheus_query(query)

        consumed = wait_for(
            lambda: scraped(f"firestorm_mentions_consumed_total{{{selector}}}"), 30, what="a scrape of the worker"
        )
        assert float(consumed[0]["value"][1]) == len(lines)  # type: ignore[index]
        dead = scraped(f"sum(firestorm_dead_letters_total{{{selector}}})")
        assert float(dead[0]["value"][1]) == len(BAD_LINES)  # type: ignore[index]
        alerts = scraped(f'firestorm_alerts_total{{{selector},status="triggered"}}')
        assert sum(float(r["value"][1]) for r in alerts) == 1  # type: ignore[index]
        expected = scraped(f'firestorm_entity_expected_mentions{{{selector},entity="calm"}}')
        assert 0 < float(expected[0]["value"][1]) < 5  # type: ignore[index]
    finally:
        target.unlink()


def test_planned_mute_on_the_control_topic_silences_the_storm(stack: Stack, workers: list[WorkerProcess]) -> None:
    stack.metrics_port = free_port()
    lines = storm_lines(entity="acme", quiet_entity="calm", seed=5)
    assert [a["status"] for a in embedded_alerts(lines)] == ["triggered", "resolved"]
    onset = storm_onset()
    assert (
        stack.cli(
            "plan",
            "acme",
            "--mute",
            "--name",
            "drill",
            "--start",
            (onset - timedelta(minutes=5)).isoformat(),
            "--end",
            (onset + timedelta(hours=1)).isoformat(),
        )
        == 0
    )
    stack.produce(lines)
    worker = WorkerProcess(stack)
    workers.append(worker)

    def consumed_all() -> bool:
        worker.assert_running()
        return stack.metric("firestorm_mentions_consumed_total") == len(lines)

    wait_for(consumed_all, 90, what="the worker to consume every mention")
    stack.wait_committed()  # the last batch is committed only once its alerts are on the broker
    assert stack.alerts_seen() == []
