"""Paging from `firestorm replay --drill`: the notifier's routing and delivery, drill key only.

The replay is synchronous; the pager runs the same Dispatcher and sinks on an event loop in a
background thread, so alerts are paged while the replay runs (a slow receiver never slows the
engine), and `finish` waits for the last deliveries. There is no dead-letter topic here: a
rejected event is reported with the receiver's error.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from firestorm.models.alerts import Alert
from firestorm.streams.notifier.delivery import Dispatcher, Job, Result
from firestorm.streams.notifier.metrics import NotifierMetrics
from firestorm.streams.notifier.paging import Paging
from firestorm.streams.notifier.sinks import build_sinks, jobs_for

log = logging.getLogger("firestorm.notifier")
DRILL_TIMEOUT_S = 60.0


@dataclass(slots=True)
class DrillReport:
    routed: int = 0
    delivered: int = 0
    rejected: list[tuple[str, Result]] = field(default_factory=list)
    undelivered: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.undelivered

    def lines(self) -> list[str]:
        out = [
            f"drill paging: {self.delivered} of {self.routed} events delivered"
            + (f", {len(self.rejected)} rejected" if self.rejected else "")
            + (f", {self.undelivered} not delivered in time" if self.undelivered else "")
        ]
        out += [f"  rejected {label}: HTTP {r.status} {r.detail}" for label, r in self.rejected[:20]]
        return out


class DrillPager:
    """Submit alerts from any thread; `finish` drains and returns what happened."""

    def __init__(self, paging: Paging, metrics: NotifierMetrics | None = None) -> None:
        if not paging.drill_only:
            raise ValueError("a drill pages with drill-only paging (load_paging(..., drill_only=True))")
        self.paging = paging
        self.router = paging.router()
        self.metrics = metrics or NotifierMetrics()
        self.report = DrillReport()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="drill-pager", daemon=True)
        self._session: aiohttp.ClientSession | None = None
        self._dispatcher: Dispatcher | None = None
        self._sinks: dict[str, Any] = {}

    @property
    def has_destinations(self) -> bool:
        return bool(self.paging.keys) or bool(self.paging.notify.hooks)

    def discard(self) -> None:
        """Release a pager that will not be started (nowhere to page)."""
        if not self._thread.is_alive():
            self._loop.close()

    def start(self) -> DrillPager:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._setup(), self._loop).result(timeout=30)
        return self

    async def _setup(self) -> None:
        self._session = aiohttp.ClientSession(headers={"User-Agent": "firestorm-notifier"})
        paging = self.paging
        self._sinks = dict(build_sinks(paging.notify, paging.pagerduty_url, paging.keys, paging.hooks, self._session))
        self._dispatcher = Dispatcher(paging.notify.delivery, self.metrics)

    def submit(self, alert: Alert) -> None:
        self._loop.call_soon_threadsafe(self._submit, alert)

    def _submit(self, alert: Alert) -> None:
        assert self._dispatcher is not None
        decision = self.router.decide(alert)
        for sink, reason in decision.skipped:
            self.report.skipped[f"{sink}: {reason}"] += 1
        for job in jobs_for(alert, decision, self._sinks, on_done=self._done):
            self.report.routed += 1
            self._dispatcher.submit(job)

    async def _done(self, job: Job, result: Result) -> None:
        if result.ok:
            self.report.delivered += 1
        else:
            self.report.rejected.append((job.label, result))

    async def _finish(self, timeout_s: float) -> None:
        assert self._dispatcher is not None and self._session is not None
        await asyncio.sleep(0)  # let submissions queued by call_soon_threadsafe land first
        if not await self._dispatcher.drain(timeout_s):
            self.report.undelivered = self._dispatcher.pending
        await self._dispatcher.close()
        await self._session.close()

    def finish(self, timeout_s: float = DRILL_TIMEOUT_S) -> DrillReport:
        try:
            asyncio.run_coroutine_threadsafe(self._finish(timeout_s), self._loop).result(timeout=timeout_s + 30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()
        return self.report
