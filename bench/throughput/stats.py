"""Pure helpers of the throughput benchmark: rates from offset samples, percentiles, the table."""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


def cpu_model(default: str = "unknown CPU") -> str:
    """The CPU's model name from /proc/cpuinfo, for a benchmark's machine line."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return default


def sustained_rate(samples: Sequence[tuple[float, int]], total: int, low: float = 0.2, high: float = 0.9) -> float:
    """Messages/s from (time, committed offset sum) samples, between `low` and `high` of `total`.

    Start-up (joining the group, a rebalance) and the tail are left out: the rate is the slope
    between the first sample at or above low*total and the last one at or below high*total.
    Falls back to the first and last samples that moved when the run is too short for that.
    """
    ordered = sorted(samples)
    inside = [(t, c) for t, c in ordered if low * total <= c <= high * total]
    if len(inside) < 2 or inside[-1][0] - inside[0][0] <= 0:
        moving = [(t, c) for t, c in ordered if c > 0]
        inside = moving
    if len(inside) < 2:
        return 0.0
    (t0, c0), (t1, c1) = inside[0], inside[-1]
    return (c1 - c0) / (t1 - t0) if t1 > t0 else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


@dataclass
class Row:
    """One line of the results table: a measure, its unit, every run's value, and the goal."""

    name: str
    unit: str
    values: list[float] = field(default_factory=list)
    goal: str = ""
    met: bool | None = None

    @property
    def median(self) -> float:
        return median(self.values)


def fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit in ("x", "ratio"):
        return f"{value:.2f}x"
    if unit == "s":
        return f"{value:.3f} s"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def table(rows: Sequence[Row]) -> str:
    """A Markdown table: measure, median, every run, goal, met."""
    lines = ["| measure | median | runs | goal | met |", "| --- | ---: | --- | --- | --- |"]
    for row in rows:
        runs = ", ".join(fmt(v, row.unit) for v in row.values)
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        unit = "" if row.unit in ("x", "ratio", "s") else f" {row.unit}"
        lines.append(f"| {row.name} | {fmt(row.median, row.unit)}{unit} | {runs} | {row.goal} | {met} |")
    return "\n".join(lines)


def print_report(title: str, load_before: Sequence[float], rows: Sequence[Row], notes: Sequence[str]) -> None:
    """A benchmark's title, the load averages before and now, its table and its notes (stdout)."""

    def loads(values: Sequence[float]) -> str:
        return " / ".join(f"{a:.2f}" for a in values)

    print(f"## {title}\n")
    print(f"load average before {loads(load_before)}, after {loads(os.getloadavg())}\n")
    print(table(rows))
    print()
    print("\n".join(f"- {n}" for n in notes))
