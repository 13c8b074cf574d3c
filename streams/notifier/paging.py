"""Everything paging needs, read once from the Config: notify rules, routing keys, hook secrets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from firestorm.streams.config import Config
from firestorm.streams.notifier.routing import (
    DRILL_KEY,
    NotifyConfig,
    NotifyConfigError,
    Router,
    load_notify_config,
    resolve_routing_keys,
    runbook_link,
)
from firestorm.streams.notifier.secrets import Secret, SecretError, secret_from
from firestorm.streams.notifier.sinks import HookSecrets, all_secrets, hook_secrets

ROUTING_KEY_VAR = "FIRESTORM_PAGERDUTY_ROUTING_KEY"
DRILL_ROUTING_KEY_VAR = "FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY"


@dataclass(frozen=True, slots=True)
class Paging:
    notify: NotifyConfig
    keys: Mapping[str, Secret]  # by name: "default", "drill", and the [routing_keys] of the file
    hooks: HookSecrets
    pagerduty_url: str
    drill_only: bool = False

    def secrets(self) -> list[Secret]:
        return all_secrets(self.keys, self.hooks)

    def router(self) -> Router:
        return Router(self.notify, set(self.keys), drill_only=self.drill_only)

    def describe(self) -> str:
        """Where alerts go, by name only (safe to log)."""
        hooks = ", ".join(f"{h.kind} {h.name}" for h in self.notify.hooks) or "none"
        keys = ", ".join(sorted(self.keys)) or "none"
        return f"PagerDuty {self.pagerduty_url} (routing keys: {keys}); webhooks: {hooks}"


def load_paging(config: Config, environ: Mapping[str, str] | None = None, drill_only: bool = False) -> Paging:
    """Read the notify config and every secret it names. Raises NotifyConfigError with a safe message.

    `drill_only` (replay --drill): the returned Paging holds the drill key and nothing else, so no
    code path can reach a production key; production keys that can be read are only compared
    with the drill key, to refuse a drill key that is in fact a production one.
    """
    notify = load_notify_config(config.notify_config)
    if config.runbook_url:
        notify = replace(notify, runbook_url=runbook_link(config.runbook_url, "FIRESTORM_RUNBOOK_URL"))
    try:
        default = secret_from(config.pagerduty_routing_key, config.pagerduty_routing_key_file, ROUTING_KEY_VAR)
        drill = secret_from(
            config.pagerduty_drill_routing_key, config.pagerduty_drill_routing_key_file, DRILL_ROUTING_KEY_VAR
        )
    except SecretError as exc:
        raise NotifyConfigError(str(exc)) from None
    if not drill_only:
        keys = resolve_routing_keys(notify, default, drill, environ)
        return Paging(notify, keys, hook_secrets(notify, environ), config.pagerduty_url)

    production: list[Secret] = [default] if default is not None else []
    for ref in notify.routing_keys.values():
        try:
            secret = ref.resolve(environ)
        except SecretError:
            continue  # a drill must not need the production secrets
        if secret is not None:
            production.append(secret)
    if drill is not None and drill in production:
        raise NotifyConfigError(f"{DRILL_ROUTING_KEY_VAR} must differ from every production routing key")
    drill_hooks = [h for h in notify.hooks if h.drills]
    notify = replace(notify, routing_keys={}, hooks=tuple(drill_hooks))
    keys = {DRILL_KEY: drill} if drill is not None else {}
    return Paging(notify, keys, hook_secrets(notify, environ), config.pagerduty_url, drill_only=True)
