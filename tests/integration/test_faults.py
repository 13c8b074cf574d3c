"""Faults on the real broker: a worker killed with SIGKILL mid-storm, a worker of two killed, the broker
stopped for 30 s, an unwritable data directory. Each is bounded in time.

Window counts are checked against the truth computed from the input: workers run with
FIRESTORM_LOG_WINDOWS=1 and log every closed window that had mentions; a window closed twice
(processed again after a crash) must say the same count both times. Alerts are compared after
dedup by (incident_id, status, window), as the notifier and PagerDuty (dedup_key) see them.

The broker-outage test runs its own broker on free ports with its own run directory: the shared
broker on 9092 serves other tests and is never stopped here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import KafkaError

from firestorm.models.engine import EngineSettings
from firestorm.models.records import DecodeError, decode_mention
from firestorm.models.windows import window_start
from firestorm.streams.drills.replay import replay
from tests.integration.services import REPO, RUN_DIR, free_port, wait_for
from tests.integration.storms import storm_lines, storm_onset
from tests.integration.worker_process import Stack, WorkerProcess
from tests.paging.harness import NotifierProcess

SETTINGS = EngineSettings()
WINDOW_LINE = re.compile(r"\bwindow (\S+) (\d+) (\d+) partition (\d+)\s*$", re.MULTILINE)
ALERT_LINE = re.compile(r"\balert \S+\s+\S+\s+\S+\s+(\S+)\s+volume=")

AlertKey = tuple[str, str, str]


@dataclass
class FaultStack(Stack):
    """A Stack whose workers log their closed windows, optionally on a broker of its own."""

    port: int | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def bootstrap(self) -> str:
        return super().bootstrap if self.port is None else f"127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {**super().env(), "FIRESTORM_LOG_WINDOWS": "1", **self.extra_env}


@pytest.fixture
def fstack(kafka: int, tmp_path: Path) -> FaultStack:
    return FaultStack(tmp=tmp_path)


# ---------------------------------------------------------------------------------------------
# truth and what the workers said


def truth(lines: list[bytes]) -> Counter[tuple[str, int]]:
    """Mentions per (entity, window start) in the input: what every closed window must say."""
    counts: Counter[tuple[str, int]] = Counter()
    for raw in lines:
        try:
            mention = decode_mention(raw)
        except DecodeError:
            continue
        counts[(mention.entity, window_start(mention.ts_ms, SETTINGS.window_ms))] += 1
    return counts


def closable(lines: list[bytes], partition_of: dict[str, int]) -> dict[str, int]:
    """Per entity, the boundary below which its partition's own event time closes every window."""
    newest: dict[int, int] = {}
    for raw in lines:
        try:
            mention = decode_mention(raw)
        except DecodeError:
            continue
        partition = partition_of.get(mention.entity, -1)
        newest[partition] = max(newest.get(partition, 0), mention.ts_ms)
    out = {}
    for entity, partition in partition_of.items():
        watermark = newest[partition] - SETTINGS.lateness_ms
        out[entity] = watermark - watermark % SETTINGS.window_ms
    return out


def logged_windows(*workers: WorkerProcess) -> list[tuple[str, int, int, int]]:
    text = "".join(w.log_path.read_text(errors="replace") for w in workers)
    return [(e, int(s), int(c), int(p)) for e, s, c, p in WINDOW_LINE.findall(text)]


def check_windows(lines: list[bytes], *workers: WorkerProcess) -> None:
    """Every window the workers closed has the true count, and every closable window was closed."""
    expected = truth(lines)
    logged = logged_windows(*workers)
    wrong = [(e, s, c, expected[(e, s)]) for e, s, c, _p in logged if c != expected[(e, s)]]
    assert not wrong, f"windows whose count is not the truth (entity, start, logged, truth): {wrong[:10]}"
    partition_of = {e: p for e, _s, _c, p in logged}
    assert set(partition_of) == {e for e, _s in expected}, "an entity's windows were never logged"
    boundary = closable(lines, partition_of)
    closed = {(e, s) for e, s, _c, _p in logged}
    missing = {(e, s) for e, s in expected if s + SETTINGS.window_ms <= boundary[e]} - closed
    assert not missing, f"{len(missing)} windows with mentions were never closed: {sorted(missing)[:10]}"


def dedup(alerts: list[dict[str, object]]) -> list[dict[str, object]]:
    """Alert events as a receiver sees them: one per (incident, status, window), first copy kept."""
    seen: dict[AlertKey, dict[str, object]] = {}
    for alert in alerts:
        key = (str(alert["incident_id"]), str(alert["status"]), str(alert["window_start"]))
        if key in seen:
            assert seen[key] == alert, "a re-sent alert event differs from the first copy"
        seen.setdefault(key, alert)
    return sorted(seen.values(), key=lambda a: (str(a["window_end"]), str(a["entity"]), str(a["detected_at"])))


def first_at(lines: list[bytes], when: datetime) -> int:
    """Index of the first line at or after `when` (the storm lines are sorted by event time)."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return next(i for i, raw in enumerate(lines) if orjson.loads(raw)["ts"] >= stamp)


def alert_diff(seen: list[dict[str, object]], expected: list[dict[str, object]]) -> str:
    """The alerts side by side, in short: what differs, not two pages of JSON."""

    def short(a: dict[str, object]) -> str:
        return f"{a['status']} {a['window_start']} volume={a['volume']} baseline={a['baseline']} score={a['score']}"

    rows = [f"  seen:     {short(a)}" for a in seen] + [f"  expected: {short(a)}" for a in expected]
    return "\n".join(rows)


def embedded_alerts(lines: list[bytes]) -> list[dict[str, object]]:
    return [a.to_dict() for a in replay(enumerate(lines, 1), EngineSettings()).alerts]


def wait_alerts(stack: Stack, count: int, alive: list[WorkerProcess], timeout_s: float) -> list[dict[str, object]]:
    def enough() -> list[dict[str, object]] | None:
        for worker in alive:
            worker.assert_running()
        seen = dedup(stack.alerts_seen())
        return seen if len(seen) >= count else None

    try:
        return wait_for(enough, timeout_s, interval_s=1.0, what=f"{count} distinct alerts on {stack.alerts}")  # type: ignore[no-any-return]
    except AssertionError as exc:
        logs = "\n".join(f"--- {w.log_path.name} ---\n{w.log_tail(40)}" for w in alive)
        raise AssertionError(f"{exc}\n{logs}") from None


def send_paced(stack: Stack, lines: list[bytes], per_second: float) -> threading.Thread:
    """Produce `lines` in the background at a steady rate, retrying through broker outages."""

    def run() -> None:
        producer = KafkaProducer(
            bootstrap_servers=stack.bootstrap, acks="all", linger_ms=5, retries=1_000, retry_backoff_ms=500,
            request_timeout_ms=10_000, delivery_timeout_ms=180_000, max_block_ms=120_000,
        )  # fmt: skip
        try:
            for n, raw in enumerate(lines):
                entity = orjson.loads(raw).get("entity", "").encode() or None
                producer.send(stack.mentions, key=entity, value=raw)
                if n % 20 == 19:
                    time.sleep(20 / per_second)
            producer.flush(timeout=180)
        finally:
            producer.close(timeout=10)

    thread = threading.Thread(target=run, name="paced producer", daemon=True)
    thread.start()
    return thread


def committed(stack: Stack) -> int:
    """Sum of the worker group's committed offsets on the mentions topic."""
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap)
    try:
        offsets = admin.list_group_offsets(f"firestorm-test-{stack.tag}").get(f"firestorm-test-{stack.tag}", {})
        return sum(o.offset for tp, o in offsets.items() if tp.topic == stack.mentions and o.offset > 0)
    except KafkaError:  # the coordinator is loading, the group is rebalancing: ask again
        return -1
    finally:
        admin.close()


def group_members(stack: Stack) -> int:
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap)
    try:
        group = admin.describe_groups([f"firestorm-test-{stack.tag}"])[f"firestorm-test-{stack.tag}"]
        state = str(group.get("group_state") or group.get("state") or "")
        return len(group.get("members") or []) if state.lower() == "stable" else 0
    except KafkaError:
        return 0
    finally:
        admin.close()


# ---------------------------------------------------------------------------------------------
# the faults

# These two once lost a few mentions in about one run in five: Faust drops a record whose delivery
# races with a flow suspension (rebalance, recovery) and may commit past it. The worker now keeps the
# next offset each partition's state expects and reads such holes back from the broker
# (streams/kafka/offsets.py; the two tests after these force a hole and a redelivery on purpose).


def test_sigkill_mid_storm_then_restart_counts_every_window_once(
    fstack: FaultStack, workers: list[WorkerProcess]
) -> None:
    fstack.metrics_port = free_port()
    lines = storm_lines(entity="acme", quiet_entity="calm", storm_minutes=20, seed=13)
    expected = embedded_alerts(lines)
    assert expected[0]["status"] == "triggered" and expected[-1]["status"] == "resolved"
    cut = first_at(lines, storm_onset() + timedelta(minutes=8))

    fstack.produce(lines[:cut])
    first = WorkerProcess(fstack, name="worker-1")
    workers.append(first)
    wait_alerts(fstack, 1, [first], 90)
    # The rest of the storm streams in; the worker is SIGKILLed in the middle of it.
    sender = send_paced(fstack, lines[cut:], per_second=150)
    wait_for(lambda: (fstack.metric("firestorm_mentions_consumed_total") or 0) >= cut + 120, 60, 0.2, "mid-stream")
    first.stop(signal.SIGKILL)
    assert first.proc.returncode == -signal.SIGKILL
    sender.join(timeout=60)

    second = WorkerProcess(fstack, name="worker-2")
    workers.append(second)
    seen = wait_alerts(fstack, len(expected), [second], 120)

    fstack.wait_committed()  # every batch processed and committed: all its windows are logged
    check_windows(lines, first, second)
    assert seen == expected, (
        f"after the kill, the alerts differ from an uninterrupted run:\n{alert_diff(seen, expected)}"
    )
    incidents = {str(a["incident_id"]) for a in seen if a["entity"] == "acme"}
    assert len(incidents) == 1 and not [a for a in seen if a["entity"] == "calm"]
    assert "resumed" in second.log_path.read_text()


def test_two_workers_one_killed_its_partitions_move_to_the_survivor(
    fstack: FaultStack, workers: list[WorkerProcess]
) -> None:
    fstack.partitions = 4
    storm = storm_lines(entity="acme", quiet_entity="calm", storm_minutes=20, seed=21)
    quiet = storm_lines(entity="bolt", quiet_entity="still", storm_minutes=0, seed=22)
    lines = sorted(storm + quiet, key=lambda raw: (orjson.loads(raw)["ts"], orjson.loads(raw)["id"]))
    expected = embedded_alerts(lines)
    assert {a["entity"] for a in expected} == {"acme"}
    cut = first_at(lines, storm_onset() + timedelta(minutes=6))

    # The first hour goes to one worker, which commits an offset in every partition before the second
    # joins: aiokafka does not seek back a partition whose committed offset is missing (or 0), so
    # records fetched while a brand-new group rebalances could be skipped (see README, Guarantees).
    early = first_at(lines, storm_onset() - timedelta(minutes=90))
    fstack.produce(lines[:early])
    pair = [WorkerProcess(fstack, name="worker-a")]
    workers.extend(pair)
    wait_for(lambda: committed(fstack) == early, 60, 1.0, "the first worker to commit the first hour")
    pair.append(WorkerProcess(fstack, name="worker-b"))
    workers.append(pair[1])
    wait_for(lambda: group_members(fstack) == 2, 60, 1.0, "both workers in the consumer group")
    mark = {w.log_path.name: w.log_path.stat().st_size for w in pair}
    fstack.produce(lines[early:cut])
    wait_alerts(fstack, 1, pair, 90)
    time.sleep(2)
    # The worker that owns acme's partition (it raised the trigger) is killed.
    owner = next(w for w in pair if "acme" in ALERT_LINE.findall(w.log_path.read_text()))
    survivor = next(w for w in pair if w is not owner)

    def partitions_since_split(worker: WorkerProcess) -> set[int]:
        text = worker.log_path.read_bytes()[mark[worker.log_path.name] :].decode(errors="replace")
        return {int(p) for _e, _s, _c, p in WINDOW_LINE.findall(text)}

    moved = partitions_since_split(owner)
    assert moved and not moved & partitions_since_split(survivor), "the partitions were not split between the two"
    owner.stop(signal.SIGKILL)

    fstack.produce(lines[cut:])
    seen = wait_alerts(fstack, len(expected), [survivor], 120)
    fstack.wait_committed()  # every batch processed and committed: all its windows are logged
    check_windows(lines, owner, survivor)
    assert seen == expected, (
        f"the survivor did not carry on where the killed worker stopped:\n{alert_diff(seen, expected)}"
    )
    log = survivor.log_path.read_text()
    for partition in moved:
        resumed = re.findall(rf"partition {partition}: resumed (\d+) entities", log)
        assert resumed and int(resumed[-1]) > 0, f"partition {partition} was not resumed from its changelog"


def commit_offset(stack: Stack, partition: int, offset: int) -> None:
    """Set the (stopped) worker group's committed offset, as a consumer that skipped or re-read would."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    consumer = KafkaConsumer(
        bootstrap_servers=stack.bootstrap, group_id=f"firestorm-test-{stack.tag}", enable_auto_commit=False
    )
    try:
        tp = TopicPartition(stack.mentions, partition)
        consumer.assign([tp])
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1)})
    finally:
        consumer.close()


def run_then_move_offset(stack: FaultStack, workers: list[WorkerProcess], seed: int, move: int) -> list[bytes]:
    """A worker takes the first minutes of a storm and stops; the rest is produced; the group's
    committed offset is then moved by `move` records (forward: a hole, back: a redelivery)."""
    stack.partitions = 1
    stack.metrics_port = free_port()
    lines = storm_lines(entity="acme", quiet_entity="calm", storm_minutes=20, seed=seed)
    cut = first_at(lines, storm_onset() + timedelta(minutes=4))
    stack.produce(lines[:cut])
    first = WorkerProcess(stack, name="worker-1")
    workers.append(first)
    wait_for(lambda: committed(stack) == cut, 90, 1.0, "the first worker to commit what it read")
    assert first.stop() == 0, first.log_tail()
    stack.produce(lines[cut:])
    commit_offset(stack, 0, cut + move)
    return lines


def restart_as_uninterrupted(stack: FaultStack, workers: list[WorkerProcess], lines: list[bytes]) -> WorkerProcess:
    """A second worker takes over: windows and alerts as if the input had been read in one go."""
    expected = embedded_alerts(lines)
    second = WorkerProcess(stack, name="worker-2")
    workers.append(second)
    seen = wait_alerts(stack, len(expected), [second], 120)
    stack.wait_committed()  # every batch processed and committed: all its windows are logged
    check_windows(lines, *workers)
    assert seen == expected, f"the alerts differ from an uninterrupted run:\n{alert_diff(seen, expected)}"
    return second


def test_records_committed_over_are_read_back_from_the_broker(fstack: FaultStack, workers: list[WorkerProcess]) -> None:
    # What Faust does when it drops records fetched during a flow suspension and commits past them.
    hole = 250
    lines = run_then_move_offset(fstack, workers, seed=41, move=hole)
    second = restart_as_uninterrupted(fstack, workers, lines)
    # At least the hole: Faust itself can drop a record or two while it starts (seen: one record just
    # after the worker resumed), and those are read back the same way.
    assert (fstack.metric("firestorm_records_gap_filled_total") or 0) >= hole
    assert fstack.metric("firestorm_records_gap_missing_total") == 0
    log = second.log_path.read_text()
    assert re.search(rf"offsets (\d+)-(\d+) never reached the worker; read {hole} of them from the broker", log), log


def test_records_the_state_already_counts_are_skipped_when_redelivered(
    fstack: FaultStack, workers: list[WorkerProcess]
) -> None:
    # A crash between the state write and the offset commit: the records come again.
    back = 200
    lines = run_then_move_offset(fstack, workers, seed=43, move=-back)
    restart_as_uninterrupted(fstack, workers, lines)
    # At least those: Faust itself may hand over a record twice as the worker starts (seen: one).
    assert (fstack.metric("firestorm_records_redelivered_total") or 0) >= back
    assert fstack.metric("firestorm_records_gap_filled_total") == 0


class OwnBroker:
    """A broker of this test's own (kafka.sh with its own ports and run directory), jars shared."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.port = free_port()
        self.controller_port = free_port()
        libs = RUN_DIR / "kafka" / "libs"
        (run_dir / "kafka").mkdir(parents=True)
        if libs.is_dir():  # reuse the fetched jars (kafka.sh would fetch them again otherwise)
            (run_dir / "kafka" / "libs").symlink_to(libs)
        self.env = {
            **os.environ,
            "FIRESTORM_RUN_DIR": str(run_dir),
            "FIRESTORM_KAFKA_PORT": str(self.port),
            "FIRESTORM_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "FIRESTORM_KAFKA_STOP_TIMEOUT": "20",
        }

    def run(self, *commands: str) -> None:
        for command in commands:
            subprocess.run([str(REPO / "deploy/kafka/kafka.sh"), command], env=self.env, check=True, timeout=300)

    def pid(self) -> int:
        return int((self.run_dir / "kafka" / "kafka.pid").read_text())


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[OwnBroker]:
    broker = OwnBroker(tmp_path / "own-run")
    try:
        broker.run("up")
        yield broker
    finally:
        subprocess.run([str(REPO / "deploy/kafka/kafka.sh"), "down"], env=broker.env, check=False, timeout=120)
        shutil.rmtree(broker.run_dir / "kafka" / "data", ignore_errors=True)


def test_broker_stopped_for_30s_mid_stream_the_worker_recovers_by_itself(
    own_broker: OwnBroker, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    stack = FaultStack(tmp=tmp_path, port=own_broker.port)
    stack.metrics_port = free_port()
    lines = storm_lines(entity="acme", quiet_entity="calm", storm_minutes=20, seed=31)
    expected = embedded_alerts(lines)
    half = len(lines) // 2

    stack.produce(lines[:half])
    worker = WorkerProcess(stack, name="worker")
    workers.append(worker)
    wait_for(lambda: stack.metric("firestorm_mentions_consumed_total") == half, 90, 0.5, "the first half")
    sender = send_paced(stack, lines[half:], per_second=60)  # still sending when the broker goes away
    time.sleep(2)
    own_broker.run("stop")
    outage_started = time.monotonic()
    while time.monotonic() - outage_started < 30:
        worker.assert_running()  # the worker rides out the outage, it does not exit
        time.sleep(1)
    own_broker.run("start", "wait")
    sender.join(timeout=150)
    assert not sender.is_alive(), "the producer did not deliver its backlog after the outage"

    def drained() -> bool:
        worker.assert_running()
        return stack.metric("firestorm_mentions_consumed_total") == len(lines)

    try:
        wait_for(drained, 150, 1.0, "every mention consumed after the outage")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{worker.log_tail(60)}") from None
    wait_for(lambda: (stack.metric("firestorm_consumer_lag") or 0) == 0, 30, 1.0, "consumer lag to drain")
    seen = wait_alerts(stack, len(expected), [worker], 60)
    assert seen == expected
    check_windows(lines, worker)
    assert worker.stop() == 0, worker.log_tail()


def test_unwritable_data_directory_is_a_clear_error(fstack: FaultStack, workers: list[WorkerProcess]) -> None:
    blocker = fstack.tmp / "not-a-directory"
    blocker.write_text("a file where the data directory should be")
    fstack.extra_env["FIRESTORM_DATA_DIR"] = str(blocker / "worker")
    worker = WorkerProcess(fstack, name="worker")
    workers.append(worker)
    assert worker.proc.wait(timeout=60) == 1
    log = worker.log_path.read_text()
    assert f"FIRESTORM_DATA_DIR={blocker / 'worker'}: the data directory is not writable" in log
    assert "Traceback" not in log

    notifier = NotifierProcess(fstack, {"FIRESTORM_NOTIFIER_METRICS_PORT": "0"}, name="notifier")
    workers.append(notifier)
    assert notifier.proc.wait(timeout=60) == 1
    log = notifier.log_text()
    assert "FIRESTORM_DATA_DIR: the delivery ledger" in log and "cannot be written" in log
    assert "Traceback" not in log
