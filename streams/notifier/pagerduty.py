"""PagerDuty Events API v2: the alert -> event mapping (pure) and the sink posting to /v2/enqueue.

Contract (developer.pagerduty.com, "Send an Alert Event"): `routing_key` (32 characters) and
`event_action` (trigger | acknowledge | resolve) are required; `dedup_key` at most 255
characters; a trigger needs `payload.summary` (at most 1024 characters), `payload.source` and
`payload.severity` (critical | error | warning | info), and may carry `timestamp`, `component`,
`group`, `class`, `custom_details`, `links` [{href, text}] and `images`; a whole event is at
most 512 KB. Answers: 202 {status, message, dedup_key}; 400 {status, message, errors} (do not
retry); 429 and 5xx (retry later).

firestorm sends `trigger` for triggered / escalated / updated (same dedup_key = incident_id,
so PagerDuty updates the one alert: severity, summary, details) and `resolve` for resolved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

from firestorm.models.alerts import Alert
from firestorm.models.narrative_text import shorten
from firestorm.streams.notifier import render
from firestorm.streams.notifier.delivery import Result, classify_http
from firestorm.streams.notifier.routing import DEFAULT_GRAFANA_LINK, DEFAULT_RUNBOOK_URL, PAGERDUTY
from firestorm.streams.notifier.secrets import Secret, redact

ENQUEUE_PATH = "/v2/enqueue"
SUMMARY_MAX = 1024
DEDUP_KEY_MAX = 255
EVENT_MAX_BYTES = 512 * 1024
ROUTING_KEY_LENGTH = 32
SEVERITIES = ("critical", "error", "warning", "info")
SEVERITY_OF = {"info": "info", "warning": "warning", "critical": "critical"}
_SHRINK_ORDER = ("sample_mentions", "top_authors", "top_terms", "top_hashtags", "languages")


def dedup_key(incident_id: str) -> str:
    """The incident id, or for a (very) long one a stable shortened form within 255 characters."""
    if len(incident_id) <= DEDUP_KEY_MAX:
        return incident_id
    digest = hashlib.sha256(incident_id.encode()).hexdigest()[:32]
    return f"{incident_id[: DEDUP_KEY_MAX - 34]}~{digest}"


def _links(alert: Alert, grafana: str | None, runbook: str, sample_links: int) -> list[dict[str, str]]:
    links = []
    if grafana:
        links.append({"href": grafana, "text": f"Grafana: {alert.entity[:100]} during {alert.incident_id[:120]}"})
    if runbook:
        links.append({"href": runbook, "text": "Runbook: you were paged by firestorm"})
    for number, narrative in enumerate(render.narratives(alert)[:3], 1):
        example = next((e for e in render.narrative_examples(narrative) if e["url"]), None)
        if example is not None:
            label = shorten(str(narrative["label"]), 80)
            links.append({"href": example["url"], "text": f"Narrative {number}: {label} - {example['text'][:120]}"})
    for number, (mention_id, url) in enumerate(render.sample_mentions(alert, sample_links), 1):
        links.append({"href": url, "text": f"Sample mention {number}" + (f" ({mention_id})" if mention_id else "")})
    return links


def _fit(event: dict[str, Any]) -> dict[str, Any]:
    """Drop the bulkiest details until the event fits PagerDuty's 512 KB (it practically always does).
    Each detail is measured once; the event's size is then worked out, not serialised again."""
    payload = event["payload"]
    details = payload.get("custom_details", {})
    extra = len(',"routing_key":""') + ROUTING_KEY_LENGTH
    size = len(orjson.dumps(event)) + extra
    if size <= EVENT_MAX_BYTES:
        return event
    # `"key":value,` in the details object: its pair as a one-key object, less the braces, plus a comma.
    sizes = {key: len(orjson.dumps({key: value})) - 1 for key, value in details.items()}
    by_size = sorted(details, key=lambda k: (k == "narratives", -sizes[k]))  # narratives last
    for key in [*_SHRINK_ORDER, *by_size]:
        if size <= EVENT_MAX_BYTES:
            return event
        if key in details and key not in ("incident_id", "entity", "status"):
            details.pop(key)
            size -= sizes[key]
            if "truncated" not in details:
                details["truncated"] = True
                size += len(',"truncated":true')
    if size > EVENT_MAX_BYTES:
        payload["custom_details"] = {"incident_id": event.get("dedup_key"), "truncated": True}
        event["links"] = event.get("links", [])[:1]
    return event


def pagerduty_event(
    alert: Alert,
    *,
    source: str = "firestorm",
    group: str | None = None,
    grafana_link: str = DEFAULT_GRAFANA_LINK,
    runbook_url: str = DEFAULT_RUNBOOK_URL,
    sample_links: int = 3,
) -> dict[str, Any]:
    """The Events API v2 event for one alert event, without the routing key (the sink adds it)."""
    key = dedup_key(alert.incident_id)
    if alert.status == "resolved":
        return {"event_action": "resolve", "dedup_key": key}
    grafana = render.grafana_url(grafana_link, alert)
    payload: dict[str, Any] = {
        "summary": render.summary(alert, SUMMARY_MAX),
        "source": f"{source}/{alert.entity}"[:1024],
        "severity": SEVERITY_OF.get(alert.severity, "warning"),
        "timestamp": alert.detected_at,
        "component": alert.entity[:1024],
        "group": (group or alert.entity)[:1024],
        "class": render.headline(alert).split(",")[0],
        "custom_details": render.details(alert, group),
    }
    event: dict[str, Any] = {
        "event_action": "trigger",
        "dedup_key": key,
        "payload": payload,
        "client": "firestorm",
        "links": _links(alert, grafana, runbook_url, sample_links),
    }
    if grafana:
        event["client_url"] = grafana
    return _fit(event)


class PagerDutySink:
    """POSTs events to `<base>/v2/enqueue` with the routing key of the route's destination."""

    def __init__(
        self,
        base_url: str,
        keys: Mapping[str, Secret],
        session: aiohttp.ClientSession,
        *,
        source: str = "firestorm",
        grafana_link: str = DEFAULT_GRAFANA_LINK,
        runbook_url: str = DEFAULT_RUNBOOK_URL,
        sample_links: int = 3,
        request_timeout_s: float = 10.0,
    ) -> None:
        self.url = base_url.rstrip("/") + ENQUEUE_PATH
        self._keys = dict(keys)
        self._session = session
        self.source = source
        self.grafana_link = grafana_link
        self.runbook_url = runbook_url
        self.sample_links = sample_links
        self._timeout = aiohttp.ClientTimeout(total=request_timeout_s)

    @property
    def name(self) -> str:
        return PAGERDUTY

    def __repr__(self) -> str:
        return f"PagerDutySink({self.url}, keys={sorted(self._keys)})"

    def render(self, alert: Alert, group: str | None) -> dict[str, Any]:
        return pagerduty_event(
            alert,
            source=self.source,
            group=group,
            grafana_link=self.grafana_link,
            runbook_url=self.runbook_url,
            sample_links=self.sample_links,
        )

    async def send(self, destination: str, payload: dict[str, Any]) -> Result:
        key = self._keys.get(destination)
        if key is None:
            return Result("reject", "no_routing_key", None, f"no routing key named {destination!r}")
        body = orjson.dumps({"routing_key": key.reveal(), **payload})
        try:
            async with self._session.post(
                self.url, data=body, headers={"Content-Type": "application/json"}, timeout=self._timeout
            ) as response:
                raw = await response.read()
                return classify_http(response.status, raw, response.headers.get("Retry-After"))
        except TimeoutError:
            return Result("retry", "timeout", None, "no answer in time")
        except (aiohttp.ClientError, OSError) as exc:
            return Result("retry", "network", None, redact(f"{type(exc).__name__}: {exc}"[:300], self._keys.values()))
