"""The alert lifecycle of one entity: trigger, escalate, update, resolve, with hysteresis and episodes.

One storm is one episode, paged once: its long tail keeps the incident open (the detector does not
call a window normal while its short span is still clearly above the baseline), and for
`reopen_windows` after a resolve, aftershocks and a second wave re-open the same incident (same id,
status `updated`, `reopened` counted) instead of triggering a new one. A re-opened incident pages
again only if it gets worse than anything the episode paged (`escalated`).

Hysteresis: an incident resolves and re-opens at most once. Once re-opened, its resolve is held
until no window has been anomalous for the whole re-open period (`reopen_windows`), and that resolve
ends the episode; so a storm that comes and goes does not send Slack and webhooks a resolve and a
re-open every few minutes, at any severity. The hold counts calm (not anomalous) windows, not
normal ones: a busy entity's volume often sits above 1.5x its baseline for hours without any
signal, and waiting for six hours of "normal" kept one re-opened incident open for a week, so that
the next, unrelated storm days later was only an update of it (NAB realTweets AAPL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from firestorm.models.alerts import Status
from firestorm.models.detectors.base import Assessment, severity_rank
from firestorm.models.field_dict import field_dict
from firestorm.models.windows import WindowStats


@dataclass(frozen=True, slots=True)
class LifecycleSettings:
    """Counted in windows of the engine."""

    resolve_after_windows: int = 10  # consecutive normal windows before resolving
    cooldown_windows: int = 15  # after a resolve, no new incident for this long (when episodes are off)
    update_volume_factor: float = 2.0  # an 'updated' event each time the peak doubles
    reopen_windows: int = 360  # after a resolve, a new surge this soon re-opens the same incident (0: off)


_STAMP = "%Y%m%dT%H%MZ"  # an incident id's time stamp: the minute its first window started, UTC


def incident_id_for(entity: str, window_start_ms: int) -> str:
    """Stable id of an episode: the entity and the start of the window that opened it."""
    stamp = datetime.fromtimestamp(window_start_ms / 1000, tz=UTC).strftime(_STAMP)
    return f"{entity}-{stamp}"


def start_of_incident_id(incident_id: str | None) -> int | None:
    """The start `incident_id_for` wrote into an id (to the minute); None for no id or another shape.
    Only for states written before `IncidentState.start_ms` existed."""
    stamp = incident_id.rsplit("-", 1)[-1] if incident_id else ""
    try:
        return int(datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC).timestamp() * 1000)
    except ValueError:
        return None


@dataclass(slots=True)
class IncidentState:
    """Where one entity stands in the lifecycle; serialisable for the changelog."""

    incident_id: str | None = None
    severity: str = "info"
    notified_volume: int = 0
    normal_streak: int = 0
    cooldown_until_ms: int = 0
    # The last resolved incident of the episode, re-opened by a surge before reopen_until_ms.
    episode_id: str | None = None
    reopen_until_ms: int = 0
    reopens: int = 0  # times the current incident was re-opened
    calm_streak: int = 0  # consecutive windows of the open incident with no anomaly (the held resolve's clock)
    # When the current (or last) incident opened, in ms: the start of the window that triggered it.
    # Kept through its resolve (the resolve's alert and a re-open name it); None before any incident.
    start_ms: int | None = None

    @property
    def open(self) -> bool:
        return self.incident_id is not None

    def to_dict(self) -> dict[str, Any]:
        """Every field under its own name (`from_dict` reads them back), `start_ms` left out while None."""
        data = field_dict(self)
        if self.start_ms is None:
            del data["start_ms"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IncidentState:
        """A state from before episodes lacks their fields (the defaults apply); one from before
        `start_ms` gets it from its incident's id, once, here."""
        state = cls(**data)
        if "start_ms" not in data:
            state.start_ms = start_of_incident_id(state.incident_id or state.episode_id)
        return state


def step(
    state: IncidentState,
    window: WindowStats,
    assessment: Assessment,
    settings: LifecycleSettings,
    window_ms: int,
) -> Status | None:
    """Advance the lifecycle by one closed window; return the status to emit, if any."""
    if not state.open:
        if not assessment.anomalous:
            return None
        if state.episode_id is not None and window.start_ms < state.reopen_until_ms:
            return _reopen(state, window, assessment)
        if window.start_ms < state.cooldown_until_ms:
            return None
        state.incident_id = incident_id_for(window.entity, window.start_ms)
        state.start_ms = window.start_ms
        state.severity = assessment.severity
        state.notified_volume = window.count
        state.normal_streak = 0
        state.calm_streak = 0
        state.reopens = 0
        return "triggered"

    state.calm_streak = 0 if assessment.anomalous else state.calm_streak + 1
    if assessment.normal:
        state.normal_streak += 1
        if ready_to_resolve(state, settings):
            # A re-opened incident's resolve ends its episode: it cannot flap a second time.
            state.episode_id = state.incident_id if settings.reopen_windows > 0 and not state.reopens else None
            state.reopen_until_ms = window.end_ms + settings.reopen_windows * window_ms
            state.incident_id = None
            state.normal_streak = 0
            state.cooldown_until_ms = window.end_ms + settings.cooldown_windows * window_ms
            return "resolved"
        return None

    state.normal_streak = 0
    if assessment.anomalous and severity_rank(assessment.severity) > severity_rank(state.severity):
        state.severity = assessment.severity
        state.notified_volume = max(state.notified_volume, window.count)
        return "escalated"
    if assessment.anomalous and window.count >= settings.update_volume_factor * state.notified_volume:
        state.notified_volume = window.count
        return "updated"
    return None


def ready_to_resolve(state: IncidentState, settings: LifecycleSettings) -> bool:
    """The usual few consecutive normal windows; once the incident has been re-opened, also no
    anomalous window for the whole re-open period (the resolve is held instead of flapping)."""
    if state.normal_streak < settings.resolve_after_windows:
        return False
    return not state.reopens or state.calm_streak >= settings.reopen_windows


def _reopen(state: IncidentState, window: WindowStats, assessment: Assessment) -> Status:
    """The same episode again: re-open its incident; page only if it is worse than before."""
    state.incident_id = state.episode_id
    state.episode_id = None
    state.normal_streak = 0
    state.calm_streak = 0
    state.reopens += 1
    state.notified_volume = max(state.notified_volume, window.count)
    if severity_rank(assessment.severity) > severity_rank(state.severity):
        state.severity = assessment.severity
        return "escalated"
    return "updated"
