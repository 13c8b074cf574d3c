"""Detectors decide, window by window, whether an entity's volume and sentiment are abnormal."""

from models.detectors.base import Assessment, Detector, Severity, severity_rank
from models.detectors.poisson import PoissonSpikeDetector, PoissonSpikeSettings
from models.detectors.seasonal import SeasonalDetector, SeasonalSettings

__all__ = [
    "Assessment",
    "Detector",
    "PoissonSpikeDetector",
    "PoissonSpikeSettings",
    "SeasonalDetector",
    "SeasonalSettings",
    "Severity",
    "severity_rank",
]
