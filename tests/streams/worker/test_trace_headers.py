"""Every alert record carries the stamps of its path (streams/worker/service.py trace_headers): the
latency probe splits an alert's latency with them, so they must be there and in order."""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest

from firestorm.streams.worker.service import trace_headers
from tests.models.builders import storm_stream
from tests.streams.worker.batch_fakes import Harness


def stamps(headers: list[tuple[str, bytes]]) -> dict[str, float]:
    return {key: float(value) for key, value in headers}


def test_trace_headers_turn_the_monotonic_arrival_into_wall_clock_time() -> None:
    before = time.time()
    fetched = time.monotonic() - 0.5  # handed over half a second ago
    got = stamps(trace_headers(before - 1.0, fetched, before - 0.25))
    after = time.time()
    assert got["firestorm-produced"] == pytest.approx(before - 1.0, abs=1e-5)
    assert before - 0.5 - 0.01 <= got["firestorm-fetched"] <= after - 0.5 + 0.01
    assert got["firestorm-taken"] == pytest.approx(before - 0.25, abs=1e-5)
    assert before <= got["firestorm-sent"] <= after
    assert "firestorm-produced" not in stamps(trace_headers(None, fetched, before))  # a record with no timestamp


def test_every_alert_of_a_batch_carries_its_stamps_in_path_order() -> None:
    async def scenario() -> None:
        h = Harness.build()
        started = time.time()
        await h.run(h.records(0, [orjson.dumps(o) for o in storm_stream(entities=("acme",))]))
        sent = h.fapp.alerts.sent  # type: ignore[attr-defined]
        assert sent and len(h.alerts) == len(sent)
        for record in sent:
            got = stamps(record.headers)
            assert set(got) == {"firestorm-fetched", "firestorm-taken", "firestorm-sent"}  # fakes have no timestamp
            assert started <= got["firestorm-taken"] <= got["firestorm-sent"] <= time.time()

    asyncio.run(scenario())
