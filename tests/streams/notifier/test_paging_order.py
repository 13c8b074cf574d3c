"""One entity's incidents reach PagerDuty in alert order, even when the first is being retried.

Over real HTTP against the contract-enforcing PagerDuty server (tests/paging/server.py), through
the notifier's own path from an alert to a delivery: routing, `jobs_for`, the dispatcher's lanes.
"""

from __future__ import annotations

import asyncio

import aiohttp

from firestorm.models.alerts import Alert
from firestorm.streams.notifier.delivery import DeliverySettings, Dispatcher, Job, Result
from firestorm.streams.notifier.pagerduty import PagerDutySink
from firestorm.streams.notifier.routing import PAGERDUTY, NotifyConfig, Router
from firestorm.streams.notifier.secrets import Secret
from firestorm.streams.notifier.sinks import jobs_for
from tests.paging.alerts import make_alert, routing_key
from tests.paging.server import PagerDutyServer

KEY = routing_key("order")


def incident(entity: str, opened_minute: int) -> list[Alert]:
    """trigger -> resolve of one incident."""
    return [
        make_alert(entity, "triggered", "warning", opened_minute, opened_minute),
        make_alert(entity, "resolved", "warning", opened_minute + 12, opened_minute, volume=3),
    ]


def deliver_in_alert_order(server: PagerDutyServer, alerts: list[Alert]) -> list[tuple[str, Result]]:
    """Submit the alerts as the notifier does for a backlog (all at once, in order) and wait."""
    finished: list[tuple[str, Result]] = []

    async def go() -> None:
        settings = DeliverySettings(backoff_initial_s=0.05, backoff_max_s=0.1)
        async with aiohttp.ClientSession() as session:
            sinks = {PAGERDUTY: PagerDutySink(server.url, {"default": Secret(KEY, "K")}, session, request_timeout_s=2)}
            router = Router(NotifyConfig(), {"default"})
            dispatcher = Dispatcher(settings)
            for alert in alerts:

                async def done(job: Job, result: Result, alert: Alert = alert) -> None:
                    finished.append((f"{alert.status} {alert.incident_id}", result))

                for job in jobs_for(alert, router.decide(alert), sinks, on_done=done):
                    dispatcher.submit(job)
            assert await dispatcher.drain(30)

    asyncio.run(go())
    return finished


def test_a_later_incident_waits_for_an_earlier_one_being_retried() -> None:
    first, second = incident("acme", 0), incident("acme", 30)
    other = incident("bolt", 5)
    backlog = [first[0], other[0], first[1], second[0], other[1], second[1]]  # alert order
    with PagerDutyServer() as server:
        server.fail_incident(first[0].incident_id, 6, 503)  # the first incident's trigger is retried
        finished = deliver_in_alert_order(server, backlog)
        assert all(result.ok for _, result in finished) and len(finished) == 6
        acme = [(e["event_action"], e["dedup_key"]) for e in server.events() if e["dedup_key"].startswith("acme")]
        assert acme == [
            ("trigger", first[0].incident_id),
            ("resolve", first[0].incident_id),
            ("trigger", second[0].incident_id),
            ("resolve", second[0].incident_id),
        ], "one entity's incidents reached PagerDuty out of alert order"
        # Another entity is not held up by acme's retries: its incident went through meanwhile.
        order = [label for label, _ in finished]
        assert order.index(f"resolved {other[1].incident_id}") < order.index(f"triggered {first[0].incident_id}")
        assert server.statuses().count(503) == 6
        history = [i for incidents in server.incidents.values() for i in incidents]
        assert len(history) == 3 and {i.status for i in history} == {"resolved"}
