"""Replicated topics and state on a 3-broker KRaft cluster (deploy/kafka/kafka.sh, three local
processes on spare ports, a run directory of the test's own; the shared broker is never touched):
one broker is killed (SIGKILL) mid-storm and the alerts, the window counts and the state equal an
uninterrupted run. The cluster and the worker are started with the commands docs/guarantees.md
shows (its example ports replaced by spare ones).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from firestorm.models.engine import Engine
from firestorm.models.pipeline import MentionProcessor
from firestorm.models.records import DecodeError, decode_mention
from firestorm.streams.config import Config
from tests.integration.services import REPO, RUN_DIR, wait_for
from tests.integration.storms import storm_lines, storm_onset
from tests.integration.test_faults import (
    WINDOW_LINE,
    FaultStack,
    alert_diff,
    check_windows,
    committed,
    embedded_alerts,
    first_at,
    send_paced,
    wait_alerts,
)
from tests.integration.worker_process import WorkerProcess

BROKERS = 3
DOC = REPO / "docs" / "guarantees.md"
DOC_PORT = 19092  # the first broker port of the documented example


def documented(program: str, port: int) -> tuple[dict[str, str], list[str]]:
    """The environment and arguments of the docs' example command line running `program`
    (e.g. "kafka.sh up"), with the example's ports moved to `port` and the ones after it."""
    for line in DOC.read_text().splitlines():
        if not line.startswith("    FIRESTORM_") or program not in line:
            continue
        moved = re.sub(r"\b1909(\d)\b", lambda m: str(port + int(m.group(1)) - DOC_PORT % 10), line.strip())
        words = shlex.split(moved)
        env = {}
        while words and re.match(r"^[A-Z_]+=", words[0]):
            name, value = words.pop(0).split("=", 1)
            env[name] = value
        return env, words
    raise AssertionError(f"docs/guarantees.md shows no command running {program!r}")


def free_port_block(count: int) -> int:
    """A port p such that p .. p+count-1 are all free."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + count >= 65536:
            continue
        ok = True
        for port in range(base, base + count):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError(f"no block of {count} free ports")


class Cluster:
    """`FIRESTORM_KAFKA_BROKERS=3 deploy/kafka/kafka.sh up` on spare ports, jars shared."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.base_port = free_port_block(2 * BROKERS)  # the brokers, then their controllers (kafka.sh's default)
        libs = RUN_DIR / "kafka" / "libs"
        (run_dir / "kafka").mkdir(parents=True)
        if libs.is_dir():  # reuse the fetched jars (kafka.sh would fetch them again otherwise)
            (run_dir / "kafka" / "libs").symlink_to(libs)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("FIRESTORM_KAFKA_")},
            "FIRESTORM_RUN_DIR": str(run_dir),
            # Small heaps, and the JIT's quick tier only: three JVMs start in a third of the time on a
            # busy 2-core machine (measured: 21 s instead of 50-70 s), fast enough for a test's load.
            "FIRESTORM_KAFKA_HEAP_OPTS": "-Xms128m -Xmx256m -XX:TieredStopAtLevel=1",
            "FIRESTORM_KAFKA_STOP_TIMEOUT": "8",  # its data is thrown away: no need for a clean stop
            "FIRESTORM_KAFKA_WAIT_TIMEOUT": "150",
        }

    @property
    def ports(self) -> list[int]:
        return [self.base_port + i for i in range(BROKERS)]

    def run(self, command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`kafka.sh <command>` as the docs show it."""
        env, argv = documented(f"kafka.sh {command}", self.base_port)
        assert argv == ["deploy/kafka/kafka.sh", command] and env["FIRESTORM_KAFKA_BROKERS"] == str(BROKERS)
        return subprocess.run(
            [str(REPO / argv[0]), *argv[1:]],
            env={**self.env, **env},
            check=check,
            timeout=300,
            capture_output=True,
            text=True,
        )

    def pid(self, node: int) -> int:
        return int((self.run_dir / "kafka" / f"node-{node}" / "kafka.pid").read_text())


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path / "cluster-run")
    try:
        started = cluster.run("up", check=False)
        assert started.returncode == 0, started.stdout + started.stderr
        yield cluster
    finally:
        stopped = cluster.run("down", check=False)
        shutil.rmtree(cluster.run_dir / "kafka", ignore_errors=True)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr


@dataclass
class ClusterStack(FaultStack):
    ports: list[int] = field(default_factory=list)

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def env(self) -> dict[str, str]:
        # The docs' `firestorm worker` line: the three brokers, FIRESTORM_MIN_INSYNC_REPLICAS=2, and
        # FIRESTORM_REPLICATION_FACTOR left unset (the cluster's default.replication.factor, 3).
        env, argv = documented("firestorm worker", self.ports[0])
        assert argv == ["firestorm", "worker"] and "FIRESTORM_REPLICATION_FACTOR" not in env
        assert env["FIRESTORM_BROKER"] == ";".join(f"kafka://127.0.0.1:{port}" for port in self.ports)
        return {**super().env(), **env}

    @property
    def changelogs(self) -> list[str]:
        app_id = f"firestorm-test-{self.tag}"
        return [f"{app_id}-firestorm-entities-changelog", f"{app_id}-firestorm-clocks-changelog"]


def leaders(stack: ClusterStack, topics: list[str]) -> dict[tuple[str, int], int]:
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap)
    try:
        return {
            (topic["name"], part["partition_index"]): part["leader_id"]
            for topic in admin.describe_topics(topics)
            for part in topic["partitions"]
        }
    finally:
        admin.close()


def replication_of(stack: ClusterStack, topics: list[str]) -> dict[str, tuple[set[int], str]]:
    """Per topic: the replica counts of its partitions and its min.insync.replicas."""
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap)
    try:
        replicas = {
            t["name"]: {len(p["replica_nodes"]) for p in t["partitions"]} for t in admin.describe_topics(topics)
        }
        resources = [ConfigResource(ConfigResourceType.TOPIC, t, {"min.insync.replicas": None}) for t in topics]
        configs = admin.describe_configs(resources, config_filter="all")["topic"]
        return {t: (replicas[t], configs[t]["min.insync.replicas"]["value"]) for t in topics}
    finally:
        admin.close()


def uninterrupted_state(lines: list[bytes], partition_of: dict[str, int]) -> dict[str, dict[str, object]]:
    """Each entity's state after its partition's mentions went through one engine in order, as an
    uninterrupted worker keeps it (no end-of-input close: the worker never sees one)."""
    settings = Config().engine_settings()
    processor = MentionProcessor()
    engines: dict[int, Engine] = {}
    for raw in lines:
        try:
            entity = decode_mention(raw).entity
        except DecodeError:
            continue
        partition = partition_of[entity]
        engine = engines.setdefault(partition, Engine(settings))
        processor.process(engine, raw)
    return {e: engine.entities[e].to_dict() for engine in engines.values() for e in engine.entities}


def test_one_broker_of_three_killed_mid_storm_loses_nothing(
    cluster: Cluster, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    stack = ClusterStack(tmp=tmp_path, ports=cluster.ports)
    stack.metrics_port = free_port_block(1)
    lines = storm_lines(entity="acme", quiet_entity="calm", storm_minutes=20, seed=61)
    expected = embedded_alerts(lines)
    assert expected[0]["status"] == "triggered" and expected[-1]["status"] == "resolved"
    cut = first_at(lines, storm_onset() + timedelta(minutes=8))

    stack.produce(lines[:cut])
    worker = WorkerProcess(stack, name="worker")
    workers.append(worker)
    wait_alerts(stack, 1, [worker], 90)
    topics = [stack.mentions, stack.alerts, stack.dlq, stack.control, *stack.changelogs]
    for topic, (replicas, min_isr) in replication_of(stack, topics).items():
        assert replicas == {BROKERS} and min_isr == "2", f"{topic}: replicas {replicas}, min.insync.replicas {min_isr}"

    # The rest of the storm streams in; the broker leading most of acme's partitions is killed meanwhile.
    acme = next(int(p) for e, _s, _c, p in WINDOW_LINE.findall(worker.log_path.read_text()) if e == "acme")
    led = leaders(stack, [stack.mentions, stack.alerts, *stack.changelogs])
    votes = [led[(topic, acme)] for topic in (stack.mentions, stack.alerts, *stack.changelogs)]
    victim = max(set(votes), key=votes.count)
    sender = send_paced(stack, lines[cut:], per_second=150)
    wait_for(lambda: (stack.metric("firestorm_mentions_consumed_total") or 0) >= cut + 120, 60, 0.2, "mid-stream")
    os.kill(cluster.pid(victim), signal.SIGKILL)
    killed_at = time.monotonic()
    sender.join(timeout=120)
    assert not sender.is_alive(), "the producer did not deliver the storm with a broker down"

    seen = wait_alerts(stack, len(expected), [worker], 120)
    wait_for(lambda: committed(stack) == len(lines), 60, 1.0, "the worker to commit every mention")
    worker.assert_running()
    check_windows(lines, worker)
    assert seen == expected, (
        f"with a broker killed, the alerts differ from an uninterrupted run:\n{alert_diff(seen, expected)}"
    )

    partition_of = {e: int(p) for e, _s, _c, p in WINDOW_LINE.findall(worker.log_path.read_text())}
    state: dict[str, dict[str, object]] = {}
    for key, value, _headers in stack.read_topic(stack.changelogs[0]):
        state[(key or b"").decode()] = orjson.loads(value)["s"]
    assert state == uninterrupted_state(lines, partition_of), "the state on the changelog differs"
    assert time.monotonic() - killed_at < 150
    assert worker.stop() == 0, worker.log_tail()
