"""A local PagerDuty Events API v2 server (plus webhook and Slack receivers) for tests, over real HTTP.

It enforces the published contract of `POST /v2/enqueue` (developer.pagerduty.com, "Send an
Alert Event" and "Events API v2 Overview"): `routing_key` a 32-character string,
`event_action` trigger | acknowledge | resolve, `dedup_key` at most 255 characters (required to
acknowledge or resolve), for a trigger `payload.summary` (1..1024 characters), `payload.source`
and `payload.severity` (critical | error | warning | info), optional `timestamp` (ISO 8601),
`component`, `group`, `class` (strings), `custom_details` (object), `links` [{href, text?}],
`images` [{src (https), href?, alt?}], `client`, `client_url`; the whole body at most 512 KB.
It is stricter than PagerDuty on one point: unknown fields are errors (they catch typos).

Answers: 202 `{status: "success", message: "Event processed", dedup_key}`; 400
`{status: "invalid event", message: "Event object is invalid", errors: [...]}`; 429 when a
routing key sends more than `rate_limit` events in any `rate_window_s` (PagerDuty: about 120
a minute). It keeps PagerDuty's alert model per dedup_key: a trigger opens an incident, a
trigger on an open key is folded into it (a dedup, not a new incident), a resolve closes it,
a resolve for no open incident is dropped.

Faults on demand: `fail_next(n, 500 | 429 | "drop" | "lost_response")`, `fail_incident(dedup_key,
n, mode)` (the next n events of one incident only), `outage(mode)` until `end_outage()`,
`hold(seconds)` (accept, then answer late). `/hooks/<name>` records webhook posts;
`/slack/<name>` acts like a Slack incoming webhook (200 "ok", 400 "invalid_payload").
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

MAX_BODY_BYTES = 512 * 1024
SUMMARY_MAX = 1024
DEDUP_KEY_MAX = 255
ROUTING_KEY_LENGTH = 32
ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
TOP_FIELDS = {"routing_key", "event_action", "dedup_key", "payload", "images", "links", "client", "client_url"}
PAYLOAD_FIELDS = {"summary", "source", "severity", "timestamp", "component", "group", "class", "custom_details"}
THROTTLED = {
    "status": "throttle event",
    "message": "Requests for this service are arriving too quickly.  Please retry later.",
}


def _is_iso8601(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _url(value: Any, https_only: bool = False) -> bool:
    if not isinstance(value, str):
        return False
    return value.startswith("https://") or (not https_only and value.startswith("http://"))


def validate_event(event: Any) -> list[str]:
    """PagerDuty's checks on one decoded event; an empty list means valid."""
    if not isinstance(event, dict):
        return ["Event object must be a JSON object"]
    errors = [f"Unknown field '{k}'" for k in sorted(set(event) - TOP_FIELDS)]
    key = event.get("routing_key")
    if not isinstance(key, str):
        errors.append("'routing_key' is missing or blank")
    elif len(key) != ROUTING_KEY_LENGTH:
        errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
    action = event.get("event_action")
    if action not in ACTIONS:
        errors.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
    if "dedup_key" in event:
        dedup = event["dedup_key"]
        if not isinstance(dedup, str) or not dedup:
            errors.append("'dedup_key' must be a non-empty string")
        elif len(dedup) > DEDUP_KEY_MAX:
            errors.append("'dedup_key' is too long (max 255 characters)")
    elif action in ("acknowledge", "resolve"):
        errors.append(f"'dedup_key' is required to {action}")
    payload = event.get("payload")
    if action == "trigger" or payload is not None:
        errors += _validate_payload(payload, required=action == "trigger")
    for name in ("client", "client_url"):
        if name in event and not isinstance(event[name], str):
            errors.append(f"'{name}' must be a string")
    if "client_url" in event and isinstance(event["client_url"], str) and not _url(event["client_url"]):
        errors.append("'client_url' must be a URL")
    errors += _validate_context(event.get("links"), "links", "href", {"href", "text"}, https_only=False)
    errors += _validate_context(event.get("images"), "images", "src", {"src", "href", "alt"}, https_only=True)
    return errors


def _validate_payload(payload: Any, required: bool) -> list[str]:
    if payload is None:
        return ["'payload' is missing"] if required else []
    if not isinstance(payload, dict):
        return ["'payload' must be an object"]
    errors = [f"Unknown field 'payload.{k}'" for k in sorted(set(payload) - PAYLOAD_FIELDS)]
    summary = payload.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        errors.append("'payload.summary' is missing or blank")
    elif len(summary) > SUMMARY_MAX:
        errors.append("'payload.summary' is too long (max 1024 characters)")
    source = payload.get("source")
    if not isinstance(source, str) or not source.strip():
        errors.append("'payload.source' is missing or blank")
    if payload.get("severity") not in SEVERITIES:
        errors.append("'payload.severity' is invalid (must be one of: critical, error, warning, info)")
    timestamp = payload.get("timestamp")
    if timestamp is not None and (not isinstance(timestamp, str) or not _is_iso8601(timestamp)):
        errors.append("'payload.timestamp' must be an ISO 8601 timestamp")
    for name in ("component", "group", "class"):
        if name in payload and not isinstance(payload[name], str):
            errors.append(f"'payload.{name}' must be a string")
    if "custom_details" in payload and not isinstance(payload["custom_details"], dict):
        errors.append("'payload.custom_details' must be an object")
    return errors


def _validate_context(items: Any, name: str, required: str, allowed: set[str], https_only: bool) -> list[str]:
    if items is None:
        return []
    if not isinstance(items, list):
        return [f"'{name}' must be an array"]
    errors = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(f"'{name}[{i}]' must be an object")
            continue
        errors += [f"Unknown field '{name}[{i}].{k}'" for k in sorted(set(item) - allowed)]
        if not _url(item.get(required), https_only):
            errors.append(f"'{name}[{i}].{required}' must be a{'n https' if https_only else ''} URL")
        for key in allowed - {required}:
            if key in item and not isinstance(item[key], str):
                errors.append(f"'{name}[{i}].{key}' must be a string")
    return errors


@dataclass
class Request:
    """One request the server saw, whatever it answered."""

    at: float  # time.monotonic() on arrival
    path: str
    headers: dict[str, str]
    body: bytes
    status: int | str = 0  # HTTP status answered, or "drop" / "lost_response"
    event: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Incident:
    """PagerDuty's alert for one dedup_key, from its opening trigger to its resolve."""

    number: int
    dedup_key: str
    routing_key: str
    status: str = "triggered"  # triggered | acknowledged | resolved
    triggers: int = 1  # trigger events applied; more than one means deduplicated into this incident
    severities: list[str] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(time.monotonic(), self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        status, headers, answer, after = self.server.owner.handle(request)
        if status in ("drop", "lost_response"):
            self.close_connection = True
            return
        assert isinstance(status, int)
        if after is not None:
            after()  # hold: the event is recorded, the answer comes late
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: PagerDutyServer


class PagerDutyServer:
    """Start with `with PagerDutyServer() as pd:`; point the notifier at `pd.url`."""

    def __init__(
        self,
        routing_keys: Iterable[str] | None = None,
        rate_limit: int = 0,
        rate_window_s: float = 60.0,
        host: str = "127.0.0.1",
    ) -> None:
        self.routing_keys = set(routing_keys) if routing_keys is not None else None
        self.rate_limit = rate_limit  # 0: no limit
        self.rate_window_s = rate_window_s
        self.lock = threading.Lock()
        self.requests: list[Request] = []
        self.accepted: list[Request] = []
        self.incidents: dict[str, list[Incident]] = {}
        self.dropped_resolves = 0
        self.hooks: dict[str, list[Request]] = {}
        self._arrivals: dict[str, deque[float]] = {}
        self._faults: deque[tuple[int | str, str]] = deque()
        self._incident_faults: dict[str, deque[int | str]] = {}
        self._outage: tuple[int | str, str] | None = None
        self._hold_s = 0.0
        self._holds = 0
        self._release = threading.Event()
        self._httpd = _Server((host, 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="pagerduty-server", daemon=True
        )

    # --- life cycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> PagerDutyServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> PagerDutyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- control ------------------------------------------------------------------------

    def fail_next(self, count: int, mode: int | str = 500, path: str = "/v2/enqueue") -> None:
        """Answer the next `count` requests to `path` with `mode`: an HTTP status, "drop" (close
        without answering, event not processed) or "lost_response" (processed, then dropped)."""
        with self.lock:
            self._faults.extend([(mode, path)] * count)

    def fail_incident(self, dedup_key: str, count: int, mode: int | str = 503) -> None:
        """Answer the next `count` events whose dedup_key is `dedup_key` with `mode` (other
        incidents are answered as usual): one incident stuck behind failures."""
        with self.lock:
            self._incident_faults.setdefault(dedup_key, deque()).extend([mode] * count)

    def outage(self, mode: int | str = 503, path: str = "") -> None:
        """Every request (to paths starting with `path`) fails with `mode` until `end_outage()`."""
        with self.lock:
            self._outage = (mode, path)

    def end_outage(self) -> None:
        with self.lock:
            self._outage = None

    def hold(self, seconds: float, count: int = 1) -> None:
        """Process the next `count` events, then wait `seconds` before answering."""
        with self.lock:
            self._hold_s, self._holds = seconds, count
            self._release.clear()

    def release(self) -> None:
        self._release.set()

    # --- what happened ------------------------------------------------------------------

    def events(self, dedup_key: str | None = None) -> list[dict[str, Any]]:
        """Accepted events, in the order they were accepted."""
        with self.lock:
            events = [r.event for r in self.accepted if r.event is not None]
        return [e for e in events if dedup_key is None or e.get("dedup_key") == dedup_key]

    def incident_count(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.incidents.values())

    def statuses(self, answered: Iterable[int | str] | None = None) -> list[int | str]:
        with self.lock:
            return [r.status for r in self.requests if answered is None or r.status in answered]

    def wait_for(self, predicate: Callable[[], Any], timeout_s: float, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout_s
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}; saw {self.statuses()}")
            time.sleep(0.05)

    # --- the API ------------------------------------------------------------------------

    def handle(self, request: Request) -> tuple[int | str, dict[str, str], bytes, Callable[[], None] | None]:
        with self.lock:
            self.requests.append(request)
            fault = self._fault(request.path) or self._incident_fault(request)
            if fault is not None and fault != "lost_response":
                request.status = fault
                return fault, {}, b"", None
            if request.path.startswith(("/hooks/", "/slack/")):
                status, headers, answer = self._hook(request)
            elif request.path == "/v2/enqueue":
                status, headers, answer = self._enqueue(request)
            else:
                status, headers, answer = 404, {}, b""
            request.status = fault or status
            after = None
            if status == 202 and self._holds > 0:
                self._holds -= 1
                seconds, release = self._hold_s, self._release
                after = lambda: release.wait(seconds)  # noqa: E731
            return request.status, headers, answer, after

    def _fault(self, path: str) -> int | str | None:
        if self._outage is not None and path.startswith(self._outage[1]):
            return self._outage[0]
        for i, (mode, prefix) in enumerate(self._faults):  # in order, per path
            if path.startswith(prefix):
                del self._faults[i]
                return mode
        return None

    def _incident_fault(self, request: Request) -> int | str | None:
        if not self._incident_faults or request.path != "/v2/enqueue":
            return None
        try:
            dedup = orjson.loads(request.body).get("dedup_key")
        except (orjson.JSONDecodeError, AttributeError):
            return None
        faults = self._incident_faults.get(dedup)
        return faults.popleft() if faults else None

    def _json(self, status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/json"}, orjson.dumps(body)

    def _invalid(self, request: Request, errors: list[str]) -> tuple[int, dict[str, str], bytes]:
        request.errors = errors
        return self._json(400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors})

    def _enqueue(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        if len(request.body) > MAX_BODY_BYTES:
            return self._invalid(request, ["Event exceeds the maximum size of 512 KB"])
        if not request.headers.get("content-type", "").startswith("application/json"):
            return self._invalid(request, ["Content-Type must be application/json"])
        try:
            event = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            return self._invalid(request, ["Event is not valid JSON"])
        request.event = event
        errors = validate_event(event)
        if errors:
            return self._invalid(request, errors)
        key = event["routing_key"]
        if self.routing_keys is not None and key not in self.routing_keys:
            return self._invalid(request, ["Invalid routing key"])
        if self.rate_limit:
            arrivals = self._arrivals.setdefault(key, deque())
            while arrivals and arrivals[0] <= request.at - self.rate_window_s:
                arrivals.popleft()
            if len(arrivals) >= self.rate_limit:
                return self._json(429, THROTTLED)
            arrivals.append(request.at)
        dedup = event.get("dedup_key") or uuid.uuid4().hex
        event["dedup_key"] = dedup
        self._apply(event, key, dedup)
        self.accepted.append(request)
        return self._json(202, {"status": "success", "message": "Event processed", "dedup_key": dedup})

    def _apply(self, event: dict[str, Any], key: str, dedup: str) -> None:
        history = self.incidents.setdefault(dedup, [])
        current = history[-1] if history and history[-1].status != "resolved" else None
        # PagerDuty: follow-up events only apply through the routing key of the opening trigger.
        if current is not None and current.routing_key != key:
            current = None
            if event["event_action"] != "trigger":
                self.dropped_resolves += 1
                return
        action = event["event_action"]
        if action == "trigger":
            payload = event["payload"]
            if current is None:
                current = Incident(number=self.incident_count_unlocked() + 1, dedup_key=dedup, routing_key=key)
                history.append(current)
            else:
                current.triggers += 1
            current.severities.append(payload["severity"])
            current.summaries.append(payload["summary"])
        elif current is None:
            self.dropped_resolves += 1
        elif action == "resolve":
            current.status = "resolved"
        else:
            current.status = "acknowledged"

    def incident_count_unlocked(self) -> int:
        return sum(len(v) for v in self.incidents.values())

    def _hook(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        name = request.path.split("/", 2)[2]
        self.hooks.setdefault(name, []).append(request)
        if request.path.startswith("/slack/"):
            try:
                body = orjson.loads(request.body)
            except orjson.JSONDecodeError:
                body = None
            text_ok = isinstance(body, dict) and (
                (isinstance(body.get("text"), str) and body["text"].strip()) or isinstance(body.get("blocks"), list)
            )
            if not text_ok:
                return 400, {"Content-Type": "text/plain"}, b"invalid_payload"
            return 200, {"Content-Type": "text/plain"}, b"ok"
        return self._json(200, {"ok": True})
