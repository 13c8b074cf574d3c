"""deploy/kafka/kafka.sh before any Java runs: which ports it takes, and what it says when one is taken
(issue 26 item 7). Nothing is fetched or started: a taken port stops `up` before the fetch."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.tools import DEPLOY

SCRIPT = DEPLOY / "kafka" / "kafka.sh"


def kafka_sh(run_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FIRESTORM_KAFKA_")}
    return subprocess.run(
        [str(SCRIPT), *args],
        env={**clean, "FIRESTORM_RUN_DIR": str(run_dir), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def listening(port: int = 0) -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", port))
    server.listen()
    return server


def is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def taken() -> Iterator[int]:
    """A port something else listens on, with the port before it free."""
    for _ in range(50):
        server = listening()
        port = server.getsockname()[1]
        if is_free(port - 1):
            yield port
            server.close()
            return
        server.close()
    pytest.fail("no listening port with a free port before it")


def test_a_taken_broker_port_names_the_variable_and_a_free_port_before_fetching_anything(
    tmp_path: Path, taken: int
) -> None:
    """Before: "port 127.0.0.1:9092 is already in use by another process", after the fetch."""
    result = kafka_sh(tmp_path, "up", FIRESTORM_KAFKA_PORT=str(taken))
    assert result.returncode == 1
    assert f"port 127.0.0.1:{taken} (FIRESTORM_KAFKA_PORT, default 9092) is already in use" in result.stderr
    suggested = re.search(r"e\.g\. FIRESTORM_KAFKA_PORT=(\d+) \(the controller then takes (\d+)\)", result.stderr)
    assert suggested, result.stderr
    port, controller = int(suggested[1]), int(suggested[2])
    assert controller == port + 1 and is_free(port) and is_free(controller)
    assert not (tmp_path / "kafka" / "libs").exists()  # stopped before the fetch


def test_the_controller_port_follows_the_broker_port(tmp_path: Path, taken: int) -> None:
    """Before: with FIRESTORM_KAFKA_PORT alone the controller stayed on 9093 (taken by the
    default broker's controller). Now it is the next port: here the taken one."""
    result = kafka_sh(tmp_path, "up", FIRESTORM_KAFKA_PORT=str(taken - 1))
    assert result.returncode == 1
    assert f"controller port 127.0.0.1:{taken} (FIRESTORM_KAFKA_CONTROLLER_PORT" in result.stderr
    assert "e.g. FIRESTORM_KAFKA_CONTROLLER_PORT=" in result.stderr
    moved = kafka_sh(tmp_path, "up", FIRESTORM_KAFKA_PORT=str(taken - 1), FIRESTORM_KAFKA_CONTROLLER_PORT=str(taken))
    assert "controller port" in moved.stderr  # set explicitly: still checked


def test_a_port_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    result = kafka_sh(tmp_path, "status", FIRESTORM_KAFKA_PORT="nine")
    assert result.returncode == 1
    assert result.stderr.strip() == "kafka: ERROR: FIRESTORM_KAFKA_PORT must be a port number"
