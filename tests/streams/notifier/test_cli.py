"""`firestorm notifier` on the command line: help, and configuration errors that never show a key."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from firestorm.streams.cli import EXIT_ERROR, build_parser, main
from tests.paging.alerts import routing_key


def run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(list(argv), out=io.StringIO(), err=err)
    return code, err.getvalue()


def test_help_lists_the_paging_settings(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["notifier", "--help"])
    text = capsys.readouterr().out
    for name in (
        "FIRESTORM_PAGERDUTY_URL",
        "FIRESTORM_PAGERDUTY_ROUTING_KEY",
        "FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY",
        "FIRESTORM_NOTIFY_CONFIG",
        "FIRESTORM_NOTIFIER_DLQ_TOPIC",
    ):
        assert name in text


def test_key_and_key_file_together_is_an_error_naming_no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = routing_key("leak")
    (tmp_path / "k").write_text(key)
    monkeypatch.setenv("FIRESTORM_PAGERDUTY_ROUTING_KEY", key)
    monkeypatch.setenv("FIRESTORM_PAGERDUTY_ROUTING_KEY_FILE", str(tmp_path / "k"))
    code, err = run("notifier")
    assert code == EXIT_ERROR
    assert "configuration error" in err and "not both" in err and key not in err


def test_unreadable_key_file_and_bad_notify_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY_FILE", str(tmp_path / "absent.key"))
    code, err = run("notifier")
    assert code == EXIT_ERROR and "FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY_FILE: cannot read" in err
    monkeypatch.delenv("FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY_FILE")
    bad = tmp_path / "notify.toml"
    bad.write_text('min_severity = "loud"\n')
    monkeypatch.setenv("FIRESTORM_NOTIFY_CONFIG", str(bad))
    code, err = run("notifier")
    assert code == EXIT_ERROR and "min_severity" in err


def test_drill_key_equal_to_a_production_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    key = routing_key("same")
    monkeypatch.setenv("FIRESTORM_PAGERDUTY_ROUTING_KEY", key)
    monkeypatch.setenv("FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY", key)
    code, err = run("notifier")
    assert code == EXIT_ERROR and "must differ" in err and key not in err
