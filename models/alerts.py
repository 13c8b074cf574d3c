"""The alert event contract: what goes on the alerts topic and into --alerts-out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import orjson

Status = Literal["triggered", "escalated", "updated", "resolved"]


@dataclass(frozen=True, slots=True)
class Alert:
    """One step of one incident's lifecycle; `incident_id` is also the PagerDuty dedup_key."""

    incident_id: str
    entity: str
    status: Status
    severity: str
    window_start: str
    window_end: str
    detected_at: str
    volume: int
    baseline: float
    score: float
    negative_share: float
    mean_compound: float
    drivers: dict[str, Any] = field(default_factory=dict)
    drill: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alert:
        return cls(**data)

    def timeline_line(self) -> str:
        """A human line for the alert timeline printed by replays."""
        ratio = self.volume / self.baseline if self.baseline else float("inf")
        return (
            f"{self.detected_at}  {self.status.upper():<9} {self.severity:<8} {self.entity:<16} "
            f"volume={self.volume} expected={self.baseline:.1f} (x{ratio:.1f}) "
            f"negative={self.negative_share:.0%} mean={self.mean_compound:+.2f}{self._crossed()}  [{self.incident_id}]"
        )

    def crisis_figures(self) -> tuple[float, float, list[str]] | None:
        """A crisis event's 15-minute volume and expected (the figures its rule compared) and its crisis
        words, most frequent first; None for any other alert."""
        d = self.drivers if isinstance(self.drivers, dict) else {}
        volume, expected = d.get("volume_15m"), d.get("expected_15m")
        if (
            d.get("crisis_event") is not True
            or not isinstance(volume, int | float)
            or not isinstance(expected, int | float)
        ):
            return None
        found = d.get("crisis_terms")
        words = [str(x[0]) for x in found if isinstance(x, list | tuple) and x] if isinstance(found, list) else []
        return float(volume), float(expected), words

    def _crossed(self) -> str:
        """A crisis event crossed its line on the last 15 minutes: that figure beside the window's."""
        figures = self.crisis_figures()
        if figures is None:
            return ""
        volume, expected, words = figures
        return f" 15m={volume:.0f}/{expected:.1f}" + (f" crisis={','.join(words[:3])}" if words else "")
