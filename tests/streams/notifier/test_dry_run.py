"""`firestorm notifier --dry-run ALERTS` prints exactly the requests the real senders make.

The same alert events are paged for real (`replay --drill` delivers them through the notifier's
sinks to the local PagerDuty server and its webhook/Slack receivers) and dry-run: every request
printed must be one the server received, same URL, headers and JSON body (secrets redacted).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from firestorm.streams.cli import EXIT_ERROR, EXIT_OK, main
from tests.integration.storms import storm_lines
from tests.paging.alerts import routing_key
from tests.paging.server import PagerDutyServer

DRILL = routing_key("drill")
HOOK_SECRET = "dry-run-webhook-secret"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def printed_requests(text: str) -> list[tuple[str, str, dict[str, str], Any]]:
    """(label, url, headers, body) of each request the dry run printed."""
    requests = []
    for block in text.split("\n# ")[1:]:
        head, _, body = block.partition("\n{")
        if not body:
            continue
        label, post, *headers = head.split("\n")
        assert post.startswith("POST "), post
        fields = dict(h.split(": ", 1) for h in headers)
        requests.append((label, post[5:], fields, orjson.loads("{" + body)))
    return requests


@pytest.fixture
def drill_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[PagerDutyServer, Path]]:
    """A local PagerDuty, a signed webhook and a Slack receiver that all take drills; a storm file."""
    server = PagerDutyServer().start()
    config = tmp_path / "notify.toml"
    config.write_text(
        f"""
[[webhooks]]
name = "audit"
url = "{server.url}/hooks/audit"
secret = {{ env = "DRY_RUN_HOOK_SECRET" }}
drills = true

[[slack]]
name = "comms"
url = "{server.url}/slack/comms"
drills = true
"""
    )
    for name, value in {
        "FIRESTORM_PAGERDUTY_URL": server.url,
        "FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY": DRILL,
        "FIRESTORM_NOTIFY_CONFIG": str(config),
        "DRY_RUN_HOOK_SECRET": HOOK_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    storm = tmp_path / "storm.jsonl"
    storm.write_bytes(b"\n".join(storm_lines(entity="acme", quiet_entity="calm")) + b"\n")
    yield server, storm
    server.stop()


def test_dry_run_prints_what_the_receivers_get(drill_setup: tuple[PagerDutyServer, Path], tmp_path: Path) -> None:
    server, storm = drill_setup
    alerts = tmp_path / "alerts.jsonl"
    code, _out, err = run("replay", str(storm), "--drill", "-q", "--alerts-out", str(alerts))
    assert code == EXIT_OK, err
    received = {
        (path, orjson.dumps(r.json(), option=orjson.OPT_SORT_KEYS)): r
        for path, r in ((r.path, r) for r in server.requests)
    }
    assert len(server.requests) == 6  # trigger and resolve, to PagerDuty, the webhook and Slack

    code, out, err = run("notifier", "--dry-run", str(alerts))
    assert code == EXIT_OK, err
    printed = printed_requests(out)
    assert len(printed) == len(server.requests)
    assert f"{len(printed)} requests, none sent" in out
    for label, url, headers, body in printed:
        path = url.removeprefix(server.url)
        sent = body | ({"routing_key": DRILL} if path == "/v2/enqueue" else {})
        key = (path, orjson.dumps(sent, option=orjson.OPT_SORT_KEYS))
        assert key in received, f"{label}: the server never received {url} {body}"
        got = received.pop(key)
        for name, value in headers.items():
            assert got.headers[name.lower()] == value, (label, name)
    assert not received  # every request the server got was printed
    assert DRILL not in out and HOOK_SECRET not in out and '"routing_key": "[redacted]"' in out
    assert server.events()[0]["routing_key"] == DRILL


def test_dry_run_sends_nothing_and_says_what_is_not_paged(
    drill_setup: tuple[PagerDutyServer, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, storm = drill_setup
    alerts = tmp_path / "alerts.jsonl"
    assert run("replay", str(storm), "-q", "--alerts-out", str(alerts))[0] == EXIT_OK  # not a drill
    monkeypatch.delenv("FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY")
    code, out, _err = run("notifier", "--dry-run", str(alerts))
    assert code == EXIT_OK
    assert server.requests == []
    # no production key: PagerDuty is not paged, and the dry run says so; the webhook and Slack are
    assert "# not sent: triggered acme-" in out and "pagerduty" in out
    assert [url for _label, url, _h, _b in printed_requests(out)] == [
        f"{server.url}/hooks/audit",
        f"{server.url}/slack/comms",
        f"{server.url}/hooks/audit",
        f"{server.url}/slack/comms",
    ]


def test_dry_run_input_errors_are_one_line(tmp_path: Path) -> None:
    mentions = tmp_path / "mentions.jsonl"
    mentions.write_text('{"id": "1", "entity": "acme", "ts": "2026-03-02T00:00:00Z", "text": "hi"}\n')
    code, _out, err = run("notifier", "--dry-run", str(mentions))
    assert code == EXIT_ERROR
    assert (
        err.count("\n") == 1
        and "line 1: not an alert event (missing fields incident_id" in err
        and "--alerts-out" in err
    )
    code, _out, err = run("notifier", "--dry-run", str(tmp_path / "missing.jsonl"))
    assert code == EXIT_ERROR and err.count("\n") == 1 and "cannot read" in err
