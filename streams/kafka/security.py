"""Kafka client security from the configuration: SASL (SCRAM, PLAIN) and TLS, for every client.

Faust (`broker_credentials`), kafka-python (admin, producers, consumers) and aiokafka (the control
topic follower, the notifier) all get the same settings from here. Passwords come from the
environment or from files (`FIRESTORM_KAFKA_PASSWORD_FILE`, `FIRESTORM_KAFKA_SSL_KEY_PASSWORD_FILE`),
are never logged, and configuration errors name the variable, never the value.
"""

from __future__ import annotations

import logging
import ssl
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from firestorm.streams.config import Config

REDACTED = "[redacted]"
_secrets: set[str] = set()
_factory_installed = False

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN")


def _error(message: str) -> Exception:
    from firestorm.streams.config import ConfigError

    return ConfigError(message)


def _secret(config: Config, name: str) -> str:
    """A secret setting: the value itself, else the first line of the file named by <name>_file.
    Whatever is read is also scrubbed from every log record this process writes from now on."""
    value = str(getattr(config, name))
    path = str(getattr(config, f"{name}_file"))
    if value and path:
        raise _error(f"set FIRESTORM_{name.upper()} or FIRESTORM_{name.upper()}_FILE, not both")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise _error(f"FIRESTORM_{name.upper()}_FILE={path}: cannot read it ({exc.strerror or exc})") from exc
    redact_in_logs(value)
    return value


def redact_in_logs(secret: str) -> None:
    """Scrub `secret` from every log record created from now on, whichever library logs it.

    Client libraries log their configuration at debug level (kafka-python prints its SASL password),
    and Faust replaces the logging handlers when its worker starts, so this works at record creation
    (the log record factory), not as a handler filter.
    """
    global _factory_installed
    if len(secret) < 4 or secret in _secrets:
        return
    _secrets.add(secret)
    if _factory_installed:
        return
    _factory_installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report
            return record
        if any(value in message for value in _secrets):
            for value in _secrets:
                message = message.replace(value, REDACTED)
            record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            if any(value in text for value in _secrets):
                for value in _secrets:
                    text = text.replace(value, REDACTED)
                record.exc_text = text
        return record

    logging.setLogRecordFactory(factory)


def uses_sasl(config: Config) -> bool:
    return config.kafka_security_protocol.upper().startswith("SASL_")


def uses_tls(config: Config) -> bool:
    return config.kafka_security_protocol.upper() in ("SSL", "SASL_SSL")


def check_security(config: Config) -> None:
    """Fail at start, naming the variable, on settings that cannot work."""
    protocol = config.kafka_security_protocol.upper()
    if protocol not in PROTOCOLS:
        raise _error(f"FIRESTORM_KAFKA_SECURITY_PROTOCOL must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    if uses_sasl(config):
        if config.kafka_sasl_mechanism.upper() not in MECHANISMS:
            raise _error(f"FIRESTORM_KAFKA_SASL_MECHANISM must be one of {', '.join(MECHANISMS)}")
        if not config.kafka_username:
            raise _error(f"FIRESTORM_KAFKA_USERNAME is required with FIRESTORM_KAFKA_SECURITY_PROTOCOL={protocol}")
        if not _secret(config, "kafka_password"):
            raise _error(
                f"FIRESTORM_KAFKA_PASSWORD (or _FILE) is required with FIRESTORM_KAFKA_SECURITY_PROTOCOL={protocol}"
            )
    if uses_tls(config):
        for name in ("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile"):
            path = str(getattr(config, name))
            if path and not Path(path).is_file():
                raise _error(f"FIRESTORM_{name.upper()}={path}: no such file")
        if bool(config.kafka_ssl_certfile) != bool(config.kafka_ssl_keyfile):
            raise _error("FIRESTORM_KAFKA_SSL_CERTFILE and FIRESTORM_KAFKA_SSL_KEYFILE go together")
        ssl_context(config)  # a bad CA, certificate, key or key password fails here, at start


def ssl_context(config: Config) -> ssl.SSLContext | None:
    """The TLS context for SSL and SASL_SSL (None otherwise): verifies the broker, optional client cert."""
    if not uses_tls(config):
        return None
    try:
        context = ssl.create_default_context(cafile=config.kafka_ssl_cafile or None)
        context.check_hostname = bool(config.kafka_ssl_check_hostname)
        if config.kafka_ssl_certfile:
            password = _secret(config, "kafka_ssl_key_password") or None
            context.load_cert_chain(config.kafka_ssl_certfile, config.kafka_ssl_keyfile, password=password)
    except (ssl.SSLError, OSError) as exc:
        raise _error(f"FIRESTORM_KAFKA_SSL_*: cannot build the TLS context ({exc.__class__.__name__})") from exc
    return context


def kafka_python_security(config: Config) -> dict[str, Any]:
    """Keyword arguments for kafka-python's KafkaAdminClient, KafkaProducer and KafkaConsumer."""
    kwargs: dict[str, Any] = {"security_protocol": config.kafka_security_protocol.upper()}
    if uses_tls(config):
        kwargs["ssl_context"] = ssl_context(config)
        kwargs["ssl_check_hostname"] = bool(config.kafka_ssl_check_hostname)
    if uses_sasl(config):
        kwargs["sasl_mechanism"] = config.kafka_sasl_mechanism.upper()
        kwargs["sasl_plain_username"] = config.kafka_username
        kwargs["sasl_plain_password"] = _secret(config, "kafka_password")
    return kwargs


def aiokafka_security(config: Config) -> dict[str, Any]:
    """Keyword arguments for aiokafka's AIOKafkaConsumer and AIOKafkaProducer."""
    kwargs: dict[str, Any] = {"security_protocol": config.kafka_security_protocol.upper()}
    if uses_tls(config):
        kwargs["ssl_context"] = ssl_context(config)
    if uses_sasl(config):
        kwargs["sasl_mechanism"] = config.kafka_sasl_mechanism.upper()
        kwargs["sasl_plain_username"] = config.kafka_username
        kwargs["sasl_plain_password"] = _secret(config, "kafka_password")
    return kwargs


def faust_credentials(config: Config) -> Any:
    """Faust's `broker_credentials`: SASLCredentials, SSLCredentials, or None for PLAINTEXT."""
    import faust

    if uses_sasl(config):
        return faust.SASLCredentials(
            username=config.kafka_username,
            password=_secret(config, "kafka_password"),
            mechanism=config.kafka_sasl_mechanism.upper(),
            ssl_context=ssl_context(config),
        )
    if uses_tls(config):
        return faust.SSLCredentials(ssl_context(config))
    return None


def describe(config: Config) -> str:
    """How the clients connect, for logs: never a password."""
    protocol = config.kafka_security_protocol.upper()
    if uses_sasl(config):
        return f"{protocol} {config.kafka_sasl_mechanism.upper()} as {config.kafka_username!r}"
    return protocol
