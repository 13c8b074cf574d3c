"""`firestorm notifier --dry-run ALERTS`: print the requests paging would send, send nothing.

Each alert event of the file goes through the notifier's own routing (`Router`), rendering
(`jobs_for`) and sinks (`PagerDutySink`, `WebhookSink`, `SlackSink`, their `send`): only the
HTTP session is replaced, by one that records each POST and answers it as the receiver would
(2xx). So what is printed is what a real notifier would POST, secrets shown as [redacted].
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

import aiohttp
import orjson

from firestorm.models.alerts import Alert, BadAlert, decode_alert
from firestorm.streams.notifier.paging import Paging
from firestorm.streams.notifier.secrets import redact
from firestorm.streams.notifier.sinks import build_sinks, jobs_for


class AlertsFileError(ValueError):
    """A line of the alerts file is not an alert event (the message says which and why)."""


@dataclass(frozen=True, slots=True)
class Sent:
    """One POST as the sink made it: where, with which headers, and the exact body."""

    url: str
    headers: dict[str, str]
    body: bytes


class _Answer:
    """The receiver's answer to a recorded POST: accepted, as PagerDuty (202) and Slack (200) answer."""

    status = 202
    headers: dict[str, str] = {}  # noqa: RUF012 (read only)

    async def __aenter__(self) -> _Answer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def read(self) -> bytes:
        return b'{"status": "success", "message": "dry run: not sent"}'


@dataclass(slots=True)
class RecordingSession:
    """Stands in for aiohttp.ClientSession in the sinks: records what `post` is given, sends nothing."""

    sent: list[Sent] = field(default_factory=list)

    def post(self, url: str, *, data: bytes, headers: dict[str, str], timeout: object = None) -> _Answer:
        self.sent.append(Sent(url, dict(headers), data))
        return _Answer()


def read_alerts(lines: Iterable[bytes], name: str) -> Iterator[Alert]:
    """Alert events from JSON lines (as `replay --alerts-out` writes them); blank lines are skipped."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield decode_alert(line)
        except BadAlert as exc:
            raise AlertsFileError(
                f"{name} line {number}: not an alert event ({str(exc).split(':')[0]}); "
                "give the JSON lines `firestorm replay FILE --alerts-out PATH` writes"
            ) from None


@dataclass(slots=True)
class DryRun:
    """What paging would do with some alert events: the requests, and the routes it would skip."""

    requests: list[tuple[str, Sent]] = field(default_factory=list)  # (job label, request)
    skipped: list[str] = field(default_factory=list)


def dry_run(paging: Paging, alerts: Iterable[Alert]) -> DryRun:
    """Route, render and 'send' every alert through the real sinks, in order, on a recording session."""
    return asyncio.run(_dry_run(paging, list(alerts)))


async def _dry_run(paging: Paging, alerts: list[Alert]) -> DryRun:
    session = RecordingSession()
    sinks = build_sinks(
        paging.notify, paging.pagerduty_url, paging.keys, paging.hooks, cast(aiohttp.ClientSession, session)
    )
    router = paging.router()
    result = DryRun()
    for alert in alerts:
        decision = router.decide(alert)
        result.skipped += [
            f"{alert.status} {alert.incident_id} -> {sink}: {reason}" for sink, reason in decision.skipped
        ]
        for job in jobs_for(alert, decision, sinks, on_done=None):
            before = len(session.sent)
            answer = await job.sink.send(job.destination, job.payload)
            if not answer.ok:  # e.g. no routing key by that name: say so, as the notifier would dead-letter it
                result.skipped.append(f"{job.label}: {answer.detail}")
            result.requests += [(job.label, sent) for sent in session.sent[before:]]
    return result


def print_dry_run(result: DryRun, paging: Paging, out: IO[str]) -> None:
    """Each request: what and where, `POST url`, its headers, its JSON body (indented; sent compact)."""
    secrets = paging.secrets()
    for number, (label, sent) in enumerate(result.requests, 1):
        print(f"# {number}. {label}", file=out)
        print(f"POST {redact(sent.url, secrets)}", file=out)
        for name, value in sent.headers.items():
            print(f"{name}: {redact(value, secrets)}", file=out)
        body: Any = orjson.loads(sent.body)
        print(redact(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode(), secrets), file=out)
        print(file=out)
    for line in result.skipped:
        print(f"# not sent: {line}", file=out)
    print(f"# dry run: {len(result.requests)} requests, none sent", file=out)
