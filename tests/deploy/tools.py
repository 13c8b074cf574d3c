"""The operator tools the deploy checks run: missing ones fail the tests with how to install them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"

INSTALLERS = {
    "promtool": "deploy/prometheus/prometheus.sh install (Debian package prometheus)",
    "prometheus": "deploy/prometheus/prometheus.sh install (Debian package prometheus)",
    "amtool": "deploy/alertmanager/install.sh (Debian package prometheus-alertmanager)",
    "prometheus-alertmanager": "deploy/alertmanager/install.sh (Debian package prometheus-alertmanager)",
}


def require(tool: str) -> str:
    """The tool's path; a missing tool is a failure (never a skip): CI must install it."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed: run {INSTALLERS.get(tool, 'its installer')}", pytrace=False)
    return path


def run(tool: str, *args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a tool; the result keeps stdout and stderr as text for assertion messages."""
    return subprocess.run(
        [require(tool), *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(cwd) if cwd else None,
        check=False,
    )


def assert_ok(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(result.args)} failed ({result.returncode}):\n{output}"
    return output
