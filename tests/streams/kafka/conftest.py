"""A real (unstarted) Faust app of the worker, shared by the consumer and recovery tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from firestorm.streams.config import Config
from firestorm.streams.kafka.app import FirestormApp, create_app


@pytest.fixture
def fapp(tmp_path: Path) -> Iterator[FirestormApp]:
    fapp = create_app(Config(data_dir=str(tmp_path / "data")))
    fapp.app.flow_control.resume()  # as at the end of a rebalance: the flow is active
    fapp.app.consumer.resume_flow()
    yield fapp
