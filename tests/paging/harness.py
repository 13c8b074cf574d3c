"""Run a real `firestorm notifier` against the test PagerDuty server and the shared broker.

Reuses the integration suite's `Stack` (unique topic names per test) and `WorkerProcess`
(subprocess with a log file, stop / kill); adds alert builders and the paging environment.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from firestorm.models.alerts import Alert
from tests.integration.worker_process import Stack, WorkerProcess
from tests.paging.alerts import T0, lifecycle, make_alert, routing_key

__all__ = ["T0", "NotifierProcess", "lifecycle", "make_alert", "routing_key"]


def create_topics(stack: Stack, *names: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap, request_timeout_ms=30000)
    try:
        for name in names:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([NewTopic(name, stack.partitions, 1)], timeout_ms=30000)
    finally:
        admin.close()


def produce_alerts(stack: Stack, alerts: list[Alert], raw: list[bytes] | None = None) -> None:
    """Alert events onto the stack's alerts topic, keyed by entity like the worker does."""
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    try:
        for alert in alerts:
            producer.send(stack.alerts, key=alert.entity.encode(), value=alert.to_json())
        for value in raw or []:
            producer.send(stack.alerts, key=b"broken", value=value)
        producer.flush()
    finally:
        producer.close()


def write_notify_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


class NotifierProcess(WorkerProcess):
    """`firestorm notifier` as a subprocess; stop / kill / logs as for a worker."""

    def __init__(self, stack: Stack, env: dict[str, str], name: str = "notifier") -> None:
        self.stack = stack
        self.log_path = stack.tmp / f"{name}.log"
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "firestorm.streams.cli", "notifier"],
            env={**stack.env(), **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=str(stack.tmp),
        )

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def paging_env(
    stack: Stack,
    pagerduty_url: str,
    key: str | None = None,
    drill_key: str | None = None,
    notify_config: Path | None = None,
    **extra: str,
) -> dict[str, str]:
    env = {
        "FIRESTORM_PAGERDUTY_URL": pagerduty_url,
        "FIRESTORM_NOTIFIER_OFFSET_RESET": "earliest",
        "FIRESTORM_NOTIFIER_METRICS_PORT": "0",
        "FIRESTORM_LOG_LEVEL": "debug",  # the most talkative logs: the secrets test greps them
    }
    if key is not None:
        env["FIRESTORM_PAGERDUTY_ROUTING_KEY"] = key
    if drill_key is not None:
        env["FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY"] = drill_key
    if notify_config is not None:
        env["FIRESTORM_NOTIFY_CONFIG"] = str(notify_config)
    env.update(extra)
    return env


def notifier_dlq(stack: Stack) -> str:
    return f"{stack.alerts}.notifier-dlq"


def scrape(port: int) -> dict[str, float]:
    """The notifier's /metrics as {'name{labels}': value}."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def read_dead_letters(stack: Stack) -> list[tuple[bytes | None, bytes, dict[str, bytes]]]:
    """The notifier dead-letter topic so far ([] until the notifier has created it)."""
    try:
        return stack.read_topic(notifier_dlq(stack), idle_s=0.5)
    except ValueError:  # no partitions yet: the topic does not exist
        return []
