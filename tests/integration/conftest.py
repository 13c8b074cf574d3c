"""Integration fixtures: one broker (and one Prometheus) shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.services import KAFKA_PORT, PROMETHEUS_PORT, ensure_service, stop_service
from tests.integration.worker_process import Stack, WorkerProcess

KAFKA_SCRIPT = "deploy/kafka/kafka.sh"
PROMETHEUS_SCRIPT = "deploy/prometheus/prometheus.sh"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def kafka() -> Iterator[int]:
    """The local broker on 127.0.0.1; started here only if `make kafka-up` did not already."""
    started = ensure_service(KAFKA_SCRIPT, KAFKA_PORT)
    yield KAFKA_PORT
    if started:
        stop_service(KAFKA_SCRIPT)


@pytest.fixture(scope="session")
def prometheus() -> Iterator[int]:
    started = ensure_service(PROMETHEUS_SCRIPT, PROMETHEUS_PORT)
    yield PROMETHEUS_PORT
    if started:
        stop_service(PROMETHEUS_SCRIPT)


@pytest.fixture
def stack(kafka: int, tmp_path: Path) -> Stack:
    return Stack(tmp=tmp_path)


@pytest.fixture
def workers(stack: Stack) -> Iterator[list[WorkerProcess]]:
    """Workers a test starts are stopped at its end, and their logs printed if it failed."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()
