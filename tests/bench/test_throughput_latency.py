"""The latency probe's split of an alert's path into steps (bench/throughput/latency.py)."""

from __future__ import annotations

import pytest

from bench.throughput.latency import STEPS, AlertPath, step_line, step_percentiles


def headers(**stamps: float) -> list[tuple[str, bytes]]:
    return [(f"firestorm-{name}", f"{at:.6f}".encode()) for name, at in stamps.items()]


def test_an_alert_with_every_stamp_has_every_step_and_they_add_up() -> None:
    path = AlertPath.of(100.0, headers(produced=100.01, fetched=100.3, taken=100.5, sent=100.6), 100.61, 100.7)
    steps = path.steps()
    assert list(steps) == [name for name, _a, _b in STEPS]
    assert steps["intake -> batch taken"] == pytest.approx(0.2)
    assert sum(steps.values()) == pytest.approx(0.7)
    assert path.on_topic_latency() == pytest.approx(0.61)


def test_missing_stamps_leave_their_steps_out_and_foreign_headers_are_ignored() -> None:
    older_worker = AlertPath.of(100.0, [("traceparent", b"00-abc"), ("firestorm-sent", b"not a time")], None, 101.0)
    assert older_worker.steps() == {}
    assert older_worker.on_topic_latency() is None
    assert "no stamps" in step_line([older_worker])


def test_step_percentiles_and_line() -> None:
    paths = [
        AlertPath.of(0.0, headers(produced=0.0, fetched=f, taken=f + 0.1, sent=f + 0.2), f + 0.21, f + 0.3)
        for f in (0.1, 0.2, 0.3, 0.4)
    ]
    p50 = step_percentiles(paths, 50)
    assert p50["mention on topic -> handed to the intake"] == pytest.approx(0.2)
    assert step_percentiles(paths, 99)["mention on topic -> handed to the intake"] == pytest.approx(0.4)
    line = step_line(paths)
    assert line.startswith("latency by step (p50/p99): closable -> closing mention on its topic 0.000/0.000 s")
    assert "intake -> batch taken 0.100/0.100 s" in line
