"""A generic JSON webhook (optionally signed with HMAC-SHA256) and a Slack incoming webhook.

Webhook body: `{"type": "firestorm.alert", "action": "trigger" | "resolve", "dedup_key",
"summary", "links", "alert": <the alert event>}`, sorted keys, UTF-8. With a secret, the header
(default `X-Firestorm-Signature-256`) is `sha256=<hex HMAC-SHA256(secret, raw body)>`; a
receiver recomputes it over the bytes it got and compares in constant time (`verify_signature`).
`X-Firestorm-Delivery` is stable per alert event, so a receiver can drop redeliveries.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import aiohttp
import orjson

from firestorm.models.alerts import Alert
from firestorm.streams.notifier import render
from firestorm.streams.notifier.delivery import Result, classify_http
from firestorm.streams.notifier.routing import DEFAULT_GRAFANA_LINK, SIGNATURE_HEADER
from firestorm.streams.notifier.secrets import Secret, redact

SIGNATURE_PREFIX = "sha256="
USER_AGENT = "firestorm-notifier"


def sign(secret: bytes, body: bytes) -> str:
    """The signature header value for `body`."""
    return SIGNATURE_PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    """True when `header` is the signature of exactly these bytes under `secret`."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(sign(secret, body), header)


def action_of(alert: Alert) -> str:
    return "resolve" if alert.status == "resolved" else "trigger"


def delivery_id(alert: Alert) -> str:
    return f"{alert.incident_id}/{alert.status}/{alert.window_end}"


class _HttpHook:
    def __init__(
        self,
        name: str,
        url: str | Secret,
        session: aiohttp.ClientSession,
        request_timeout_s: float,
        grafana_link: str,
        sample_links: int,
    ) -> None:
        self._name = name
        self._url = url
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=request_timeout_s)
        self.grafana_link = grafana_link
        self.sample_links = sample_links

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._name})"

    def _secrets(self) -> list[Secret]:
        return [self._url] if isinstance(self._url, Secret) else []

    async def _post(self, body: bytes, headers: dict[str, str]) -> Result:
        url = self._url.reveal() if isinstance(self._url, Secret) else self._url
        try:
            async with self._session.post(url, data=body, headers=headers, timeout=self._timeout) as response:
                raw = await response.read()
                return classify_http(response.status, raw, response.headers.get("Retry-After"))
        except TimeoutError:
            return Result("retry", "timeout", None, "no answer in time")
        except (aiohttp.ClientError, OSError) as exc:
            return Result("retry", "network", None, redact(f"{type(exc).__name__}: {exc}"[:300], self._secrets()))


class WebhookSink(_HttpHook):
    """POST the alert as JSON; sign it when a secret is configured."""

    def __init__(
        self,
        name: str,
        url: str | Secret,
        session: aiohttp.ClientSession,
        secret: Secret | None = None,
        signature_header: str = SIGNATURE_HEADER,
        request_timeout_s: float = 10.0,
        grafana_link: str = DEFAULT_GRAFANA_LINK,
        sample_links: int = 3,
    ) -> None:
        super().__init__(name, url, session, request_timeout_s, grafana_link, sample_links)
        self._secret = secret
        self.signature_header = signature_header

    def _secrets(self) -> list[Secret]:
        return [*super()._secrets(), *([self._secret] if self._secret else [])]

    def render(self, alert: Alert, group: str | None) -> dict[str, Any]:
        grafana = render.grafana_url(self.grafana_link, alert)
        return {
            "type": "firestorm.alert",
            "action": action_of(alert),
            "dedup_key": alert.incident_id,
            "delivery_id": delivery_id(alert),
            "group": group,
            "summary": render.summary(alert),
            "narratives": render.narrative_details(alert),
            "links": {"grafana": grafana, "samples": [u for _i, u in render.sample_mentions(alert, self.sample_links)]},
            "alert": alert.to_dict(),
        }

    async def send(self, destination: str, payload: dict[str, Any]) -> Result:
        body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Firestorm-Event": str(payload.get("action", "")),
            "X-Firestorm-Delivery": str(payload.get("delivery_id", "")),
        }
        if self._secret is not None:
            headers[self.signature_header] = sign(self._secret.reveal().encode(), body)
        return await self._post(body, headers)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_narratives(alert: Alert, limit: int = 2900) -> str:
    """What people are saying: one bullet per narrative with its most telling post (mrkdwn)."""
    lines: list[str] = []
    for n in render.narratives(alert):
        share, negative = n.get("share"), n.get("negative_share")
        figures = [f"{share:.0%} of posts" if isinstance(share, int | float) else ""]
        if isinstance(negative, int | float):
            figures.append(f"{negative:.0%} negative")
        line = f"• *{_slack_escape(str(n['label'])[:120])}* ({', '.join(f for f in figures if f)})"
        example = next(iter(render.narrative_examples(n, 1)), None)
        if example is not None:
            quote = _slack_escape(example["text"])
            line += f"\n> {quote}" + (f" <{example['url']}|post>" if example["url"] else "")
        if sum(len(x) + 1 for x in lines) + len(line) > limit - 40:
            break
        lines.append(line)
    return "*What people are saying*\n" + "\n".join(lines) if lines else ""


SLACK_ICONS = {"critical": ":rotating_light:", "warning": ":warning:", "info": ":information_source:"}


class SlackSink(_HttpHook):
    """A Slack-compatible incoming webhook: `text` (the fallback and notification line) and blocks."""

    def render(self, alert: Alert, group: str | None) -> dict[str, Any]:
        icon = ":white_check_mark:" if alert.status == "resolved" else SLACK_ICONS.get(alert.severity, ":bell:")
        line = f"{icon} {_slack_escape(render.summary(alert, 2900))}"
        facts = f"*{alert.status}* · severity *{alert.severity}* · incident `{_slack_escape(alert.incident_id)}`" + (
            f" · group {_slack_escape(group)}" if group else ""
        )
        links = []
        grafana = render.grafana_url(self.grafana_link, alert)
        if grafana:
            links.append(f"<{grafana}|Grafana>")
        links += [
            f"<{url}|sample {n}>" for n, (_i, url) in enumerate(render.sample_mentions(alert, self.sample_links), 1)
        ]
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": line}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": facts}]},
        ]
        stories = _slack_narratives(alert)
        if stories:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": stories}})
        if links:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(links)[:2900]}]})
        return {"text": line, "blocks": blocks, "action": action_of(alert)}

    async def send(self, destination: str, payload: dict[str, Any]) -> Result:
        body = orjson.dumps({k: v for k, v in payload.items() if k != "action"})
        return await self._post(body, {"Content-Type": "application/json", "User-Agent": USER_AGENT})
