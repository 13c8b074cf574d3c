"""First detector: an EWMA baseline per entity and a Poisson tail score on window counts.

Counts are judged as counts: 3 mentions where 0.2 were expected is unusual but weak
evidence, so the score is -log10 P(X >= observed | expected) rather than a z-score, and a
minimum-volume floor keeps tiny numbers from paging anyone. Spikes are clipped before
they update the baseline so a firestorm does not teach the detector that storms are normal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from firestorm.models.detectors.base import Assessment, OnlineDetector, Severity, state_to_json
from firestorm.models.detectors.stats import poisson_tail_score
from firestorm.models.sentiment import NEGATIVE_COMPOUND
from firestorm.models.windows import WindowStats


@dataclass(frozen=True, slots=True)
class PoissonSpikeSettings:
    """Sensitivity knobs; counts are per window, durations in windows of the engine."""

    half_life_windows: float = 120.0  # baseline memory (2 h of 1-minute windows)
    warmup_windows: int = 60  # no alert before this much history
    min_volume: int = 10  # never alert below this many mentions in a window
    min_ratio: float = 3.0  # observed / expected needed to alert
    trigger_score: float = 6.0  # -log10 of the Poisson tail probability
    min_expected: float = 0.5  # floor on the baseline, so sparse entities are not hair-triggers
    clip_sigmas: float = 3.0  # how far above baseline a window may pull the baseline
    anomalous_learning: float = 0.1  # learning-rate factor for windows judged anomalous
    resolve_ratio: float = 1.5  # a window at most this x expected counts as normal
    warning_negative_share: float = 0.4
    critical_negative_share: float = 0.5
    critical_ratio: float = 10.0


class PoissonSpikeDetector(OnlineDetector):
    """EWMA level + Poisson tail: the foundation detector (a seasonal one replaces it later)."""

    name = "poisson-ewma"

    def __init__(self, settings: PoissonSpikeSettings | None = None) -> None:
        self.settings = settings or PoissonSpikeSettings()
        self._alpha = 1.0 - 0.5 ** (1.0 / self.settings.half_life_windows)

    def initial_state(self) -> dict[str, Any]:
        return {"mean": 0.0, "n": 0}

    def load(self, data: dict[str, Any]) -> dict[str, Any]:
        return data  # a plain dict: nothing to migrate

    def dump(self, state: dict[str, Any]) -> dict[str, Any]:
        return state_to_json(state)

    def score(
        self,
        state: dict[str, Any],
        window: WindowStats,
        uplift: float = 1.0,
        muted: bool = False,
        explain: bool = True,
    ) -> Assessment:
        s = self.settings
        mean = float(state["mean"])
        seen = int(state["n"])
        expected = max(mean, s.min_expected) * uplift
        count = window.count
        score = poisson_tail_score(count, expected)
        warm = seen >= s.warmup_windows
        anomalous = (
            warm
            and not muted
            and count >= s.min_volume
            and count >= s.min_ratio * expected
            and score >= s.trigger_score
        )
        normal = count <= max(s.resolve_ratio * expected, s.min_volume / 2)
        return Assessment(
            expected=expected,
            score=score,
            anomalous=anomalous,
            normal=normal,
            severity=self._severity(window, expected),
            warm=warm,
            plan=uplift != 1.0 or muted,  # planned windows do not teach the baseline
        )

    def learn(self, state: dict[str, Any], window: WindowStats, assessment: Assessment) -> None:
        if assessment.plan:
            state["n"] = int(state["n"]) + 1
        else:
            self._learn(state, float(state["mean"]), int(state["n"]), window.count, assessment.anomalous)

    def learn_idle_run(self, state: dict[str, Any], first_window_start: int, count: int) -> None:
        for _ in range(count):
            self._learn(state, float(state["mean"]), int(state["n"]), 0, False)

    def can_fire(self, state: dict[str, Any]) -> bool:
        return self.settings.min_volume <= 0  # an empty window is below any positive volume floor

    def _learn(self, state: dict[str, Any], mean: float, seen: int, count: int, anomalous: bool) -> None:
        if seen == 0:
            state["mean"] = float(count)
        else:
            ceiling = mean + self.settings.clip_sigmas * math.sqrt(max(mean, 1.0)) + 1.0
            # Early on, learn fast (plain average) so a new entity gets a usable level quickly.
            alpha = max(self._alpha, 1.0 / (seen + 1))
            if anomalous:
                # A spike barely moves the baseline; a lasting new level is still learned, slowly.
                alpha *= self.settings.anomalous_learning
            state["mean"] = mean + alpha * (min(float(count), ceiling) - mean)
        state["n"] = seen + 1

    def _severity(self, window: WindowStats, expected: float) -> Severity:
        s = self.settings
        negative_surge = window.negative_share >= s.warning_negative_share and window.mean_compound <= NEGATIVE_COMPOUND
        if not negative_surge:
            return "info"
        if window.count >= s.critical_ratio * expected and window.negative_share >= s.critical_negative_share:
            return "critical"
        return "warning"
