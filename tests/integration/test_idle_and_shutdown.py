"""Issue 14 on the real broker: an idle partition closes its windows (item 4), SIGTERM with the
broker gone is bounded (item 7), a far-future timestamp is dead-lettered, not moving time (item 1).

The shutdown test stops a broker of its own (kafka.sh, its own ports and run directory); the
shared broker on 9092 is never stopped here.
"""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from tests.integration.services import free_port, wait_for
from tests.integration.storms import storm_lines
from tests.integration.test_faults import FaultStack, OwnBroker, own_broker  # noqa: F401 (a fixture)
from tests.integration.worker_process import Stack, WorkerProcess
from tests.models.test_clock_jump import issue_stream

IDLE_TIMEOUT_S = 5
RESOLVE_AFTER_S = 60


class IdleStack(Stack):
    def env(self) -> dict[str, str]:
        return {
            **super().env(),
            "FIRESTORM_IDLE_TIMEOUT": f"{IDLE_TIMEOUT_S}s",
            "FIRESTORM_RESOLVE_AFTER": f"{RESOLVE_AFTER_S}s",
        }


@pytest.mark.timeout(600)
def test_a_storm_that_stops_dead_resolves_on_an_idle_partition(kafka: int, tmp_path: Path) -> None:
    """Live timestamps: the storm ends now and nothing follows. Without the idle advance its
    partition's clock never moves again and the incident never resolves."""
    stack = IdleStack(tmp=tmp_path, partitions=1)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(minutes=150 + 15)
    lines = storm_lines(entity="acme", quiet_entity="calm", start=start, tail_minutes=0, seed=5)
    stack.produce(lines)
    produced_at = time.monotonic()
    worker = WorkerProcess(stack)
    try:
        triggered = wait_for(
            lambda: [a for a in stack.alerts_seen() if a["status"] == "triggered"], 120, 1.0, "the trigger"
        )
        assert triggered[0]["entity"] == "acme"
        last_ts = max(orjson.loads(raw)["ts"] for raw in lines)
        # The last mention is within a minute of the wall clock: from there, the idle timeout, then
        # the resolve time of quiet windows (plus the lateness and the window being filled).
        bound_s = IDLE_TIMEOUT_S + RESOLVE_AFTER_S + 30 + 60 + 60

        def resolved() -> list[dict[str, object]]:
            worker.assert_running()
            return [a for a in stack.alerts_seen() if a["status"] == "resolved"]

        try:
            [resolve] = wait_for(resolved, bound_s + 90, 2.0, "the incident to resolve on the idle partition")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{worker.log_tail(40)}") from None
        assert resolve["incident_id"] == triggered[0]["incident_id"]
        assert time.monotonic() - produced_at < bound_s + 90
        assert str(resolve["window_end"]) > last_ts  # closed by the advance, not by a mention
        log = worker.log_path.read_text()
        assert "idle for" in log and "event time advanced to" in log
    finally:
        assert worker.stop() == 0, worker.log_tail()


def test_a_far_future_timestamp_is_dead_lettered_and_moves_no_time(stack: Stack) -> None:
    """Item 1 on the broker: the issue's 1,203 mentions; none late, the typo on the dead-letter topic."""
    stack.metrics_port = free_port()
    lines, typo = issue_stream()
    stack.partitions = 1
    stack.produce(lines)
    worker = WorkerProcess(stack)
    try:
        wait_for(lambda: stack.metric("firestorm_mentions_consumed_total") == len(lines), 120, 1.0, "every mention")
        wait_for(lambda: stack.metric('firestorm_mentions_total{outcome="accepted"}') == len(lines) - 1, 30, 0.5)
        assert stack.metric('firestorm_mentions_total{outcome="late"}') == 0
        dead = wait_for(lambda: stack.read_topic(stack.dlq), 30, 1.0, "the dead letter")
        [(_key, value, headers)] = dead
        envelope = orjson.loads(value)
        assert envelope["reason"] == "future_timestamp" and envelope["offset"] == typo
        assert envelope["payload"].encode() == lines[typo]
        assert headers["firestorm-dlq-reason"] == b"future_timestamp"
    finally:
        assert worker.stop() == 0, worker.log_tail()


def test_sigterm_with_the_broker_gone_exits_within_the_shutdown_timeout(
    own_broker: OwnBroker,  # noqa: F811
    tmp_path: Path,
) -> None:
    timeout_s = 8
    stack = FaultStack(tmp=tmp_path, port=own_broker.port)
    stack.metrics_port = free_port()
    stack.extra_env["FIRESTORM_SHUTDOWN_TIMEOUT"] = f"{timeout_s}s"
    lines = storm_lines(entity="acme", quiet_entity="calm", baseline_minutes=30, storm_minutes=0, tail_minutes=0)
    stack.produce(lines)
    worker = WorkerProcess(stack)
    try:
        wait_for(lambda: stack.metric("firestorm_mentions_consumed_total") == len(lines), 120, 0.5, "the mentions")
        own_broker.run("stop")
        worker.assert_running()
        stopped_at = time.monotonic()
        worker.proc.send_signal(signal.SIGTERM)
        try:
            code = worker.proc.wait(timeout=timeout_s + 20)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {timeout_s + 20} s after SIGTERM\n{worker.log_tail()}") from None
        took = time.monotonic() - stopped_at
    finally:
        worker.stop(timeout_s=5)
    log = worker.log_path.read_text()
    assert code == 2, f"exit status {code}\n{worker.log_tail()}"
    assert took < timeout_s + 5, f"took {took:.1f} s"
    assert f"did not finish within {timeout_s} s (FIRESTORM_SHUTDOWN_TIMEOUT" in log
