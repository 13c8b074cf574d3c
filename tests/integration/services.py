"""Reach the local Kafka broker and Prometheus, starting them with the repo's scripts if needed."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[2]
RUN_DIR = Path(os.environ.get("FIRESTORM_RUN_DIR", REPO / ".run"))
KAFKA_PORT = int(os.environ.get("FIRESTORM_KAFKA_PORT", "9092"))
PROMETHEUS_PORT = int(os.environ.get("FIRESTORM_PROMETHEUS_PORT", "9090"))


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def ensure_service(script: str, port: int) -> bool:
    """Start a service with its deploy script unless it already listens; True if we started it."""
    if port_open(port):
        return False
    # The port check can miss a running service (a slow accept): only a service that was not
    # running before is ours to stop at the end.
    was_running = subprocess.run([str(REPO / script), "status"], capture_output=True, timeout=60).returncode == 0
    subprocess.run([str(REPO / script), "up"], check=True, timeout=600)
    return not was_running


def stop_service(script: str) -> None:
    subprocess.run([str(REPO / script), "down"], check=False, timeout=120)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prometheus_query(query: str) -> list[dict[str, object]]:
    url = f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/query?" + urllib.parse.urlencode({"query": query})
    with urllib.request.urlopen(url, timeout=5) as response:
        body = orjson.loads(response.read())
    if body.get("status") != "success":
        raise AssertionError(f"prometheus query {query!r} failed: {body}")
    return list(body["data"]["result"])


def register_scrape_target(name: str, port: int) -> Path:
    """Point the test Prometheus at a metrics endpoint (file-based service discovery)."""
    targets = RUN_DIR / "prometheus" / "targets"
    targets.mkdir(parents=True, exist_ok=True)
    path = targets / f"{name}.json"
    path.write_bytes(orjson.dumps([{"targets": [f"127.0.0.1:{port}"], "labels": {"test": name}}]))
    return path


def wait_for(predicate, timeout_s: float, interval_s: float = 0.5, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll until predicate() returns a truthy value; fail with `what` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(interval_s)
