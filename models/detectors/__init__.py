"""Detectors decide, window by window, whether an entity's volume and sentiment are abnormal."""

from firestorm.models.detectors.base import Assessment, Detector, Severity, severity_rank
from firestorm.models.detectors.poisson import PoissonSpikeDetector, PoissonSpikeSettings
from firestorm.models.detectors.seasonal import SeasonalDetector
from firestorm.models.detectors.seasonal_settings import SeasonalSettings

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
