"""`firestorm replay --drill` pages through the real delivery code, with the drill key only."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from firestorm.streams.cli import EXIT_ERROR, EXIT_OK, main
from tests.integration.storms import storm_lines
from tests.paging.alerts import routing_key
from tests.paging.server import PagerDutyServer

PROD = routing_key("prod")
DRILL = routing_key("drill")


@pytest.fixture
def storm_file(tmp_path: Path) -> Path:
    path = tmp_path / "storm.jsonl"
    path.write_bytes(b"\n".join(storm_lines(entity="acme", quiet_entity="calm")) + b"\n")
    return path


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[PagerDutyServer]:
    with PagerDutyServer() as pd:
        monkeypatch.setenv("FIRESTORM_PAGERDUTY_URL", pd.url)
        monkeypatch.setenv("FIRESTORM_PAGERDUTY_ROUTING_KEY", PROD)
        yield pd


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_drill_pages_the_drill_key_and_never_production(
    server: PagerDutyServer, storm_file: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY", DRILL)
    with caplog.at_level(logging.DEBUG):
        code, out, err = run("replay", str(storm_file), "--drill")
    assert code == EXIT_OK, err
    events = server.events()
    assert [e["event_action"] for e in events] == ["trigger", "resolve"]
    assert {e["routing_key"] for e in events} == {DRILL}
    assert all(r.event is None or r.event.get("routing_key") != PROD for r in server.requests)
    (incident,) = server.incidents.values()
    assert incident[0].status == "resolved" and incident[0].summaries[0].startswith("[DRILL] acme: ")
    assert "drill paging: 2 of 2 events delivered" in err
    for text in (out, err, caplog.text):
        assert PROD not in text and DRILL not in text


def test_drill_without_a_drill_key_pages_nobody(server: PagerDutyServer, storm_file: Path) -> None:
    code, _out, err = run("replay", str(storm_file), "--drill", "-q")
    assert code == EXIT_OK
    assert "drill: not paging" in err
    assert server.requests == []


def test_replay_without_drill_never_pages(
    server: PagerDutyServer, storm_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY", DRILL)
    code, _out, err = run("replay", str(storm_file), "-q")
    assert code == EXIT_OK
    assert server.requests == [] and "drill" not in err


def test_drill_key_equal_to_production_is_refused(
    server: PagerDutyServer, storm_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY", PROD)
    code, _out, err = run("replay", str(storm_file), "--drill")
    assert code == EXIT_ERROR
    assert "configuration error" in err and "must differ" in err and PROD not in err
    assert server.requests == []


def test_a_drill_that_cannot_page_fails(
    server: PagerDutyServer, storm_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY", "not-32-characters")
    code, _out, err = run("replay", str(storm_file), "--drill", "-q")
    assert code == EXIT_ERROR
    assert "drill paging: 0 of 2 events delivered, 2 rejected" in err
    assert "Length of 'routing_key' is incorrect" in err


def test_drill_webhooks_get_drills(
    server: PagerDutyServer, storm_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "notify.toml"
    config.write_text(
        f"""
[[webhooks]]
name = "rehearsal"
url = "{server.url}/hooks/rehearsal"
drills = true

[[slack]]
name = "comms"
url = "{server.url}/slack/comms"
"""
    )
    monkeypatch.setenv("FIRESTORM_NOTIFY_CONFIG", str(config))
    code, _out, err = run("replay", str(storm_file), "--drill", "-q")
    assert code == EXIT_OK, err
    assert [r.json()["alert"]["status"] for r in server.hooks["rehearsal"]] == ["triggered", "resolved"]
    assert all(r.json()["alert"]["drill"] for r in server.hooks["rehearsal"])
    assert "comms" not in server.hooks  # Slack did not opt in to drills
    assert server.events() == []  # no drill routing key: PagerDuty hears nothing
