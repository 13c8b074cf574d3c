"""Secrets are read from env or files, never shown by repr/str, and scrubbed from log records."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from firestorm.streams.notifier.secrets import (
    REDACTED,
    RedactingFilter,
    Secret,
    SecretError,
    install_redaction,
    redact,
    secret_from_env,
)

VALUE = "0123456789abcdef0123456789abcdef"


def test_secret_hides_its_value() -> None:
    secret = Secret(VALUE, "FIRESTORM_PAGERDUTY_ROUTING_KEY")
    for shown in (repr(secret), str(secret), f"{secret}", repr({"k": secret})):
        assert VALUE not in shown and REDACTED in shown
    assert secret.reveal() == VALUE
    assert secret == Secret(VALUE, "elsewhere")


def test_from_env_and_file(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text(VALUE + "\n")
    assert secret_from_env("K", {"K": f" {VALUE} "}).reveal() == VALUE  # type: ignore[union-attr]
    assert secret_from_env("K", {"K_FILE": str(path)}).reveal() == VALUE  # type: ignore[union-attr]
    assert secret_from_env("K", {}) is None
    with pytest.raises(SecretError, match="not both"):
        secret_from_env("K", {"K": VALUE, "K_FILE": str(path)})
    path.write_text("\n")
    with pytest.raises(SecretError, match="empty"):
        secret_from_env("K", {"K_FILE": str(path)})
    with pytest.raises(SecretError, match="cannot read") as info:
        secret_from_env("K", {"K_FILE": str(tmp_path / "absent")})
    assert "K_FILE" in str(info.value)


def test_redact() -> None:
    assert redact(f"url https://x/{VALUE}/y", [Secret(VALUE, "S")]) == f"url https://x/{REDACTED}/y"
    assert redact("nothing here", [VALUE, ""]) == "nothing here"


def test_filter_scrubs_message_args_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redaction")
    redactor = RedactingFilter([Secret(VALUE, "S")])
    caplog.handler.addFilter(redactor)
    try:
        with caplog.at_level(logging.DEBUG, logger="test.redaction"):
            logger.info("posting with key %s", VALUE)
            logger.warning(f"inline {VALUE}")
            try:
                raise RuntimeError(f"boom {VALUE}")
            except RuntimeError:
                logger.exception("failed")
    finally:
        caplog.handler.removeFilter(redactor)
    assert VALUE not in caplog.text
    assert caplog.text.count(REDACTED) >= 3


def test_install_redaction_covers_every_handler_once() -> None:
    logger = logging.getLogger("test.redaction.install")
    handlers = [logging.StreamHandler(), logging.StreamHandler()]
    for handler in handlers:
        logger.addHandler(handler)
    try:
        first = install_redaction([VALUE], logger)
        second = install_redaction(["other-secret"], logger)
        assert first is second
        assert all(h.filters.count(first) == 1 for h in handlers)
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "a %s b other-secret", (VALUE,), None)
        first.filter(record)
        assert record.getMessage() == f"a {REDACTED} b {REDACTED}"
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
