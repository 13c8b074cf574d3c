"""The detection engine of one clock domain (a Kafka partition, or a whole replayed file).

It owns event time: the clock is the largest event time seen, the watermark trails it by
the allowed lateness, and a window closes when the watermark passes its end, never on the
wall clock. Quiet minutes are data too, but only live entities close them one by one:

- live: something can still happen to the entity (a mention in an open window, an open incident,
  a narrative sample, a planned event, or a decayed span that could still fire: the detector's
  `can_fire`). Each advance of the watermark closes its windows, as ClosedWindows;
- dormant: none of that. Nothing can happen to it until it speaks, so its quiet windows are not
  materialised: when it speaks again, at a clock jump beyond max_gap_ms, or when its state is
  read at the end of a replay (`catch_up`), the detector learns the idle run in one step
  (`learn_idle_run`), with the arithmetic it would have done window by window. A state written
  while dormant (the worker's changelog) is that of its last change: its `closed_until_ms` says
  where its idle run began, so a restored engine catches it up the same way. Its alerts and state
  are those of closing every window (EngineSettings.every_window, which keeps every entity live),
  but its quiet windows are not emitted one by one. Its detector state is written compressed to
  the changelog, and kept so in memory once it has slept FREEZE_AFTER_WINDOWS (models/frozen.py).

Bounds against bad input (no wall clock involved, so replays of old data behave the same):
- a mention more than `max_clock_jump_ms` ahead of the clock is `held`: kept aside, counted in
  no window, until `jump_confirmations` held mentions in a row that agree with each other (all
  within `max_clock_jump_ms` of one another) confirm a jump. The clock then moves to the largest of
  that agreeing group (never to an outlier none of them confirms) and the held mentions the new
  clock reaches are counted. A held mention still unconfirmed after `jump_wait` later mentions,
  or at the end of the input, is `future_timestamp` (the pipeline dead-letters it): one mistyped
  timestamp can neither make every later mention late nor stay counted in a window;
- when the clock does jump far (a partition silent for days, or a replay of a later file), only
  the last `max_gap_ms` of quiet windows are judged, not every minute since the last mention;
- at most `max_entities` entities per engine: a mention of one more is `entity_cap`, not state.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from firestorm.models import frozen
from firestorm.models.detectors.base import Assessment, Detector
from firestorm.models.engine_alerts import build_alert, drivers_of
from firestorm.models.engine_records import ClosedWindow, EntityState, Held, Outcome, Released
from firestorm.models.engine_settings import DETECTORS, SENSITIVITY_KNOBS, EngineSettings
from firestorm.models.incidents import step
from firestorm.models.planned import PlannedCalendar, PlannedEvent
from firestorm.models.records import Mention
from firestorm.models.sentiment import Sentiment
from firestorm.models.windows import WindowAccumulator, WindowStats, empty_window, window_start

# The engine's records, settings and alert builder live beside it; importers may name them here.
__all__ = [
    "DETECTORS",
    "FREEZE_AFTER_WINDOWS",
    "SENSITIVITY_KNOBS",
    "ClosedWindow",
    "Engine",
    "EngineSettings",
    "EntityState",
    "Held",
    "Outcome",
    "Released",
    "drivers_of",
]

# A dormant entity's detector state is compressed after this many windows of sleep (models/frozen.py):
# most of a sparse entity's sleeps are shorter (69% of them on the perf file's tail; 98% under an
# hour, but an hour would keep a watch list's last hour of speakers whole: 60,000 entities at
# 1,000 speaking a minute, 440 MB measured by bench/perf/watchlist.py).
FREEZE_AFTER_WINDOWS = 10


class Engine:
    """Ingests scored mentions in arrival order and emits closed windows and alerts."""

    def __init__(
        self,
        settings: EngineSettings | None = None,
        detector: Detector | None = None,
        entities: dict[str, EntityState] | None = None,
        clock_ms: int | None = None,
        closed_boundary_ms: int | None = None,
        planned: PlannedCalendar | Iterable[PlannedEvent] = (),
        held: Iterable[Mapping[str, Any]] = (),
        pending_jump: Mapping[str, Any] | None = None,
    ) -> None:
        self.settings = settings or EngineSettings()
        self.detector: Detector = detector or self.settings.build_detector()
        self._entity_detectors: dict[str, Detector] = (
            {} if detector else {e: self.settings.build_detector(e) for e in self.settings.entity_overrides}
        )
        self.planned = planned if isinstance(planned, PlannedCalendar) else PlannedCalendar(planned)
        self.lifecycle = self.settings.lifecycle_settings()
        self.entities: dict[str, EntityState] = entities if entities is not None else {}
        self.clock_ms = clock_ms
        self.closed_boundary_ms = closed_boundary_ms
        # Mentions beyond max_clock_jump_ms, in arrival order. An older state's `pending_jump` (ids
        # of mentions already counted in their windows) is not carried over: a jump starts afresh.
        del pending_jump
        self.held: list[Held] = [Held.from_dict(h) for h in held]
        self._released: list[Released] = []
        self.dirty: set[str] = set()
        # Live entities (see the module docstring), and their names sorted for judging order. An
        # entity not in it is dormant: its closed_until_ms stays where its idle run began.
        self._live_names: list[str] | None = None
        self.report_dormant = False  # keep the entities gone dormant for take_dormant (metrics)
        self._gone_dormant: list[str] = []  # dormant since the last window boundary but one
        self._just_dormant: list[str] = []  # dormant since the last window boundary
        # Entities gone dormant, by the boundary they went at: frozen FREEZE_AFTER_WINDOWS later.
        self._sleepers: deque[tuple[int, list[str]]] = deque()
        self._live: set[str] = set()
        for name, state in self.entities.items():
            detector = self._entity_detectors.get(name, self.detector)
            stored = state.detector
            if isinstance(stored, frozen.Frozen) and not self._busy(state):
                # Written compressed, so written dormant: its detector could not fire then, and has
                # not learned since. Not thawed to ask again (most of a restore's time otherwise).
                state.dormant = True
                continue
            state.detector = frozen.thaw(detector, stored)
            if self._is_live(state):
                self._live.add(name)
            else:  # dormant: kept compressed (as stored, if it was)
                state.detector = (
                    stored if isinstance(stored, frozen.Frozen) else frozen.freeze(detector, state.detector)
                )
                state.dormant = True

    @property
    def watermark_ms(self) -> int | None:
        return None if self.clock_ms is None else self.clock_ms - self.settings.lateness_ms

    def clock_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"clock_ms": self.clock_ms, "closed_boundary_ms": self.closed_boundary_ms}
        if self.held:
            state["held"] = [h.to_dict() for h in self.held]
        return state

    def take_released(self) -> list[Released]:
        """Held mentions decided since the last call (counted, or FUTURE_TIMESTAMP), in order."""
        released, self._released = self._released, []
        return released

    def ingest(self, mention: Mention, sentiment: Sentiment, ref: Any = None) -> tuple[Outcome, list[ClosedWindow]]:
        """Advance event time to this mention, close what the watermark passed, then count it.

        A mention beyond the jump bound is HELD instead (see the module docstring); held mentions
        decided by this call are in `take_released()`, the windows their jump closed in the result.
        """
        closed: list[ClosedWindow] = []
        if self.held:
            self._age_held()
        if self.clock_ms is not None and mention.ts_ms > self.clock_ms + self.settings.max_clock_jump_ms:
            if any(h.mention.id == mention.id for h in self.held):
                return Outcome.DUPLICATE, closed  # a re-sent mention does not confirm a jump
            self.held.append(Held(mention, sentiment, ref))
            return Outcome.HELD, self._confirm_jump()
        for held in self.held:
            held.in_row = False
        if self.clock_ms is None or mention.ts_ms > self.clock_ms:
            self.clock_ms = mention.ts_ms
            closed = self.advance(self.clock_ms - self.settings.lateness_ms)
        return self._count(mention, sentiment), closed

    def _age_held(self) -> None:
        """One more mention came: a held mention that waited `jump_wait` of them is FUTURE_TIMESTAMP."""
        kept = []
        for held in self.held:
            held.waited += 1
            if held.waited >= self.settings.jump_wait:
                self._released.append(Released(held.mention, held.sentiment, held.ref, Outcome.FUTURE_TIMESTAMP))
            else:
                kept.append(held)
        self.held = kept

    def _confirm_jump(self) -> list[ClosedWindow]:
        """Jump when `jump_confirmations` held mentions in a row agree (within the jump bound of each
        other): to the largest event time of the earliest agreeing group, never to an outlier."""
        need, bound = self.settings.jump_confirmations, self.settings.max_clock_jump_ms
        times = sorted(h.mention.ts_ms for h in self.held if h.in_row)
        for i in range(len(times) - need + 1):
            if times[i + need - 1] - times[i] <= bound:
                return self._move_clock(max(t for t in times[i:] if t <= times[i] + bound))
        return []

    def _move_clock(self, clock_ms: int) -> list[ClosedWindow]:
        """Move the clock forward to `clock_ms`: first count the held mentions it brings within the
        jump bound (as if counted when they came, before the watermark moved), then close windows."""
        reach = clock_ms + self.settings.max_clock_jump_ms
        kept = []
        for held in self.held:
            if held.mention.ts_ms <= reach:
                outcome = self._count(held.mention, held.sentiment)
                self._released.append(Released(held.mention, held.sentiment, held.ref, outcome))
            else:
                kept.append(held)
        self.held = kept
        if self.clock_ms is not None and clock_ms <= self.clock_ms:
            return []
        self.clock_ms = clock_ms
        return self.advance(clock_ms - self.settings.lateness_ms)

    def advance_to(self, clock_ms: int) -> list[ClosedWindow]:
        """Move the clock forward to `clock_ms` with no mention to carry it (never backward).

        The worker calls it for a partition that has been idle for a while, with a time derived
        from the wall clock (the model never reads the wall clock itself): the watermark follows,
        windows close (quiet ones as zero counts) and incidents can resolve.
        """
        if self.clock_ms is None or clock_ms <= self.clock_ms:
            return []
        return self._move_clock(clock_ms)

    def _count(self, mention: Mention, sentiment: Sentiment) -> Outcome:
        """Count a mention in its window, if that window is still open (the clock already moved)."""
        size = self.settings.window_ms
        ts_ms = mention.ts_ms
        start = ts_ms - ts_ms % size  # window_start, inlined
        if self.closed_boundary_ms is not None and start + size <= self.closed_boundary_ms:
            return Outcome.LATE
        state = self.entities.get(mention.entity)
        if state is None:
            if len(self.entities) >= self.settings.max_entities:
                return Outcome.ENTITY_CAP
            state = EntityState(
                entity=mention.entity,
                closed_until_ms=start,
                detector=self._entity_detectors.get(mention.entity, self.detector).initial_state(),
            )
            self.entities[mention.entity] = state
            self._wake(state)
        elif mention.entity not in self._live:
            self._wake(state)
        if start < state.closed_until_ms:
            if not state.fresh or (self.closed_boundary_ms is not None and start < self.closed_boundary_ms):
                return Outcome.LATE
            # An earlier, still-open window of an entity first seen a little later in time.
            state.closed_until_ms = start
        mention_id = mention.id
        for other in state.open.values():  # a loop, not any(generator): one call fewer a mention
            if mention_id in other.ids:
                return Outcome.DUPLICATE
        acc = state.open.get(start)
        if acc is None:
            acc = state.open[start] = WindowAccumulator(start_ms=start)
        acc.add(mention, sentiment)
        self.dirty.add(mention.entity)
        return Outcome.ACCEPTED

    def advance(self, watermark_ms: int) -> list[ClosedWindow]:
        """Close, for every live entity, each window that ends at or before the watermark; an
        entity with nothing left that can happen to it becomes dormant (see the module docstring)."""
        size = self.settings.window_ms
        boundary = watermark_ms - watermark_ms % size
        if self.closed_boundary_ms is None:
            self.closed_boundary_ms = boundary
        if boundary <= self.closed_boundary_ms:
            return []
        gap_start = boundary - max(1, self.settings.max_gap_ms // size) * size
        if self.closed_boundary_ms < gap_start and len(self._live) < len(self.entities):
            # A long jump (rare: a partition silent for more than max_gap_ms): dormant entities
            # learn their idle run up to it now, and skip its quiet windows as live ones do.
            for name, state in self.entities.items():
                if name not in self._live and state.closed_until_ms < gap_start:
                    self._catch_up(state)
                    state.closed_until_ms = gap_start
        self.closed_boundary_ms = boundary
        if self._sleepers and self._sleepers[0][0] <= boundary - FREEZE_AFTER_WINDOWS * size:
            self._freeze_sleepers(boundary - FREEZE_AFTER_WINDOWS * size)
        if self._just_dormant:  # a quiet window would have closed for them now
            self._gone_dormant += [name for name in self._just_dormant if name not in self._live]
            self._just_dormant = []
        closed: list[ClosedWindow] = []
        ordered = True  # one window per entity, all ending at the boundary: already in order
        dormant: list[str] = []
        for name in self._live_sorted():
            state = self.entities[name]
            if state.closed_until_ms < boundary:
                starts: Iterable[int] = range(state.closed_until_ms, boundary, size)
                if state.closed_until_ms < gap_start:
                    # A long jump: windows with mentions are all judged, quiet ones only for the last max_gap_ms.
                    early = sorted(s for s in state.open if s < gap_start)
                    starts = [*early, *range(gap_start, boundary, size)]
                ordered = ordered and state.closed_until_ms + size == boundary
                self._close(state, name, starts, closed)
                state.closed_until_ms = boundary
                state.fresh = False
                self.dirty.add(name)
            if not self._is_live(state):
                dormant.append(name)
        if dormant:
            for name in dormant:
                self.entities[name].dormant = True
            self._sleepers.append((boundary, dormant))
            self._live.difference_update(dormant)
            self._live_names = None
            if self.report_dormant:
                self._just_dormant += dormant
        if not ordered:
            closed.sort(key=lambda c: (c.window.end_ms, c.window.entity))
        return closed

    def _freeze_sleepers(self, until_ms: int) -> None:
        """Keep compressed the entities that went dormant at or before `until_ms` and still sleep."""
        while self._sleepers and self._sleepers[0][0] <= until_ms:
            for name in self._sleepers.popleft()[1]:
                state = self.entities.get(name)
                if state is not None and state.dormant and not isinstance(state.detector, frozen.Frozen):
                    state.detector = frozen.freeze(self._entity_detectors.get(name, self.detector), state.detector)

    def _live_sorted(self) -> list[str]:
        """The live entities in name order (judging order), re-sorted only when the set changed."""
        if self._live_names is None:
            self._live_names = sorted(self._live)
        return self._live_names

    def _is_live(self, state: EntityState) -> bool:
        """Can anything happen to the entity before it speaks again (see the module docstring)?"""
        return self._busy(state) or self._entity_detectors.get(state.entity, self.detector).can_fire(state.detector)

    def _busy(self, state: EntityState) -> bool:
        """Live whatever its detector says: every window asked for, open windows, an open incident,
        a narrative sample, a planned event."""
        return bool(
            self.settings.every_window
            or state.open
            or state.incident.open
            or not state.narrative.empty
            or (self.planned and self.planned.has_events(state.entity))
        )

    def _wake(self, state: EntityState) -> None:
        """The entity speaks: its state thawed, its idle run caught up, it is live."""
        state.detector = frozen.thaw(self._entity_detectors.get(state.entity, self.detector), state.detector)
        state.dormant = False
        self._catch_up(state)
        self._live.add(state.entity)
        self._live_names = None

    def _catch_up(self, state: EntityState) -> None:
        """Learn a dormant entity's quiet windows up to the closed boundary in one step, as closing
        them one by one would have (nothing to emit: nothing could fire). A frozen state stays so."""
        boundary = self.closed_boundary_ms
        if boundary is None or state.closed_until_ms >= boundary:
            return
        detector = self._entity_detectors.get(state.entity, self.detector)
        was_frozen = isinstance(state.detector, frozen.Frozen)
        working = frozen.thaw(detector, state.detector)
        size = self.settings.window_ms
        detector.learn_idle_run(working, state.closed_until_ms, (boundary - state.closed_until_ms) // size)
        state.detector = frozen.freeze(detector, working) if was_frozen else working
        state.closed_until_ms = boundary
        state.fresh = False
        self.dirty.add(state.entity)

    def catch_up(self, names: Iterable[str] | None = None) -> None:
        """Bring dormant entities (all, or those named) up to the closed boundary, e.g. before their
        state is written; they stay dormant."""
        for name in self.entities if names is None else names:
            state = self.entities.get(name)
            if state is not None and name not in self._live:
                self._catch_up(state)

    def take_dormant(self) -> list[str]:
        """Entities whose first quiet window went unmaterialised since the last call, when
        `report_dormant` is set (metrics then read their windows as quiet ones)."""
        gone, self._gone_dormant = self._gone_dormant, []
        return gone

    def dormant_count(self) -> int:
        """Entities whose quiet windows are not closed one by one."""
        return len(self.entities) - len(self._live)

    def _close(self, state: EntityState, name: str, starts: Iterable[int], closed: list[ClosedWindow]) -> None:
        """Judge the entity's windows at `starts`, in order. A quiet window of an entity with no
        incident, no narrative sample and no planned event (most windows of most entities: an idle
        entity's whole run) takes a short path with the same outcome: no details, no lifecycle step
        (it cannot move without an anomaly) and no narrative bookkeeping."""
        size = self.settings.window_ms
        detector = self._entity_detectors.get(name, self.detector)
        state.detector = frozen.thaw(detector, state.detector)  # an older state's migration, once
        incident, narrative = state.incident, state.narrative
        quiet_ok = not self.planned
        for start in starts:
            acc = state.open.pop(start, None) if state.open else None
            if acc is not None:
                closed.append(self._judge(state, acc.close(name, size)))
                continue
            stats = empty_window(name, start, size)
            if not (quiet_ok and incident.incident_id is None and narrative.empty):
                closed.append(self._judge(state, stats))
                continue
            assessment = detector.score(state.detector, stats, 1.0, False, False)
            detector.learn(state.detector, stats, assessment)
            if assessment.anomalous:  # a sparse storm's span: the whole lifecycle
                closed.append(self._settle(state, stats, assessment))
            else:
                closed.append(ClosedWindow(stats, assessment, False, incident.severity, None))

    def finish(self, catch_up: bool = False) -> list[ClosedWindow]:
        """End of input (a replayed file): held mentions no jump confirmed are FUTURE_TIMESTAMP
        (see take_released), then every window up to the one holding the clock closes. With
        `catch_up` (a caller that reads the final state: the fingerprint), dormant entities then
        learn their idle runs up to the last closed window too (`catch_up()`); without it (nothing
        could fire: a replay that only wants alerts) they are left as they are, and never pay it."""
        for held in self.held:
            self._released.append(Released(held.mention, held.sentiment, held.ref, Outcome.FUTURE_TIMESTAMP))
        self.held = []
        if self.clock_ms is None:
            return []
        size = self.settings.window_ms
        closed = self.advance(window_start(self.clock_ms, size) + size)
        if catch_up:
            self.catch_up()
        return closed

    def take_dirty(self) -> set[str]:
        """Entities changed since the last call: the ones a changelog must persist."""
        dirty, self.dirty = self.dirty, set()
        return dirty

    def _judge(self, state: EntityState, stats: WindowStats) -> ClosedWindow:
        detector = self._entity_detectors.get(stats.entity, self.detector)
        uplift, muted = (
            self.planned.uplift(stats.entity, stats.start_ms, stats.end_ms) if self.planned else (1.0, False)
        )
        # Details only where an alert may come of them: an anomalous window, or an open incident.
        assessment = detector.assess(state.detector, stats, uplift=uplift, muted=muted, explain=state.incident.open)
        return self._settle(state, stats, assessment)

    def _settle(self, state: EntityState, stats: WindowStats, assessment: Assessment) -> ClosedWindow:
        """The lifecycle's step on a judged window, the narratives' sample, and the alert if any."""
        incident = state.incident
        incident_id = incident.incident_id
        status = step(incident, stats, assessment, self.lifecycle, self.settings.window_ms)
        new_terms = assessment.details.get("new_terms") or ()
        if incident.open:  # this window's posts join the incident's sample before its alert
            state.narrative.observe(
                stats.start_ms, stats.count, stats.posts, assessment.normal, incident.incident_id, new_terms
            )
        alert = None
        if status is not None:
            alert = build_alert(
                self.settings,
                incident.incident_id or incident_id or "",
                status,
                incident,
                stats,
                assessment,
                state.narrative,
            )
        if not incident.open:  # a resolved incident's alert still had its narratives; now only the ramp is kept
            state.narrative.observe(stats.start_ms, stats.count, lambda: stats.posts, assessment.normal, None)
        return ClosedWindow(stats, assessment, incident.open, incident.severity, alert)
