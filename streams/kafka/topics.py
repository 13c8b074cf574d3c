"""Create firestorm's topics up front with the partitioning and retention they need."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import KafkaError, RetriableError, TopicAlreadyExistsError, UnknownBrokerIdError

from firestorm.streams.config import Config, ConfigError
from firestorm.streams.kafka.security import describe, kafka_python_security

T = TypeVar("T")
log = logging.getLogger(__name__)

# Producers stamp records with the time they are sent, not the mention's event time, so
# replaying last year's incident is not deleted at once by time-based retention. The
# event time travels in the payload; a week of retention is plenty to drill on.
TOPIC_CONFIG = {"retention.ms": str(7 * 24 * 3600 * 1000), "message.timestamp.type": "CreateTime"}


class _HandshakeFailures(logging.Handler):
    """Notices kafka-python's log lines about rejected credentials or an untrusted broker
    certificate (it retries both until a timeout, which alone says only "cannot bootstrap")."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.auth = False
        self.tls = False
        self.tls_lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lower()
        if "authentication" in message:
            self.auth = True
        if "certificate" in message or "ssl" in message:
            self.tls = True
            self.tls_lines.append(record.getMessage())


# OpenSSL's reason, as Python's ssl module words it: "certificate verify failed: <reason> (_ssl.c:1020)"
_VERIFY_REASON = re.compile(r"certificate verify failed: ([^\]]+?)\s*(?:\(_ssl\.c:\d+\)|['\"]\)|$)")
# Reasons about the form of a certificate, not about whom it comes from: Python 3.13 checks them
# (VERIFY_X509_STRICT) where 3.12 and older did not.
_STRICT_HINTS = ("key usage", "extension", "authority key identifier", "basic constraints", "missing")


def tls_failure(lines: list[str]) -> str:
    """What to tell the operator about a failed TLS handshake, naming OpenSSL's reason when a
    log line or error carried it (an untrusted CA, a name mismatch and a malformed CA certificate
    need different fixes)."""
    for line in lines:
        found = _VERIFY_REASON.search(line)
        if found is None:
            continue
        cause = found.group(1).strip().rstrip(",.")
        if any(hint in cause.lower() for hint in _STRICT_HINTS):
            return (
                f"TLS handshake failed: the broker's certificate chain is malformed ({cause}; Python 3.13+ "
                "verifies X.509 strictly, RFC 5280): reissue the CA and broker certificates with the standard "
                "extensions (keyUsage, basicConstraints, key identifiers), or check FIRESTORM_KAFKA_SSL_CAFILE"
            )
        if "mismatch" in cause.lower() or "hostname" in cause.lower() or "ip address" in cause.lower():
            return (
                f"TLS handshake failed: the broker's certificate does not match its address ({cause}): "
                "check the broker address in FIRESTORM_BROKER and FIRESTORM_KAFKA_SSL_CHECK_HOSTNAME"
            )
        return (
            f"TLS handshake failed: the broker's certificate is not trusted ({cause}): check "
            "FIRESTORM_KAFKA_SSL_CAFILE (the CA that signed the broker's certificate)"
        )
    return (
        "TLS handshake failed (the broker's certificate is not trusted, or does not match its "
        "address): check FIRESTORM_KAFKA_SSL_CAFILE and FIRESTORM_KAFKA_SSL_CHECK_HOSTNAME"
    )


def admin_client(config: Config, client_id: str, timeout_s: float = 30.0, probe_s: float = 10.0) -> Any:
    """A kafka-python admin client with the configured security. It is the first contact with the
    broker: a wrong password or an unreachable broker stops the command here, within `probe_s`,
    with an error that says which (kafka-python itself would retry rejected credentials)."""
    watcher = _HandshakeFailures()
    kafka_log = logging.getLogger("kafka")
    kafka_log.addHandler(watcher)
    try:
        return KafkaAdminClient(
            bootstrap_servers=config.kafka_bootstrap,
            client_id=client_id,
            request_timeout_ms=int(timeout_s * 1000),
            bootstrap_timeout_ms=int(probe_s * 1000),
            **kafka_python_security(config),
        )
    except KafkaError as exc:
        detail = str(exc) or exc.__class__.__name__
        if watcher.auth or "auth" in f"{exc.__class__.__name__} {detail}".lower():
            reason = (
                "authentication failed: check FIRESTORM_KAFKA_USERNAME, FIRESTORM_KAFKA_PASSWORD (or _FILE) "
                "and FIRESTORM_KAFKA_SASL_MECHANISM"
            )
        elif watcher.tls:
            reason = tls_failure([*watcher.tls_lines, detail])
        else:
            reason = f"cannot connect ({exc.__class__.__name__}: {detail[:200]})"
        raise ConfigError(f"Kafka at {config.kafka_bootstrap} ({describe(config)}): {reason}") from exc
    finally:
        kafka_log.removeHandler(watcher)


def broker_setting(admin: Any, name: str) -> str | None:
    """A broker's value of `name` (DescribeConfigs on the first broker; the same file on every
    broker of a cluster is the usual practice). A broker the client's metadata does not know yet
    (a cluster that has just started) is raised as such, for `with_fresh_admin` to ask again."""
    try:
        brokers = admin.describe_cluster()["brokers"]
        if not brokers:
            return None
        broker_id = str(brokers[0]["broker_id"])
        resource = ConfigResource(ConfigResourceType.BROKER, broker_id, {name: None})
        found = admin.describe_configs([resource], config_filter="all")
    except (UnknownBrokerIdError, RetriableError):
        raise
    except KafkaError as exc:  # e.g. no DescribeConfigs permission on the cluster
        raise ConfigError(
            f"could not read the broker's {name} ({exc.__class__.__name__}): set FIRESTORM_REPLICATION_FACTOR"
        ) from exc
    value = found.get("broker", {}).get(broker_id, {}).get(name, {}).get("value")
    return None if value is None else str(value)


def with_fresh_admin(
    make_admin: Callable[[], Any], work: Callable[[Any], T], attempts: int = 5, pause_s: float = 0.5
) -> T:
    """`work(admin)` with a new admin client for each attempt. A cluster that has just started can
    hand out metadata that lacks a broker (UnknownBrokerIdError for the controller or the broker
    asked; CI's 3-broker test met both), and kafka-python refreshes it only every few minutes: a new
    client bootstraps afresh. Asked again after 0.5, 1, 2 and 4 s, then the error stands."""
    for attempt in range(attempts):
        admin = make_admin()
        try:
            return work(admin)
        except (UnknownBrokerIdError, RetriableError) as exc:
            if attempt == attempts - 1:
                raise ConfigError(
                    f"the Kafka cluster's metadata still lacks a broker after {attempts} tries "
                    f"({exc.__class__.__name__}: {exc}); is every broker up?"
                ) from exc
            log.info("kafka admin: %s, asking again with fresh metadata", exc.__class__.__name__)
            time.sleep(pause_s * 2**attempt)
        finally:
            admin.close()
    raise AssertionError("unreachable")


def with_replication(config: Config, admin: Any) -> Config:
    """The config with FIRESTORM_REPLICATION_FACTOR resolved: 0 becomes the broker's
    default.replication.factor (1 if the broker does not say), checked against min.insync.replicas."""
    if config.replication_factor > 0:
        return config
    factor = int(broker_setting(admin, "default.replication.factor") or 1)
    if factor < config.min_insync_replicas:
        raise ConfigError(
            f"FIRESTORM_MIN_INSYNC_REPLICAS={config.min_insync_replicas} exceeds the broker's "
            f"default.replication.factor={factor}: set FIRESTORM_REPLICATION_FACTOR"
        )
    return replace(config, replication_factor=factor)


def topic_config(config: Config, base: dict[str, str]) -> dict[str, str]:
    """`base` plus min.insync.replicas when FIRESTORM_MIN_INSYNC_REPLICAS sets it."""
    if config.min_insync_replicas > 0:
        return {**base, "min.insync.replicas": str(config.min_insync_replicas)}
    return dict(base)


def resolve_replication(config: Config, timeout_s: float = 30.0) -> Config:
    """`with_replication` with an admin client of its own (the worker asks once, at start)."""
    if config.replication_factor > 0:
        return config
    return with_fresh_admin(
        lambda: admin_client(config, f"{config.app_id}-admin", timeout_s), lambda admin: with_replication(config, admin)
    )


def ensure_topics(config: Config, timeout_s: float = 30.0) -> list[str]:
    """Create the mentions, dead-letter, alerts and control topics if missing, with the configured
    replication; return the ones created."""
    created: list[str] = []

    def create_missing(admin: Any) -> list[str]:
        resolved = with_replication(config, admin)
        factor = resolved.replication_factor
        existing = set(admin.list_topics())
        data_config = topic_config(resolved, TOPIC_CONFIG)
        wanted = [
            NewTopic(resolved.mentions_topic, resolved.partitions, factor, topic_configs=data_config),
            NewTopic(resolved.dead_letter_topic, resolved.partitions, factor, topic_configs=data_config),
            NewTopic(resolved.alerts_topic, resolved.partitions, factor, topic_configs=data_config),
            # Planned events are few and must outlive any retention: one partition, kept forever.
            NewTopic(resolved.control_topic, 1, factor, topic_configs=topic_config(resolved, {"retention.ms": "-1"})),
        ]
        for topic in [t for t in wanted if t.name not in existing]:
            try:
                admin.create_topics([topic], timeout_ms=int(timeout_s * 1000))
                created.append(topic.name)  # kept across attempts: a retry finds it existing
            except TopicAlreadyExistsError:
                pass
        return created

    return with_fresh_admin(lambda: admin_client(config, f"{config.app_id}-admin", timeout_s), create_missing)
