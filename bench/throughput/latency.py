"""Where an alert's latency goes: its path split into steps, from the probe's view of one alert.

The worker puts wall-clock stamps on every alert record (streams/worker/service.py
`trace_headers`: the closing mention's Kafka timestamp, when the consumer handed it over, when
its batch was taken, when the alert was sent); the probe's topics keep the broker's append time
as the record timestamp (LogAppendTime: "produced" is then when the mention reached its topic,
"on topic" when the alert reached its own), and the probe notes when it read the record.
Consecutive stamps give the steps; a missing stamp (an older worker) leaves its two steps out
rather than guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bench.throughput.stats import percentile

HEADER_PREFIX = "firestorm-"
# (step name, stamp it starts at, stamp it ends at); "closable" is the alert's detected_at (window
# end + lateness), "on topic" the broker's append time, "read" when the probe got the record.
STEPS: tuple[tuple[str, str, str], ...] = (
    ("closable -> closing mention on its topic", "closable", "produced"),
    ("mention on topic -> handed to the intake", "produced", "fetched"),
    ("intake -> batch taken", "fetched", "taken"),
    ("batch taken -> alert sent", "taken", "sent"),
    ("alert sent -> on topic", "sent", "on topic"),
    ("on topic -> read by the probe", "on topic", "read"),
)


@dataclass(frozen=True)
class AlertPath:
    """One alert's stamps, in wall-clock seconds (None where unknown)."""

    stamps: Mapping[str, float | None]

    @classmethod
    def of(
        cls, closable_s: float, headers: Iterable[tuple[str, bytes]], appended_s: float | None, read_s: float
    ) -> AlertPath:
        stamps: dict[str, float | None] = {"closable": closable_s, "on topic": appended_s, "read": read_s}
        for key, value in headers:
            if key.startswith(HEADER_PREFIX):
                try:
                    stamps[key[len(HEADER_PREFIX) :]] = float(value)
                except ValueError:
                    continue
        return cls(stamps)

    def steps(self) -> dict[str, float]:
        """Seconds spent in each step whose two stamps are known."""
        out = {}
        for name, start, end in STEPS:
            a, b = self.stamps.get(start), self.stamps.get(end)
            if a is not None and b is not None:
                out[name] = b - a
        return out

    def on_topic_latency(self) -> float | None:
        """closable -> on the alerts topic (the broker's append time), without the probe's own read."""
        appended, closable = self.stamps.get("on topic"), self.stamps.get("closable")
        return None if appended is None or closable is None else appended - closable


def step_percentiles(paths: Sequence[AlertPath], q: float) -> dict[str, float]:
    """The q-th percentile of each step over the alerts that have it, in STEPS order."""
    per_step: dict[str, list[float]] = {}
    for path in paths:
        for name, seconds in path.steps().items():
            per_step.setdefault(name, []).append(seconds)
    return {name: percentile(per_step[name], q) for name, _a, _b in STEPS if name in per_step}


def step_line(paths: Sequence[AlertPath]) -> str:
    """One line: each step's p50 and p99, e.g. `intake -> batch taken 0.101/0.198 s`."""
    p50, p99 = step_percentiles(paths, 50), step_percentiles(paths, 99)
    if not p50:
        return "latency by step (p50/p99): no stamps on the alerts (a worker without trace headers?)"
    parts = [f"{name} {p50[name]:.3f}/{p99[name]:.3f} s" for name in p50]
    return "latency by step (p50/p99): " + "; ".join(parts)
