"""Run `firestorm worker` as a real subprocess, and read what it writes to Kafka."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from kafka import KafkaConsumer, KafkaProducer

from tests.integration.services import KAFKA_PORT


@dataclass
class Stack:
    """Unique topic names and app id, so tests sharing one broker never see each other's data."""

    tmp: Path
    partitions: int = 2
    metrics_port: int = 0
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{KAFKA_PORT}"

    @property
    def mentions(self) -> str:
        return f"mentions-{self.tag}"

    @property
    def alerts(self) -> str:
        return f"alerts-{self.tag}"

    @property
    def dlq(self) -> str:
        return f"{self.mentions}.dlq"

    @property
    def control(self) -> str:
        return f"control-{self.tag}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FIRESTORM_")}
        env.update(
            FIRESTORM_BROKER=f"kafka://{self.bootstrap}",
            FIRESTORM_APP_ID=f"firestorm-test-{self.tag}",
            FIRESTORM_MENTIONS_TOPIC=self.mentions,
            FIRESTORM_ALERTS_TOPIC=self.alerts,
            FIRESTORM_CONTROL_TOPIC=self.control,
            FIRESTORM_PARTITIONS=str(self.partitions),
            FIRESTORM_METRICS_PORT=str(self.metrics_port),
            FIRESTORM_DATA_DIR=str(self.tmp / "worker-data"),
            FIRESTORM_SESSION_TIMEOUT="6s",
            FIRESTORM_BATCH_WAIT="100ms",
        )
        return env

    def cli(self, *argv: str) -> int:
        """Run a `firestorm` command in-process with this stack's environment."""
        from firestorm.streams.cli import main

        saved = dict(os.environ)
        os.environ.update(self.env())
        try:
            return main(list(argv))
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def produce(self, lines: list[bytes]) -> None:
        path = self.tmp / f"produce-{uuid.uuid4().hex[:6]}.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        assert self.cli("produce", str(path)) == 0

    def metric(self, name: str) -> float | None:
        """A sample of the worker's /metrics (summed over labels), or None before it answers."""
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2) as response:
                text = response.read().decode()
        except OSError:
            return None
        values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name)]
        return sum(values) if values else None

    def read_topic(self, topic: str, idle_s: float = 2.0) -> list[tuple[bytes | None, bytes, dict[str, bytes]]]:
        """Everything on `topic` so far: (key, value, headers)."""
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            consumer_timeout_ms=int(idle_s * 1000),
            **self.client_settings(),
        )
        try:
            partitions = consumer.partitions_for_topic(topic) or set()
            from kafka import TopicPartition

            consumer.assign([TopicPartition(topic, p) for p in partitions])
            consumer.seek_to_beginning()
            return [(m.key, m.value, dict(m.headers or [])) for m in consumer]
        finally:
            consumer.close()

    @property
    def group(self) -> str:
        """The workers' consumer group (Faust's app id)."""
        return self.env()["FIRESTORM_APP_ID"]

    def committed_to_end(self, topic: str | None = None, group: str | None = None) -> bool:
        """True once the group's committed offsets reach the end of every partition of `topic`
        (default: the mentions topic). The worker commits a batch only after its alerts, dead
        letters and state are on the broker: past this barrier, nothing more comes of the input."""
        from kafka import KafkaAdminClient, TopicPartition
        from kafka.errors import KafkaError

        topic, group = topic or self.mentions, group or self.group
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, **self.client_settings())
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, **self.client_settings())
        try:
            committed = admin.list_group_offsets(group).get(group, {})
            partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
            ends = consumer.end_offsets(partitions)
        except KafkaError:  # the coordinator is loading, the group is rebalancing: ask again
            return False
        finally:
            consumer.close()
            admin.close()
        if not partitions:
            return False
        return all(end == 0 or (tp in committed and committed[tp].offset >= end) for tp, end in ends.items())

    def wait_committed(self, timeout_s: float = 60.0, topic: str | None = None, group: str | None = None) -> None:
        """Block until `committed_to_end` (a barrier before asserting that nothing else happened)."""
        from tests.integration.services import wait_for

        wait_for(lambda: self.committed_to_end(topic, group), timeout_s, 0.5, f"{self.group} committed to the end")

    def client_settings(self) -> dict[str, Any]:
        """Extra kafka-python settings for the test's own clients (security, in a subclass)."""
        return {}

    def alerts_seen(self) -> list[dict[str, object]]:
        """Alert events on the alerts topic, ordered by (window_end, entity) like the engine emits them."""
        alerts = [orjson.loads(value) for _key, value, _h in self.read_topic(self.alerts, idle_s=1.0)]
        return sorted(alerts, key=lambda a: (a["window_end"], a["entity"], a["detected_at"]))


class WorkerProcess:
    """A `firestorm worker` subprocess with its log in a file the test can show on failure."""

    def __init__(self, stack: Stack, name: str = "worker") -> None:
        self.stack = stack
        self.log_path = stack.tmp / f"{name}.log"
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "firestorm.streams.cli", "worker"],
            env=stack.env(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=str(stack.tmp),
        )

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def assert_running(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(f"worker exited with {self.proc.returncode}:\n{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
        return self.proc.returncode


def producer_for(stack: Stack) -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")


def settle(seconds: float) -> None:
    time.sleep(seconds)
