"""The HTTP endpoint of a firestorm process: `/metrics` (Prometheus), `/healthz` (liveness: the
event loop still beats) and `/readyz` (readiness: the worker has joined its consumer group), on one port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import orjson
from prometheus_client import (
    CollectorRegistry,
    make_wsgi_app,
)

HEARTBEAT_STALE_S = 60.0  # /healthz fails when the worker's loop has not beaten for this long


class Health:
    """Liveness and readiness of a process, as /healthz and /readyz report them."""

    def __init__(
        self, ready: bool = False, stale_after_s: float = HEARTBEAT_STALE_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stale_after_s = stale_after_s
        self.clock = clock
        self.started = clock()
        self.ready = ready  # the worker sets it once it has joined its consumer group
        self.last_beat: float | None = None  # None: nothing to watch (the replay)

    def beat(self) -> None:
        self.last_beat = self.clock()

    def live(self) -> bool:
        return self.last_beat is None or self.clock() - self.last_beat <= self.stale_after_s

    def report(self) -> dict[str, Any]:
        now = self.clock()
        return {
            "live": self.live(),
            "ready": self.ready and self.live(),
            "uptime_seconds": round(now - self.started, 3),
            "last_heartbeat_seconds_ago": None if self.last_beat is None else round(now - self.last_beat, 3),
        }


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


def health_app(registry: CollectorRegistry, health: Health | None = None) -> Callable[..., Iterable[bytes]]:
    """WSGI app: /metrics (and /) the exposition, /healthz liveness, /readyz readiness, JSON bodies."""
    metrics_app = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path in ("/healthz", "/readyz"):
            report = health.report() if health is not None else {"live": True, "ready": True}
            ok = bool(report["live"] if path == "/healthz" else report["ready"])
            body = orjson.dumps({"status": "ok" if ok else "unavailable", **report})
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
            )
            return [body]
        if path in ("/metrics", "/"):
            result: Iterable[bytes] = metrics_app(environ, start_response)
            return result
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics, /healthz or /readyz\n"]

    return app


def serve_http(registry: CollectorRegistry, host: str, port: int, health: Health | None = None) -> WSGIServer:
    """Start the endpoint in a daemon thread and return its server (shutdown() stops it)."""
    server_class = _Server6 if ":" in host else _Server
    server = make_server(host, port, health_app(registry, health), server_class, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="firestorm-metrics", daemon=True)
    thread.start()
    return server
