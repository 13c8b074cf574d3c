"""ConnectorStats: malformed frames are counted, and logged once per kind per interval with an example."""

from __future__ import annotations

import logging

import pytest

from firestorm.streams.ingest import connector as connector_module
from firestorm.streams.ingest.connector import EXAMPLE_BYTES, ConnectorStats


def test_each_kind_of_malformed_frame_is_logged_once_per_interval_with_an_example(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(connector_module.time, "monotonic", lambda: now[0])
    stats = ConnectorStats("bluesky")
    with caplog.at_level(logging.WARNING, logger="firestorm.ingest"):
        stats.bad_frame("not_json", b"not a json frame {" + b"x" * 500, "after cursor 1764748800300000")
        stats.bad_frame("not_json", b"second", "after cursor 1764748800400000")
        stats.bad_frame("bad_event", '{"kind":"commit"}', "cursor 1764748800500000")
        now[0] += connector_module.MALFORMED_LOG_INTERVAL_S
        stats.bad_frame("not_json", b"third one", "after cursor 1764748800600000")
    lines = [r.getMessage() for r in caplog.records]
    assert stats.malformed == {"not_json": 3, "bad_event": 1}
    assert len(lines) == 3, lines
    first, event, third = lines
    assert first.startswith("bluesky: 1 malformed frame(s) (not_json)")
    assert "after cursor 1764748800300000" in first and "b'not a json frame {xxx" in first
    assert len(first) < EXAMPLE_BYTES + 200  # the example is cut
    assert "(bad_event)" in event and "cursor 1764748800500000" in event
    assert third.startswith("bluesky: 2 malformed frame(s) (not_json)")  # the second was counted, not logged
    assert "b'third one'" in third
