"""Who is told about which alert: the notify config file (TOML) and the routing decision.

Per entity, then per group, then the file's defaults: a severity threshold (`info` does not
page unless asked) and a PagerDuty routing key *name*; the keys themselves are read from the
environment or files (see `secrets`). Drill alerts go to the `drill` routing key or nowhere,
never to a production key, and to a webhook or Slack sink only if it says `drills = true`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from firestorm.models.alerts import SEVERITIES, Alert
from firestorm.models.timeutil import parse_duration_ms
from firestorm.streams.config import ConfigError
from firestorm.streams.notifier.delivery import DeliverySettings
from firestorm.streams.notifier.render import reopened
from firestorm.streams.notifier.secrets import Secret, SecretError, read_secret_file, secret_from_env
from firestorm.streams.toml_file import read_toml

SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
DEFAULT_KEY = "default"  # FIRESTORM_PAGERDUTY_ROUTING_KEY
DRILL_KEY = "drill"  # FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY
PAGERDUTY = "pagerduty"
SIGNATURE_HEADER = "X-Firestorm-Signature-256"
DEFAULT_GRAFANA_LINK = (
    "http://127.0.0.1:3000/d/firestorm-entity/firestorm?orgId=1&var-entity={entity}&from={from_ms}&to={to_ms}"
)
# The on-call runbook (docs/runbook.md) as the runbook panel of the same Grafana dashboard
# (deploy/grafana/generate.py, RUNBOOK_PANEL_ID); FIRESTORM_RUNBOOK_URL or runbook_url overrides it.
DEFAULT_RUNBOOK_URL = "http://127.0.0.1:3000/d/firestorm-entity/firestorm?orgId=1&viewPanel=100"


class NotifyConfigError(ConfigError):
    """A notify config or paging secret that cannot be used; the message names the setting, never a secret."""


@dataclass(frozen=True, slots=True)
class SecretRef:
    """Where a secret is read from: an environment variable (or its `_FILE` twin), or a file."""

    env: str = ""
    file: str = ""

    def resolve(self, environ: Mapping[str, str] | None = None) -> Secret | None:
        if self.file:
            return read_secret_file(self.file, f"file {self.file}")
        return secret_from_env(self.env, environ)

    def describe(self) -> str:
        return f"file {self.file}" if self.file else self.env


@dataclass(frozen=True, slots=True)
class Rule:
    """Settings of one entity or one group; None means: ask the next level."""

    min_severity: str | None = None
    routing_key: str | None = None
    page: bool | None = None  # false: never page PagerDuty for it (hooks still see it)


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    entities: tuple[str, ...] = ()
    rule: Rule = field(default_factory=Rule)


@dataclass(frozen=True, slots=True)
class HookSpec:
    """A generic webhook (`kind="webhook"`) or a Slack incoming webhook (`kind="slack"`)."""

    kind: str
    name: str
    url: str | SecretRef
    secret: SecretRef | None = None  # webhook only: HMAC-SHA256 signing secret
    signature_header: str = SIGNATURE_HEADER
    min_severity: str | None = None
    drills: bool = False
    entities: tuple[str, ...] = ()  # empty: every entity
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    min_severity: str = "warning"
    page_on_updated: bool = True
    source: str = "firestorm"
    grafana_link: str = DEFAULT_GRAFANA_LINK
    runbook_url: str = DEFAULT_RUNBOOK_URL  # "" or "none": no runbook link
    sample_links: int = 3
    routing_keys: Mapping[str, SecretRef] = field(default_factory=dict)
    groups: Mapping[str, Group] = field(default_factory=dict)
    entities: Mapping[str, tuple[Rule, str | None]] = field(default_factory=dict)  # rule, explicit group
    hooks: tuple[HookSpec, ...] = ()
    delivery: DeliverySettings = field(default_factory=DeliverySettings)

    def group_of(self, entity: str) -> Group | None:
        explicit = self.entities.get(entity, (Rule(), None))[1]
        if explicit is not None:
            return self.groups.get(explicit)
        for group in self.groups.values():
            if entity in group.entities:
                return group
        return None

    def key_names(self) -> set[str]:
        """Every routing-key name some rule uses."""
        names = {DEFAULT_KEY}
        for group in self.groups.values():
            if group.rule.routing_key:
                names.add(group.rule.routing_key)
        for rule, _group in self.entities.values():
            if rule.routing_key:
                names.add(rule.routing_key)
        return names


# --- loading ---------------------------------------------------------------------------------


class _Table:
    """A TOML table read strictly: each key once, unknown keys are errors that name the place."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise NotifyConfigError(f"{where} must be a table")
        self.data = data
        self.where = where
        self.used: set[str] = set()

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        self.used.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
            raise NotifyConfigError(f"{self.where}.{key}: wrong type {type(value).__name__}")
        return value

    def severity(self, key: str) -> str | None:
        value: str | None = self.get(key, str)
        if value is not None and value not in SEVERITY_RANK:
            raise NotifyConfigError(f"{self.where}.{key}: {value!r} is not one of {', '.join(SEVERITY_RANK)}")
        return value

    def duration_s(self, key: str, default: float) -> float:
        value = self.get(key, (str, int, float))
        if value is None:
            return default
        if isinstance(value, bool):
            raise NotifyConfigError(f"{self.where}.{key}: wrong type bool")
        if isinstance(value, int | float):
            if value <= 0:
                raise NotifyConfigError(f"{self.where}.{key}: must be positive")
            return float(value)
        try:
            return parse_duration_ms(value) / 1000
        except ValueError as exc:
            raise NotifyConfigError(f"{self.where}.{key}: {exc}") from None

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, list, [])
        if not all(isinstance(v, str) for v in value):
            raise NotifyConfigError(f"{self.where}.{key}: must be a list of strings")
        return tuple(value)

    def secret_ref(self, key: str) -> SecretRef | None:
        value = self.get(key, dict)
        if value is None:
            return None
        return _secret_ref(value, f"{self.where}.{key}")

    def done(self) -> None:
        unknown = set(self.data) - self.used
        if unknown:
            raise NotifyConfigError(f"{self.where}: unknown settings {sorted(unknown)}")


def _secret_ref(value: Any, where: str) -> SecretRef:
    table = _Table(value, where)
    env = table.get("env", str, "")
    file = table.get("file", str, "")
    table.done()
    if bool(env) == bool(file):
        raise NotifyConfigError(f'{where}: give exactly one of env = "VARIABLE" or file = "/path"')
    return SecretRef(env=env, file=file)


def _rule(table: _Table) -> Rule:
    return Rule(
        min_severity=table.severity("min_severity"),
        routing_key=table.get("routing_key", str),
        page=table.get("page", bool),
    )


def _delivery(table: _Table) -> DeliverySettings:
    d = DeliverySettings()
    settings = DeliverySettings(
        rate_limit=table.get("rate_limit", int, d.rate_limit),
        rate_window_s=table.duration_s("rate_window", d.rate_window_s),
        backoff_initial_s=table.duration_s("backoff_initial", d.backoff_initial_s),
        backoff_max_s=table.duration_s("backoff_max", d.backoff_max_s),
        backoff_multiplier=table.get("backoff_multiplier", float, d.backoff_multiplier),
        max_attempts=table.get("max_attempts", int, d.max_attempts),
        request_timeout_s=table.duration_s("request_timeout", d.request_timeout_s),
        concurrency=table.get("concurrency", int, d.concurrency),
        max_pending=table.get("max_pending", int, d.max_pending),
        drain_timeout_s=table.duration_s("drain_timeout", d.drain_timeout_s),
    )
    table.done()
    for name in ("rate_limit", "concurrency", "max_pending"):
        if getattr(settings, name) < 1:
            raise NotifyConfigError(f"{table.where}.{name}: must be at least 1")
    if settings.max_attempts < 0:
        raise NotifyConfigError(f"{table.where}.max_attempts: must be 0 (no limit) or more")
    if settings.backoff_multiplier < 1:
        raise NotifyConfigError(f"{table.where}.backoff_multiplier: must be at least 1")
    return settings


def _hook(kind: str, data: Any, where: str) -> HookSpec:
    table = _Table(data, where)
    name = table.get("name", str)
    if not name:
        raise NotifyConfigError(f"{where}.name: required")
    raw_url = table.get("url", (str, dict))
    if raw_url is None:
        raise NotifyConfigError(f"{where}.url: required (a URL, or {{ env = ... }} / {{ file = ... }})")
    url: str | SecretRef = _secret_ref(raw_url, f"{where}.url") if isinstance(raw_url, dict) else raw_url
    if isinstance(url, str) and not url.startswith(("http://", "https://")):
        raise NotifyConfigError(f"{where}.url: must be an http(s) URL")
    secret = table.secret_ref("secret") if kind == "webhook" else None
    spec = HookSpec(
        kind=kind,
        name=name,
        url=url,
        secret=secret,
        signature_header=table.get("signature_header", str, SIGNATURE_HEADER)
        if kind == "webhook"
        else SIGNATURE_HEADER,
        min_severity=table.severity("min_severity"),
        drills=table.get("drills", bool, False),
        entities=table.strings("entities"),
        groups=table.strings("groups"),
    )
    table.done()
    return spec


def runbook_link(value: str, where: str) -> str:
    """The runbook URL to link ("" for none); it must be an absolute http(s) URL, as PagerDuty requires."""
    value = value.strip()
    if value.lower() in ("", "none"):
        return ""
    if not value.startswith(("https://", "http://")):
        raise NotifyConfigError(f"{where} must be an http(s) URL or 'none', got {value[:100]!r}")
    return value


def parse_notify_config(data: dict[str, Any], where: str = "notify config") -> NotifyConfig:
    top = _Table(data, where)
    defaults = NotifyConfig()
    keys_table = _Table(top.get("routing_keys", dict, {}), f"{where}: routing_keys")
    routing_keys: dict[str, SecretRef] = {}
    for name in list(keys_table.data):
        if name in (DEFAULT_KEY, DRILL_KEY):
            variable = (
                "FIRESTORM_PAGERDUTY_ROUTING_KEY" if name == DEFAULT_KEY else "FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY"
            )
            raise NotifyConfigError(f"{where}: routing_keys.{name} is built in ({variable})")
        routing_keys[name] = _secret_ref(keys_table.get(name, dict), f"{where}: routing_keys.{name}")
    keys_table.done()

    groups: dict[str, Group] = {}
    groups_table = _Table(top.get("groups", dict, {}), f"{where}: groups")
    for name in list(groups_table.data):
        table = _Table(groups_table.get(name, dict), f"{where}: groups.{name}")
        groups[name] = Group(name=name, entities=table.strings("entities"), rule=_rule(table))
        table.done()
    groups_table.done()

    entities: dict[str, tuple[Rule, str | None]] = {}
    entities_table = _Table(top.get("entities", dict, {}), f"{where}: entities")
    for name in list(entities_table.data):
        table = _Table(entities_table.get(name, dict), f"{where}: entities.{name}")
        group = table.get("group", str)
        if group is not None and group not in groups:
            raise NotifyConfigError(f"{where}: entities.{name}.group: no group {group!r}")
        entities[name] = (_rule(table), group)
        table.done()
    entities_table.done()

    hooks: list[HookSpec] = []
    for kind, key in (("webhook", "webhooks"), ("slack", "slack")):
        for i, item in enumerate(top.get(key, list, [])):
            hooks.append(_hook(kind, item, f"{where}: {key}[{i}]"))
    names = [h.name for h in hooks]
    if len(set(names)) != len(names) or PAGERDUTY in names:
        raise NotifyConfigError(f"{where}: webhook and slack names must be unique and not {PAGERDUTY!r}")

    config = NotifyConfig(
        min_severity=top.severity("min_severity") or defaults.min_severity,
        page_on_updated=top.get("page_on_updated", bool, defaults.page_on_updated),
        source=top.get("source", str, defaults.source),
        grafana_link=top.get("grafana_link", str, defaults.grafana_link),
        runbook_url=runbook_link(top.get("runbook_url", str, defaults.runbook_url), f"{where}: runbook_url"),
        sample_links=top.get("sample_links", int, defaults.sample_links),
        routing_keys=routing_keys,
        groups=groups,
        entities=entities,
        hooks=tuple(hooks),
        delivery=_delivery(_Table(top.get("delivery", dict, {}), f"{where}: delivery")),
    )
    top.done()
    for name in config.key_names() - {DEFAULT_KEY}:
        if name == DRILL_KEY:
            raise NotifyConfigError(f"{where}: the drill routing key cannot be a production route")
        if name not in routing_keys:
            raise NotifyConfigError(f"{where}: routing key {name!r} is used but not defined in [routing_keys]")
    if config.grafana_link:
        try:
            config.grafana_link.format(entity="e", from_ms=0, to_ms=0, incident_id="i")
        except (KeyError, IndexError, ValueError) as exc:
            raise NotifyConfigError(
                f"{where}: grafana_link: only {{entity}}, {{from_ms}}, {{to_ms}}, {{incident_id}} may be used ({exc})"
            ) from None
    return config


def load_notify_config(path: str) -> NotifyConfig:
    """The notify config file, or the defaults when no file is named."""
    if not path:
        return NotifyConfig()
    data = read_toml(path, NotifyConfigError, f"FIRESTORM_NOTIFY_CONFIG={path}")
    return parse_notify_config(data, f"FIRESTORM_NOTIFY_CONFIG={path}")


def resolve_routing_keys(
    config: NotifyConfig,
    default: Secret | None,
    drill: Secret | None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Secret]:
    """Every routing key by name; a named key that cannot be read is an error now, not a silent gap."""
    keys: dict[str, Secret] = {}
    if default is not None:
        keys[DEFAULT_KEY] = default
    if drill is not None:
        keys[DRILL_KEY] = drill
    for name, ref in config.routing_keys.items():
        try:
            secret = ref.resolve(environ)
        except SecretError as exc:
            raise NotifyConfigError(f"routing key {name!r}: {exc}") from None
        if secret is None:
            raise NotifyConfigError(f"routing key {name!r}: {ref.describe()} is not set")
        keys[name] = secret
    production = [name for name, secret in keys.items() if name != DRILL_KEY]
    if drill is not None and any(keys[name] == drill for name in production):
        raise NotifyConfigError("the drill routing key must differ from every production routing key")
    return keys


# --- deciding --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Route:
    sink: str  # "pagerduty" or a webhook/slack name
    destination: str  # routing-key name for PagerDuty, the hook's name otherwise
    group: str | None = None


@dataclass(slots=True)
class Decision:
    routes: list[Route] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (sink, reason)


class Router:
    """Decides, per alert, which sinks and destinations hear about it."""

    def __init__(self, config: NotifyConfig, key_names: set[str], drill_only: bool = False) -> None:
        self.config = config
        self.key_names = set(key_names)  # routing keys that are actually available
        self.drill_only = drill_only  # replay --drill: production routes do not exist at all
        if drill_only:
            self.key_names &= {DRILL_KEY}

    def _threshold(self, entity: str, group: Group | None) -> str:
        rule = self.config.entities.get(entity, (Rule(), None))[0]
        return rule.min_severity or (group.rule.min_severity if group else None) or self.config.min_severity

    def decide(self, alert: Alert) -> Decision:
        decision = Decision()
        group = self.config.group_of(alert.entity)
        rank = SEVERITY_RANK.get(alert.severity, -1)

        reason = self._pagerduty_skip(alert, group, rank)
        if reason is None:
            key = self._pagerduty_key(alert, group)
            if key in self.key_names:
                decision.routes.append(Route(PAGERDUTY, key, group.name if group else None))
            else:
                reason = "drill_no_key" if alert.drill else "no_routing_key"
        if reason is not None:
            decision.skipped.append((PAGERDUTY, reason))

        for hook in self.config.hooks:
            hook_reason = self._hook_skip(hook, alert, group, rank)
            if hook_reason is None:
                decision.routes.append(Route(hook.name, hook.name, group.name if group else None))
            else:
                decision.skipped.append((hook.name, hook_reason))
        return decision

    def _pagerduty_skip(self, alert: Alert, group: Group | None, rank: int) -> str | None:
        if self.drill_only and not alert.drill:
            return "not_a_drill"
        rule = self.config.entities.get(alert.entity, (Rule(), None))[0]
        page = rule.page if rule.page is not None else (group.rule.page if group else None)
        if page is False:
            return "muted"
        if rank < SEVERITY_RANK[self._threshold(alert.entity, group)]:
            return "below_threshold"
        if alert.status == "updated" and not self.config.page_on_updated:
            return "updates_off"
        if alert.status == "updated" and reopened(alert):
            # PagerDuty already resolved it: a trigger would open (and page) a new alert for the
            # same episode. Only an escalation of a re-opened incident pages again.
            return "reopened"
        return None

    def _pagerduty_key(self, alert: Alert, group: Group | None) -> str:
        if alert.drill:
            return DRILL_KEY  # never a production key, whatever the rules say
        rule = self.config.entities.get(alert.entity, (Rule(), None))[0]
        return rule.routing_key or (group.rule.routing_key if group else None) or DEFAULT_KEY

    def _hook_skip(self, hook: HookSpec, alert: Alert, group: Group | None, rank: int) -> str | None:
        if alert.drill and not hook.drills:
            return "drill"
        if self.drill_only and not alert.drill:
            return "not_a_drill"
        if hook.entities or hook.groups:
            in_group = group is not None and group.name in hook.groups
            if alert.entity not in hook.entities and not in_group:
                return "not_subscribed"
        threshold = hook.min_severity or self._threshold(alert.entity, group)
        if rank < SEVERITY_RANK[threshold]:
            return "below_threshold"
        return None
