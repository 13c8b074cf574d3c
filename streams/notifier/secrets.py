"""Secrets (routing keys, webhook secrets and URLs): read once, never printed, redacted in logs.

A secret comes from an environment variable or from a file named by `<VARIABLE>_FILE` (the
usual convention for container secrets). `Secret` hides its value from repr/str, so a secret
that ends up in an f-string, an exception or a dataclass repr shows as `[redacted]`; the
`RedactingFilter` is the last line of defence on log handlers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

REDACTED = "[redacted]"


class SecretError(ValueError):
    """A secret that cannot be read; the message names where it was looked for, never its value."""


class Secret:
    """A string that does not show itself: use `reveal()` only where it is sent."""

    __slots__ = ("_value", "origin")

    def __init__(self, value: str, origin: str) -> None:
        self._value = value
        self.origin = origin  # where it came from (a variable or file name): safe to print

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.origin}={REDACTED})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not picklable")


def read_secret_file(path: str, origin: str) -> Secret:
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretError(f"{origin}: cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    if not value:
        raise SecretError(f"{origin}: {path} is empty")
    return Secret(value, origin)


def secret_from(value: str, file: str, name: str) -> Secret | None:
    """The secret given directly (`name`) or in a file (`name_FILE`); None if neither is set."""
    if value and file:
        raise SecretError(f"set {name} or {name}_FILE, not both")
    if file:
        return read_secret_file(file, f"{name}_FILE")
    if value.strip():
        return Secret(value.strip(), name)
    return None


def secret_from_env(name: str, environ: Mapping[str, str] | None = None) -> Secret | None:
    """`name` or `name_FILE` from the environment."""
    env = os.environ if environ is None else environ
    return secret_from(env.get(name, ""), env.get(f"{name}_FILE", ""), name)


def redact(text: str, secrets: Iterable[Secret | str]) -> str:
    """`text` with every secret value replaced by [redacted]."""
    for secret in secrets:
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if value and value in text:
            text = text.replace(value, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites log records so no known secret value reaches a handler (message, args, traceback)."""

    def __init__(self, secrets: Iterable[Secret | str] = ()) -> None:
        super().__init__("firestorm-redact")
        self._values: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[Secret | str]) -> None:
        for secret in secrets:
            value = secret.reveal() if isinstance(secret, Secret) else secret
            if value:
                self._values.add(value)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._values:
            return True
        message = record.getMessage()
        clean = redact(message, self._values)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._values)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._values)
        return True


def install_redaction(secrets: Iterable[Secret | str], logger: logging.Logger | None = None) -> RedactingFilter:
    """Put one RedactingFilter on every handler of `logger` (the root logger by default)."""
    target = logger or logging.getLogger()
    existing = [f for h in target.handlers for f in h.filters if isinstance(f, RedactingFilter)]
    if existing:
        existing[0].add(secrets)
        for handler in target.handlers:
            if existing[0] not in handler.filters:
                handler.addFilter(existing[0])
        return existing[0]
    redactor = RedactingFilter(secrets)
    for handler in target.handlers:
        handler.addFilter(redactor)
    return redactor
