"""Fixtures for the streams tests: an environment without FIRESTORM_* settings of the caller."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the FIRESTORM_* variables they set themselves."""
    for name in list(os.environ):
        if name.startswith("FIRESTORM_"):
            monkeypatch.delenv(name)
