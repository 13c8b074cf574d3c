"""Build the sinks from the configuration, and turn one alert into delivery jobs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import aiohttp

from firestorm.models.alerts import Alert
from firestorm.streams.notifier.delivery import DoneCallback, Job, Result
from firestorm.streams.notifier.hooks import SlackSink, WebhookSink
from firestorm.streams.notifier.pagerduty import PagerDutySink
from firestorm.streams.notifier.routing import PAGERDUTY, Decision, NotifyConfig, NotifyConfigError
from firestorm.streams.notifier.secrets import Secret, SecretError


class AlertSink(Protocol):
    @property
    def name(self) -> str: ...

    def render(self, alert: Alert, group: str | None) -> dict[str, Any]: ...

    async def send(self, destination: str, payload: dict[str, Any]) -> Result: ...


HookSecrets = dict[str, tuple[str | Secret, Secret | None]]


def hook_secrets(notify: NotifyConfig, environ: Mapping[str, str] | None = None) -> HookSecrets:
    """(url, signing secret) of every webhook and Slack sink, secrets read now."""
    out: HookSecrets = {}
    for hook in notify.hooks:
        url: str | Secret | None
        try:
            if isinstance(hook.url, str):
                url = hook.url
            else:
                url = hook.url.resolve(environ)
                if url is None:
                    raise NotifyConfigError(f"{hook.kind} {hook.name!r}: url: {hook.url.describe()} is not set")
            secret = hook.secret.resolve(environ) if hook.secret is not None else None
        except SecretError as exc:
            raise NotifyConfigError(f"{hook.kind} {hook.name!r}: {exc}") from None
        if hook.secret is not None and secret is None:
            raise NotifyConfigError(f"{hook.kind} {hook.name!r}: secret: {hook.secret.describe()} is not set")
        out[hook.name] = (url, secret)
    return out


def all_secrets(keys: Mapping[str, Secret], hooks: HookSecrets) -> list[Secret]:
    secrets = list(keys.values())
    for url, secret in hooks.values():
        secrets += [s for s in (url, secret) if isinstance(s, Secret)]
    return secrets


def build_sinks(
    notify: NotifyConfig,
    pagerduty_url: str,
    keys: Mapping[str, Secret],
    hooks: HookSecrets,
    session: aiohttp.ClientSession,
) -> dict[str, AlertSink]:
    timeout = notify.delivery.request_timeout_s
    sinks: dict[str, AlertSink] = {
        PAGERDUTY: PagerDutySink(
            pagerduty_url,
            keys,
            session,
            source=notify.source,
            grafana_link=notify.grafana_link,
            runbook_url=notify.runbook_url,
            sample_links=notify.sample_links,
            request_timeout_s=timeout,
        )
    }
    for hook in notify.hooks:
        url, secret = hooks[hook.name]
        if hook.kind == "slack":
            sinks[hook.name] = SlackSink(hook.name, url, session, timeout, notify.grafana_link, notify.sample_links)
        else:
            sinks[hook.name] = WebhookSink(
                hook.name,
                url,
                session,
                secret=secret,
                signature_header=hook.signature_header,
                request_timeout_s=timeout,
                grafana_link=notify.grafana_link,
                sample_links=notify.sample_links,
            )
    return sinks


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def jobs_for(
    alert: Alert, decision: Decision, sinks: Mapping[str, AlertSink], on_done: DoneCallback | None
) -> list[Job]:
    """One job per route; the lane of each is the entity, so its events stay in alert order: an
    incident's resolve never overtakes its trigger, and a later incident of the same entity never
    overtakes an earlier one still being retried (other entities are not held up)."""
    jobs = []
    for route in decision.routes:
        sink = sinks[route.sink]
        where = f"{route.sink}/{route.destination}"
        payload = sink.render(alert, route.group)
        action = str(payload.get("event_action") or payload.get("action") or "post")
        jobs.append(
            Job(
                sink=sink,
                destination=route.destination,
                order_key=alert.entity,
                action=action,
                payload=payload,
                label=f"{alert.status} {_short(alert.incident_id)} ({alert.severity}) -> {where}",
                on_done=on_done,
            )
        )
    return jobs
