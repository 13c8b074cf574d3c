"""The detector interface: one closed window in, one assessment out, state kept by the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Severity = Literal["info", "warning", "critical"]
_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}


def severity_rank(severity: str) -> int:
    """Order severities so the lifecycle can tell an escalation."""
    return _RANK[severity]


@dataclass(frozen=True, slots=True)
class Assessment:
    """What a detector concluded about one window of one entity."""

    expected: float  # the baseline count for this window
    score: float  # strength of evidence for a spike (detector-specific scale)
    anomalous: bool  # crosses the line for raising or keeping an incident
    normal: bool  # back near the baseline (counts towards resolving)
    severity: Severity  # meaningful when anomalous
    warm: bool  # enough history to be trusted
    details: dict[str, Any] = field(default_factory=dict)  # detector-specific figures for the drivers


class Detector(Protocol):
    """Swap-in point for detection logic; state is a JSON-able dict the caller persists."""

    name: str

    def initial_state(self) -> dict[str, Any]: ...

    def assess(self, state: dict[str, Any], window: Any, uplift: float = 1.0, muted: bool = False) -> Assessment:
        """Judge `window` (a WindowStats) against `state`, then learn from it (mutates state).

        `uplift` scales the expected volume for a planned event; `muted` forbids alerting.
        """
        ...
