"""The seasonal detector's sensitivity knobs (models/detectors/seasonal.py reads them; docs/detection.md
explains them)."""

from __future__ import annotations

from dataclasses import dataclass

from firestorm.models.detectors.base import Severity


@dataclass(frozen=True, slots=True)
class SeasonalSettings:
    """Sensitivity knobs. Counts are per window; `windows_per_hour` comes from the window size."""

    windows_per_hour: float = 60.0
    warmup_windows: int = 60  # no alert before this much history
    min_volume: int = 10  # never alert below this many effective mentions in a window
    min_ratio: float = 3.0  # effective volume / expected needed for a volume alert
    trigger_score: float = 6.0  # -log10 tail probability needed by either signal
    min_expected: float = 0.5  # floor on the baseline, so sparse entities are not hair-triggers
    min_expected_negative: float = 0.3
    negative_ratio: float = 4.0  # negative mentions / expected negatives for a sentiment alert
    negative_margin: float = 0.2  # negative share must exceed the usual share by this much ...
    share_score: float = 3.0  # ... and be unlikely for the usual share (-log10 binomial tail) at this count,
    share_drift_mentions: float = 60.0  # counted as at most about this many mentions: the share drifts hour to hour
    far_negative_margin: float = 0.4  # a share this far above the usual needs no binomial evidence (a small storm)
    prior_negative_share: float = 0.1  # the usual negative share before anything is learned ...
    prior_negative_weight: float = 5.0  # ... with the weight of this many scored mentions
    min_usual_negative_share: float = 0.05  # floor on the usual share the signals use
    negative_memory_hours: float = 24.0  # decay of the usual negative share's sums
    max_negative_dispersion: float = (
        1.5  # negatives are a thinning of the volume: most of its overdispersion is not theirs
    )
    copy_dominated_share: float = 0.5  # distinct texts grew by less than this share of the surge: bot-like
    few_authors_share: float = 1 / 3  # authors grew less than this share of the volume's growth: bot-like
    bot_like_severity: Severity = "info"  # the most a bot-like burst (copies or few authors) can be
    short_span_minutes: float = 15.0  # decayed sums over about this long catch slow burns and sparse storms
    long_span_minutes: float = 60.0
    span_ratio: float = 2.5  # sum of effective volume / sum of expected needed for a span alert
    span_current_ratio: float = 1.5  # a longer span fires only while the shorter one is still this high
    span_busier_ratio: float = 1.25  # span negative signals need the volume this far above normal too
    burst_memory_days: float = 14.0  # how long the entity's past bursts raise its volume line
    burst_rare_count: float = 1.0  # a size fewer than this many recent (decayed) bursts reached is unusual
    burst_min_history_hours: float = 24.0  # the burst line needs this much history (before: min_ratio)
    clip_sigmas: float = 3.0  # how far above the baseline one window may pull it
    anomalous_learning: float = 0.1  # learning-rate factor for anomalous windows
    level_memory_hours: float = 24.0
    daily_memory_days: float = 7.0
    weekly_memory_weeks: float = 4.0
    max_dispersion: float = 4.0
    resolve_ratio: float = 1.5  # at most this x expected counts as back to normal
    warning_negative_share: float = 0.4
    critical_negative_share: float = 0.5
    critical_ratio: float = 10.0
    critical_score: float = 30.0
    # Crisis events: a not-positive, unplanned surge whose last ~15 minutes (short_span_minutes, every
    # window's full volume) hold this many times their expected volume pages whatever its compound
    # (docs/detection.md, "Crisis events").
    event_ratio: float = 4.0
    # ... once the entity has this much history: before, its level does not yet know its day (a morning
    # after a quiet night looks like a surge).
    event_min_history_hours: float = 12.0
    # ... and, unless it names crisis words, is not positive and not in the entity's usual tone: its
    # mean compound at least this far from the usual (a complaint-heavy entity's ordinary bursts read
    # "not positive" too; the negative signals judge those).
    event_tone_margin: float = 0.1
    new_term_share: float = 0.1  # a term in >= 10% of the window's mentions ...
    new_term_baseline_share: float = 0.02  # ... that is usually in < 2% is "new"
    term_learning: float = 0.05  # learning rate of the usual term shares
    term_min_count: int = 3  # windows with fewer mentions do not teach terms
    max_baseline_terms: int = 50


MAX_BASELINE_TERMS = SeasonalSettings().max_baseline_terms
