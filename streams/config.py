"""Runtime configuration from FIRESTORM_* environment variables and an optional TOML file.

The environment wins over the file, so a deployment can share one file and override
per process. Every value is checked here, once, with an error that names the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from firestorm.models.engine import DETECTORS, EngineSettings
from firestorm.models.planned import PlannedEvent
from firestorm.models.sentiment import DEFAULT_MODE, SENTIMENT_MODES, SentimentScorer
from firestorm.models.timeutil import parse_duration_ms
from firestorm.streams.toml_file import read_toml

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


class ConfigError(ValueError):
    """A setting that cannot be used, with the variable that holds it."""


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a worker, a producer or an embedded replay needs to know."""

    broker: str = "kafka://127.0.0.1:9092"
    app_id: str = "firestorm"
    mentions_topic: str = "mentions"
    alerts_topic: str = "alerts"
    dlq_topic: str = ""  # empty: "<mentions_topic>.dlq"
    control_topic: str = "firestorm.control"
    entities_file: str = ""  # TOML: per-entity sensitivity and planned events (streams/entity_file.py)
    partitions: int = 4
    # Copies of every topic and state changelog; 0: the broker's default.replication.factor.
    replication_factor: int = 0
    # Replicas that must have a write before it is acknowledged (producers use acks=all);
    # 0: the broker's min.insync.replicas. Set as topic config on the topics firestorm creates.
    min_insync_replicas: int = 0
    window: str = "1m"
    allowed_lateness: str = "30s"
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9108  # 0 disables the metrics endpoint
    data_dir: str = ".run/worker"
    session_timeout: str = "10s"
    batch_size: int = 2000
    batch_wait: str = "20ms"
    entity_label_cap: int = 500
    min_volume: int = 10
    detector: str = "seasonal"
    sentiment: str = DEFAULT_MODE  # vader (stock) or vader+crisis (with the crisis/complaint overlay)
    max_entities: int = 100_000  # entities per partition engine (a memory guard); more are dead-lettered (entity_cap)
    max_clock_jump: str = "1h"  # a bigger step of event time must be confirmed by 3 mentions in a row
    log_level: str = "info"
    # A partition with no record for this long (wall clock) has its watermark moved with the wall
    # clock, so its windows close and incidents resolve (streams/worker/service.py); 0 turns it off.
    idle_timeout: str = "2m"
    resolve_after: str = "10m"  # an incident resolves after this long of normal windows
    shutdown_timeout: str = "15s"  # SIGTERM: longer than this (a broker gone), exit non-zero anyway
    # 1: export an open incident's top terms and hashtags as metric labels (free text from posts:
    # it may name people, so it is off unless the deployment accepts that; alerts always carry them)
    metrics_driver_terms: int = 0
    log_windows: int = 0  # 1: the worker logs every closed window that had mentions (entity, start, count)
    # Paging (`firestorm notifier`, `replay --drill`). Routing keys are secrets: kept out of repr;
    # each may instead be read from a file (..._FILE). See streams/notifier.
    pagerduty_url: str = "https://events.pagerduty.com"
    pagerduty_routing_key: str = field(default="", repr=False)
    pagerduty_routing_key_file: str = ""
    pagerduty_drill_routing_key: str = field(default="", repr=False)
    pagerduty_drill_routing_key_file: str = ""
    runbook_url: str = ""  # the on-call runbook pages link to; empty: the notify config's (default: Grafana's panel)
    notify_config: str = ""  # TOML: thresholds and routing per entity/group, webhook and Slack sinks
    notifier_group: str = ""  # empty: "<app_id>-notifier"
    notifier_dlq_topic: str = ""  # empty: "<alerts_topic>.notifier-dlq"
    notifier_offset_reset: str = "latest"  # where a notifier group with no committed offset starts
    notifier_metrics_port: int = 9109  # 0 disables
    # Kafka client security (every client: Faust, kafka-python, aiokafka). Passwords are secrets:
    # kept out of repr, readable from files (..._FILE), never logged. See streams/kafka/security.py.
    kafka_security_protocol: str = "PLAINTEXT"  # PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"  # SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN
    kafka_username: str = ""
    kafka_password: str = field(default="", repr=False)
    kafka_password_file: str = ""
    kafka_ssl_cafile: str = ""  # CA bundle (PEM) that signed the brokers' certificates; empty: system CAs
    kafka_ssl_certfile: str = ""  # client certificate (PEM), for brokers that require one (mutual TLS)
    kafka_ssl_keyfile: str = ""  # its private key (PEM)
    kafka_ssl_key_password: str = field(default="", repr=False)
    kafka_ssl_key_password_file: str = ""
    kafka_ssl_check_hostname: int = 1

    @property
    def dead_letter_topic(self) -> str:
        return self.dlq_topic or f"{self.mentions_topic}.dlq"

    @property
    def notifier_group_id(self) -> str:
        return self.notifier_group or f"{self.app_id}-notifier"

    @property
    def notifier_dead_letter_topic(self) -> str:
        return self.notifier_dlq_topic or f"{self.alerts_topic}.notifier-dlq"

    @property
    def kafka_bootstrap(self) -> str:
        """host:port list for kafka-python, from the Faust-style URL."""
        return ",".join(part.split("://", 1)[-1] for part in self.broker.split(";"))

    @property
    def window_ms(self) -> int:
        return parse_duration_ms(self.window)

    @property
    def idle_timeout_s(self) -> float:
        """0: no idle advance."""
        return parse_duration_ms(self.idle_timeout, allow_zero=True) / 1000

    @property
    def shutdown_timeout_s(self) -> float:
        return parse_duration_ms(self.shutdown_timeout) / 1000

    @property
    def lateness_ms(self) -> int:
        return parse_duration_ms(self.allowed_lateness, allow_zero=True)

    def engine_settings(self, drill: bool = False) -> EngineSettings:
        from firestorm.streams.entity_file import load_entity_file

        return EngineSettings(
            window_ms=self.window_ms,
            lateness_ms=self.lateness_ms,
            min_volume=self.min_volume,
            detector=self.detector,
            max_entities=self.max_entities,
            max_clock_jump_ms=parse_duration_ms(self.max_clock_jump),
            resolve_after_ms=parse_duration_ms(self.resolve_after),
            drill=drill,
            entity_overrides=load_entity_file(self.entities_file).overrides,
        )

    def scorer(self) -> SentimentScorer:
        """The sentiment scorer of FIRESTORM_SENTIMENT (replay, worker and score build theirs here)."""
        return SentimentScorer(self.sentiment)

    def planned_events(self) -> tuple[PlannedEvent, ...]:
        from firestorm.streams.entity_file import load_entity_file

        return load_entity_file(self.entities_file).planned

    def validate(self) -> Config:
        durations = ("window", "allowed_lateness", "session_timeout", "batch_wait", "max_clock_jump", "resolve_after")
        for name in (*durations, "idle_timeout", "shutdown_timeout"):
            value = str(getattr(self, name)).strip()
            if value.replace(".", "", 1).isdigit() and value not in ("0",):
                raise ConfigError(f"{env_name(name)}: {value!r} has no unit: write {value}s, {value}m or {value}h")
            try:
                parse_duration_ms(getattr(self, name), allow_zero=name in ("allowed_lateness", "idle_timeout"))
            except ValueError as exc:
                raise ConfigError(f"{env_name(name)}: {exc}") from exc
        for name in ("partitions", "batch_size", "entity_label_cap", "min_volume", "max_entities"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{env_name(name)} must be at least 1")
        if self.entities_file:
            from firestorm.streams.entity_file import EntityFileError, load_entity_file

            try:
                load_entity_file(self.entities_file)
            except EntityFileError as exc:
                raise ConfigError(f"{env_name('entities_file')}: {exc}") from exc
        for name in ("replication_factor", "min_insync_replicas"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{env_name(name)} must be 0 (the broker's default) or more")
        if 0 < self.replication_factor < self.min_insync_replicas:
            raise ConfigError(
                f"{env_name('min_insync_replicas')}={self.min_insync_replicas} exceeds "
                f"{env_name('replication_factor')}={self.replication_factor}: no write could be acknowledged"
            )
        if self.detector not in DETECTORS:
            raise ConfigError(f"{env_name('detector')} must be one of {', '.join(DETECTORS)}, got {self.detector!r}")
        if self.sentiment not in SENTIMENT_MODES:
            raise ConfigError(
                f"{env_name('sentiment')} must be one of {', '.join(SENTIMENT_MODES)}, got {self.sentiment!r}"
            )
        if self.log_level.lower() not in LOG_LEVELS:
            raise ConfigError(f"{env_name('log_level')} must be one of {', '.join(LOG_LEVELS)}, got {self.log_level!r}")
        if not 0 <= self.metrics_port < 65536:
            raise ConfigError(f"{env_name('metrics_port')} must be a TCP port (0 disables)")
        if not 0 <= self.notifier_metrics_port < 65536:
            raise ConfigError(f"{env_name('notifier_metrics_port')} must be a TCP port (0 disables)")
        if not self.pagerduty_url.startswith(("https://", "http://")):
            raise ConfigError(f"{env_name('pagerduty_url')} must be an http(s) URL, got {self.pagerduty_url!r}")
        if self.notifier_offset_reset not in ("earliest", "latest"):
            raise ConfigError(f"{env_name('notifier_offset_reset')} must be earliest or latest")
        from firestorm.streams.kafka.security import check_security

        check_security(self)
        if "://" not in self.broker:
            raise ConfigError(f"{env_name('broker')} must look like kafka://host:port, got {self.broker!r}")
        return self


def env_name(field_name: str) -> str:
    return f"FIRESTORM_{field_name.upper()}"


def _coerce(name: str, raw: Any, kind: type) -> Any:
    if kind is int:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ConfigError(f"{env_name(name)} must be an integer, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{env_name(name)} must be an integer, got {raw!r}") from exc
    return str(raw)


def load_config(environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
    """Build the Config: defaults, then FIRESTORM_CONFIG (TOML), then the environment, then overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    kinds = {f.name: (int if f.type in (int, "int") else str) for f in fields(Config)}
    path = env.get("FIRESTORM_CONFIG")
    if path:
        data = read_toml(path, ConfigError, f"FIRESTORM_CONFIG={path}")
        unknown = set(data) - set(kinds)
        if unknown:
            raise ConfigError(f"FIRESTORM_CONFIG={path}: unknown settings {sorted(unknown)}")
        values.update({k: _coerce(k, v, kinds[k]) for k, v in data.items()})
    for name, kind in kinds.items():
        if env_name(name) in env:
            values[name] = _coerce(name, env[env_name(name)], kind)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(Config(), **values).validate()
