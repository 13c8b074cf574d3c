"""The engine's settings: window geometry, event-time bounds, the detector and its per-entity
sensitivity (models/engine.py reads them; docs/configuration.md lists their environment variables)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from firestorm.models.detectors.base import Detector
from firestorm.models.detectors.poisson import PoissonSpikeDetector, PoissonSpikeSettings
from firestorm.models.detectors.seasonal import SeasonalDetector
from firestorm.models.detectors.seasonal_settings import SeasonalSettings
from firestorm.models.incidents import LifecycleSettings

DETECTORS = ("seasonal", "poisson")
SENSITIVITY_KNOBS = ("min_volume", "min_ratio", "trigger_score")


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Window geometry, durations in event-time milliseconds, and the detector's knobs."""

    window_ms: int = 60_000
    lateness_ms: int = 30_000
    baseline_half_life_ms: int = 2 * 3_600_000
    warmup_ms: int = 3_600_000
    resolve_after_ms: int = 10 * 60_000
    cooldown_ms: int = 15 * 60_000
    reopen_ms: int = 6 * 3_600_000  # a surge this soon after a resolve re-opens the incident (0: off)
    min_volume: int = 10
    min_ratio: float = 3.0
    trigger_score: float = 6.0
    drill: bool = False
    detector: str = "seasonal"  # or "poisson", the first, simpler detector
    max_entities: int = 100_000  # entities one engine (one partition) tracks: a memory guard sized for watch lists
    max_clock_jump_ms: int = 3_600_000  # a bigger step of the clock needs confirming ...
    jump_confirmations: int = 3  # ... by this many held mentions within max_clock_jump_ms of each other
    jump_wait: int = 20  # later mentions a held mention waits for confirmation before it is future_timestamp
    max_gap_ms: int = 24 * 3_600_000  # quiet windows judged per entity when the clock jumps further
    # Close every window of every entity one by one, as closed windows (the drill report's per-minute
    # series). Off, a dormant entity's quiet windows are learned at once and not emitted (see Engine).
    every_window: bool = False
    # Per-entity sensitivity: entity -> {min_volume, min_ratio, trigger_score}.
    entity_overrides: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.window_ms <= 0 or self.lateness_ms < 0:
            raise ValueError("window must be positive and lateness non-negative")
        if self.max_entities < 1 or self.max_clock_jump_ms < 0 or self.jump_confirmations < 1 or self.max_gap_ms < 0:
            raise ValueError("max_entities and jump_confirmations must be positive, jump and gap bounds non-negative")
        if self.jump_wait < self.jump_confirmations:
            raise ValueError("jump_wait must be at least jump_confirmations")
        if self.detector not in DETECTORS:
            raise ValueError(f"unknown detector {self.detector!r} (choose from {', '.join(DETECTORS)})")
        for entity, knobs in self.entity_overrides.items():
            unknown = set(knobs) - set(SENSITIVITY_KNOBS)
            if unknown:
                raise ValueError(f"entity {entity!r}: unknown sensitivity settings {sorted(unknown)}")

    def _windows(self, ms: int) -> int:
        return max(1, round(ms / self.window_ms))

    def _knobs(self, entity: str | None) -> dict[str, Any]:
        knobs: dict[str, Any] = {k: getattr(self, k) for k in SENSITIVITY_KNOBS}
        if entity is not None:
            knobs.update(self.entity_overrides.get(entity, {}))
        knobs["min_volume"] = int(knobs["min_volume"])
        return knobs

    def detector_settings(self, entity: str | None = None) -> PoissonSpikeSettings:
        return PoissonSpikeSettings(
            half_life_windows=float(self._windows(self.baseline_half_life_ms)),
            warmup_windows=self._windows(self.warmup_ms),
            **self._knobs(entity),
        )

    def seasonal_settings(self, entity: str | None = None) -> SeasonalSettings:
        return SeasonalSettings(
            windows_per_hour=3_600_000 / self.window_ms,
            warmup_windows=self._windows(self.warmup_ms),
            **self._knobs(entity),
        )

    def build_detector(self, entity: str | None = None) -> Detector:
        """The configured detector, with the entity's own sensitivity if it has one."""
        if self.detector == "poisson":
            return PoissonSpikeDetector(self.detector_settings(entity))
        return SeasonalDetector(self.seasonal_settings(entity))

    def lifecycle_settings(self) -> LifecycleSettings:
        return LifecycleSettings(
            resolve_after_windows=self._windows(self.resolve_after_ms),
            cooldown_windows=self._windows(self.cooldown_ms),
            reopen_windows=self._windows(self.reopen_ms) if self.reopen_ms > 0 else 0,
        )
