"""Narratives in what the notifier sends: PagerDuty (against the contract server), Slack, webhooks."""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from firestorm.models.alerts import Alert, NarrativeExample, NarrativeSummary
from firestorm.models.engine import EngineSettings
from firestorm.streams.drills.replay import replay
from firestorm.streams.formats import jsonl_lines
from firestorm.streams.notifier import render
from firestorm.streams.notifier.hooks import SlackSink, WebhookSink
from firestorm.streams.notifier.pagerduty import EVENT_MAX_BYTES, SUMMARY_MAX, PagerDutySink, pagerduty_event
from firestorm.streams.notifier.secrets import Secret
from tests.paging.alerts import make_alert, routing_key
from tests.paging.server import PagerDutyServer, validate_event

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "skyway-outage-en.jsonl"
KEY = routing_key("narratives")


@cache
def sample_alerts() -> tuple[Alert, ...]:
    """The alert events of the bundled sample, from the real engine."""
    return tuple(replay(jsonl_lines(str(SAMPLE)), EngineSettings()).alerts)


def sample_texts() -> set[str]:
    return {orjson.loads(line)["text"] for line in SAMPLE.read_bytes().splitlines()}


def paging_alert() -> Alert:
    return next(a for a in sample_alerts() if a.entity == "skyway" and a.status == "triggered")


def send(server: PagerDutyServer, event: dict[str, Any]) -> Any:
    async def go() -> Any:
        async with aiohttp.ClientSession() as session:
            sink = PagerDutySink(server.url, {"pd": Secret(KEY, "K")}, session)
            return await sink.send("pd", event)

    return asyncio.run(go())


def test_the_sample_page_names_the_top_narrative_with_a_post_text() -> None:
    alert = paging_alert()
    top = (alert.drivers.narratives or [])[0]
    event = pagerduty_event(alert)
    assert validate_event({"routing_key": KEY, **event}) == []
    summary = event["payload"]["summary"]
    assert len(summary) <= SUMMARY_MAX and f'top narrative "{top["label"]}"' in summary
    details = event["payload"]["custom_details"]
    first = details["narratives"][0]
    assert first["narrative"] == top["label"] and first["posts"]
    texts = sample_texts()
    shown = first["posts"][0].split(" <")[0]
    assert any(shown.rstrip("\u2026") in text for text in texts), shown  # a real post of the sample
    assert any(link["text"].startswith("Narrative 1: ") for link in event["links"])
    assert "sampled of" in details["narratives_from"]


def test_every_sample_event_is_accepted_by_the_contract_server() -> None:
    with PagerDutyServer() as server:
        for alert in sample_alerts():
            result = send(server, pagerduty_event(alert))
            assert result.ok, result
        triggers = [e for e in server.events() if e["event_action"] == "trigger"]
        assert triggers and all("top narrative" in e["payload"]["summary"] for e in triggers)


def _huge_narratives() -> list[NarrativeSummary]:
    text = "word " * 2000
    example: NarrativeExample = {
        "why": "most reached",
        "id": "i",
        "url": "https://x.com/" + "a" * 3000,
        "text": text,
        "reach": 10**9,
        "lang": "en",
    }
    return [
        {
            "label": f"label {n} " + "x" * 3000,
            "terms": ["x" * 100] * 50,
            "share": 0.2,
            "posts": 10**6,
            "sampled": 50,
            "negative_share": 0.5,
            "lang": "l0",
            "languages": {f"l{k}": 1 for k in range(300)},
            "start": "2026-03-02T00:00:00Z",
            "reposts": 3,
            "examples": [example] * 50,
            "timeline": list(range(5000)),
        }
        for n in range(40)
    ]


def test_oversized_narratives_stay_within_pagerduty_limits() -> None:
    alert = make_alert("skyway" * 30, narratives=_huge_narratives(), top_terms=[["t" * 100, 1]] * 5000)
    event = pagerduty_event(alert)
    body = orjson.dumps({"routing_key": KEY, **event})
    assert len(body) <= EVENT_MAX_BYTES and len(event["payload"]["summary"]) <= SUMMARY_MAX
    assert validate_event(orjson.loads(body)) == []
    assert "top narrative" in event["payload"]["summary"]
    shown = event["payload"]["custom_details"].get("narratives", [])
    assert all(len(p) <= 2 * 200 + 10 for n in shown for p in n["posts"])  # texts cut, links sane
    with PagerDutyServer() as server:
        assert send(server, event).ok


def test_slack_and_webhook_messages_carry_the_narratives() -> None:
    alert = paging_alert()
    top = (alert.drivers.narratives or [])[0]

    async def render_both() -> tuple[dict[str, Any], dict[str, Any]]:
        async with aiohttp.ClientSession() as session:
            slack = SlackSink("slack", "http://127.0.0.1:9/slack", session, 5.0, "", 3)
            hook = WebhookSink("hook", "http://127.0.0.1:9/hook", session)
            return slack.render(alert, None), hook.render(alert, None)

    slack, hook = asyncio.run(render_both())
    text = "\n".join(b["text"]["text"] for b in slack["blocks"] if b["type"] == "section")
    assert "*What people are saying*" in text and top["label"] in text
    assert render.narrative_examples(top, 1)[0]["text"].split("&")[0][:40] in text
    assert top["label"] in slack["text"]
    assert hook["narratives"][0]["narrative"] == top["label"]
    assert hook["alert"]["drivers"]["narratives"] == alert.drivers.narratives


def test_alerts_without_narratives_render_as_before() -> None:
    alert = make_alert()
    assert "top narrative" not in render.summary(alert)
    assert "narratives" not in render.details(alert)
