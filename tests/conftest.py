"""Refuse to test a stale compiled build.

A module of models/ compiled by mypyc (setup.py, `make build`) shadows its .py file: after an edit,
pytest run directly (not through make) would test the old compiled code and pass or fail for the
wrong reason. The session stops at once instead, saying what to run.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def stale_sources(repo: Path = REPO) -> list[str]:
    """The models/ sources changed after their compiled module was built (none in a pure install)."""
    suffix = str(sysconfig.get_config_var("EXT_SUFFIX"))
    stale = []
    for built in sorted((repo / "models").rglob(f"*{suffix}")):
        source = built.with_name(built.name[: -len(suffix)] + ".py")
        if source.exists() and source.stat().st_mtime > built.stat().st_mtime:
            stale.append(str(source.relative_to(repo)))
    return stale


def pytest_sessionstart(session: pytest.Session) -> None:
    stale = stale_sources()
    if stale:
        pytest.exit(
            f"{', '.join(stale)} changed after the compiled build: run `make build` "
            "(or `FIRESTORM_PURE_PYTHON=1 make build` to test the pure sources)",
            returncode=2,
        )
