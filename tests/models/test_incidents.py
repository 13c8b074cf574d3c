from __future__ import annotations

import orjson

from firestorm.models.detectors.base import Assessment
from firestorm.models.incidents import IncidentState, LifecycleSettings, incident_id_for, start_of_incident_id, step
from firestorm.models.windows import WindowStats
from tests.models.builders import MINUTE, T0

SETTINGS = LifecycleSettings(resolve_after_windows=3, cooldown_windows=5, update_volume_factor=2.0, reopen_windows=0)
EPISODES = LifecycleSettings(resolve_after_windows=3, cooldown_windows=5, update_volume_factor=2.0, reopen_windows=30)


def assessment(kind: str, severity: str = "warning") -> Assessment:
    """'spike' (anomalous), 'elevated' (neither), or 'normal'."""
    return Assessment(
        expected=2.0,
        score={"spike": 20.0, "elevated": 3.0, "normal": 0.0}[kind],
        anomalous=kind == "spike",
        normal=kind == "normal",
        severity=severity,  # type: ignore[arg-type]
        warm=True,
    )


class Run:
    """Drives one entity's lifecycle window by window from T0."""

    def __init__(self, settings: LifecycleSettings = SETTINGS) -> None:
        self.state = IncidentState()
        self.settings = settings
        self.index = 0
        self.ids: list[str | None] = []

    def window(self, kind: str, severity: str = "warning", count: int = 20) -> str | None:
        start = T0 + self.index * MINUTE
        self.index += 1
        stats = WindowStats(entity="acme", start_ms=start, end_ms=start + MINUTE, count=count)
        before = self.state.incident_id
        status = step(self.state, stats, assessment(kind, severity), self.settings, MINUTE)
        self.ids.append(self.state.incident_id or before)
        return status

    def windows(self, kinds: list[str], **kwargs: object) -> list[str | None]:
        return [self.window(k, **kwargs) for k in kinds]  # type: ignore[arg-type]


def test_quiet_entity_never_opens() -> None:
    run = Run()
    assert run.windows(["normal", "elevated", "normal"] * 5) == [None] * 15
    assert not run.state.open


def test_full_lifecycle_with_stable_id() -> None:
    run = Run()
    assert run.window("normal") is None
    assert run.window("spike", "warning", count=20) == "triggered"
    opened = run.state.incident_id
    assert opened == incident_id_for("acme", T0 + MINUTE) == "acme-20260302T0001Z"
    assert run.state.severity == "warning"
    assert run.window("spike", "warning", count=30) is None  # not double the notified volume
    assert run.window("spike", "critical", count=30) == "escalated"
    assert run.state.severity == "critical"
    assert run.window("spike", "critical", count=59) is None
    assert run.window("spike", "critical", count=60) == "updated"  # 2 x 30
    assert run.window("spike", "warning", count=70) is None  # severity never goes down
    assert run.state.severity == "critical"
    assert run.windows(["normal", "normal"]) == [None, None]
    assert run.window("normal") == "resolved"
    assert not run.state.open
    assert set(run.ids[1:]) == {opened}


def test_hysteresis_streak_reset_by_a_non_normal_window() -> None:
    run = Run()
    assert run.window("spike") == "triggered"
    statuses = run.windows(["normal", "normal", "elevated", "normal", "normal", "spike", "normal", "normal"])
    assert statuses == [None] * 8  # no flapping: neither resolved nor re-triggered
    assert run.state.open
    assert run.window("normal") == "resolved"


def test_cooldown_blocks_a_new_trigger() -> None:
    run = Run()
    run.window("spike")
    assert run.windows(["normal"] * 3)[-1] == "resolved"  # resolved by window 3, ends at T0 + 4 min
    assert run.state.cooldown_until_ms == T0 + 4 * MINUTE + 5 * MINUTE
    blocked = run.windows(["spike"] * 5)  # windows 4..8 start before the cooldown ends
    assert blocked == [None] * 5
    assert not run.state.open
    assert run.window("spike") == "triggered"  # window 9 starts at T0 + 9 min
    assert run.state.incident_id == incident_id_for("acme", T0 + 9 * MINUTE)


def test_info_incident_escalates_when_it_turns_negative() -> None:
    run = Run()
    assert run.window("spike", "info") == "triggered"
    assert run.window("spike", "warning") == "escalated"


def test_state_round_trip() -> None:
    run = Run()
    run.windows(["spike", "normal"])
    restored = IncidentState.from_dict(orjson.loads(orjson.dumps(run.state.to_dict())))
    assert restored == run.state
    assert restored.open


def test_a_second_wave_within_the_episode_reopens_the_same_incident_without_a_page() -> None:
    run = Run(EPISODES)
    assert run.window("spike", "warning") == "triggered"
    first = run.state.incident_id
    assert run.windows(["normal"] * 3)[-1] == "resolved"
    assert run.windows(["normal"] * 10) == [None] * 10
    # Aftershock and second wave, 10+ windows after the resolve (beyond the cooldown): the same
    # incident comes back as an update (no new page), counted as a re-open.
    assert run.window("spike", "warning") == "updated"
    assert run.state.incident_id == first and run.state.reopens == 1
    # Hysteresis: once re-opened, the resolve is held (no second resolve/re-open cycle) ...
    assert run.windows(["normal"] * 3) == [None] * 3
    # ... and worse than anything the episode paged is worth a page, on the same open incident.
    assert run.window("spike", "critical") == "escalated"
    assert run.state.incident_id == first and run.state.reopens == 1


def test_a_reopened_incident_resolves_after_the_whole_reopen_period_and_ends_its_episode() -> None:
    run = Run(EPISODES)
    run.window("spike", "warning")
    first = run.state.incident_id
    run.windows(["normal"] * 3)
    assert run.window("spike", "warning") == "updated"  # re-opened once
    statuses = run.windows(["normal"] * 30)
    assert statuses[:29] == [None] * 29 and statuses[29] == "resolved"
    # The episode is over: the next surge, even soon after, is a new incident (a page), not a flap.
    assert run.windows(["normal"] * 5) == [None] * 5
    assert run.window("spike", "warning") == "triggered"
    assert run.state.incident_id != first and run.state.reopens == 0


def test_an_incident_flaps_at_most_once_at_any_severity() -> None:
    for severity in ("info", "warning", "critical"):
        run = Run(EPISODES)
        statuses = []
        for _ in range(6):  # a storm that comes and goes every few windows
            statuses.append(run.window("spike", severity))
            statuses += run.windows(["normal"] * 4)
        assert statuses.count("resolved") <= 1, (severity, statuses)
        assert statuses.count("triggered") == 1, (severity, statuses)


def test_after_the_episode_a_new_storm_is_a_new_incident() -> None:
    run = Run(EPISODES)
    run.window("spike")
    first = run.state.incident_id
    run.windows(["normal"] * 3)
    run.windows(["normal"] * 30)  # the re-open window (30) has passed
    assert run.window("spike") == "triggered"
    assert run.state.incident_id != first and run.state.reopens == 0


def test_a_state_from_before_episodes_restores() -> None:
    old = {"incident_id": None, "severity": "info", "notified_volume": 0, "normal_streak": 0, "cooldown_until_ms": 0}
    assert IncidentState.from_dict(old) == IncidentState()


def test_the_start_is_set_when_the_incident_opens_and_kept_through_its_resolve_and_reopen() -> None:
    run = Run(EPISODES)
    run.window("normal")
    assert run.state.start_ms is None
    assert run.window("spike", "warning") == "triggered"
    assert run.state.start_ms == T0 + MINUTE
    assert run.windows(["normal"] * 3)[-1] == "resolved"
    assert run.state.start_ms == T0 + MINUTE  # the resolve's alert names it
    run.windows(["normal"] * 10)
    assert run.window("spike", "warning") == "updated"  # the same episode re-opened: the same start
    assert run.state.start_ms == T0 + MINUTE
    run.windows(["normal"] * 30)
    run.windows(["normal"] * 5)
    assert run.window("spike", "warning") == "triggered"  # a new incident, its own start
    assert run.state.start_ms == T0 + (run.index - 1) * MINUTE


def test_a_state_with_its_start_round_trips() -> None:
    run = Run()
    run.window("spike")
    data = orjson.loads(orjson.dumps(run.state.to_dict()))
    assert data["start_ms"] == T0
    assert IncidentState.from_dict(data) == run.state


def test_a_state_from_before_the_start_field_gets_it_from_its_id_once_at_load() -> None:
    run = Run()
    run.windows(["normal", "normal", "spike"])
    old = run.state.to_dict()
    del old["start_ms"]
    restored = IncidentState.from_dict(old)
    assert restored.start_ms == T0 + 2 * MINUTE
    assert restored == run.state
    # A resolved incident kept for re-opening: from the episode's id.
    episode = {**old, "incident_id": None, "episode_id": incident_id_for("my-brand-2", T0 + 7 * MINUTE)}
    assert IncidentState.from_dict(episode).start_ms == T0 + 7 * MINUTE
    # No incident yet, or an id of another shape: no start known (the alert then uses its window's).
    assert IncidentState.from_dict({**old, "incident_id": None}).start_ms is None
    assert IncidentState.from_dict({**old, "incident_id": "acme-7"}).start_ms is None


def test_the_start_read_from_an_id_is_the_one_written_into_it() -> None:
    for start in (T0, T0 + 59 * MINUTE, 0):
        assert start_of_incident_id(incident_id_for("a-b-c", start)) == start
    assert start_of_incident_id(None) is None
    assert start_of_incident_id("acme") is None


def test_a_held_incident_resolves_once_calm_for_the_reopen_period_even_if_never_quite_normal() -> None:
    # A busy entity's volume sits above "normal" for hours without any signal: the held resolve
    # counts calm (not anomalous) windows, so the episode ends and the next storm pages anew.
    run = Run(EPISODES)
    run.window("spike", "warning")
    first = run.state.incident_id
    run.windows(["normal"] * 3)
    assert run.window("spike", "warning") == "updated"  # re-opened: the resolve is held
    busy = ["elevated", "elevated", "normal", "normal", "elevated"] * 5  # 25 calm windows, never 3 normal in a row
    assert run.windows(busy) == [None] * 25
    assert run.state.open
    # A new anomaly restarts the calm clock ...
    assert run.window("spike", "warning") is None
    assert run.windows(["elevated"] * 27 + ["normal"] * 2) == [None] * 29
    # ... which, after 30 calm windows with the usual 3 normal at the end, resolves and ends the episode.
    assert run.window("normal") == "resolved"
    assert run.window("spike", "warning") is None  # in the cooldown
    run.windows(["normal"] * 5)
    assert run.window("spike", "warning") == "triggered"
    assert run.state.incident_id != first


def test_a_held_incident_waits_for_the_usual_normal_windows_too() -> None:
    run = Run(EPISODES)
    run.window("spike")
    run.windows(["normal"] * 3)
    run.window("spike")  # re-opened
    assert run.windows(["elevated"] * 40) == [None] * 40  # calm, but not back near the baseline
    assert run.windows(["normal"] * 3) == [None, None, "resolved"]
