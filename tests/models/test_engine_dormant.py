"""Live and dormant entities (models/engine.py): learning a dormant entity's quiet windows at once
gives what closing them one by one gives.

The eager engine (`every_window=True`: every entity live, every window closed) is the reference;
the lazy one (the default) must raise the same alerts and end in the same state, and the windows
it emits must be the eager ones minus quiet windows only. Streams have random idle gaps (minutes
to days, beyond the jump bound and beyond `max_gap_ms`), idle advances of the clock (the worker's
`advance_to`), and restarts mid-gap from a table holding only what `take_dirty` named (as the
worker writes it), so a dormant entity is restored with the state of its last change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firestorm.models.engine import ClosedWindow, Engine, EngineSettings, EntityState
from firestorm.models.sentiment import Sentiment
from tests.models.builders import MINUTE, QUIET_TEXTS, STORM_TEXTS, T0, make_mention

EXAMPLES = int(os.environ.get("FIRESTORM_FUZZ_EXAMPLES", "0"))
HOUR = 60 * MINUTE
# Short warm-up and low floors so that storms alert; 3 hours of quiet windows judged after a long jump.
LAZY = EngineSettings(warmup_ms=20 * MINUTE, min_volume=4, max_gap_ms=3 * HOUR, resolve_after_ms=5 * MINUTE)
EAGER = EngineSettings(
    warmup_ms=20 * MINUTE, min_volume=4, max_gap_ms=3 * HOUR, resolve_after_ms=5 * MINUTE, every_window=True
)
NEUTRAL = Sentiment(lang="en", compound=0.3)
ANGRY = Sentiment(lang="en", compound=-0.8)
ENTITIES = ("acme", "bolt", "cora")


@dataclass(frozen=True)
class Step:
    """After `gap_ms` of silence, `entity` speaks `count` times within a minute (a storm if angry);
    `idle` moves the clock by the worker's idle advance first; `restart` rebuilds the lazy engine."""

    gap_ms: int
    entity: str
    count: int
    angry: bool
    idle: bool
    restart: bool


@st.composite
def steps(draw: st.DrawFn) -> list[Step]:
    gaps = st.one_of(
        st.integers(min_value=0, max_value=5 * MINUTE),
        st.integers(min_value=10 * MINUTE, max_value=2 * HOUR),
        st.integers(min_value=4 * HOUR, max_value=3 * 24 * HOUR),
    )
    step = st.builds(
        Step,
        gap_ms=gaps,
        entity=st.sampled_from(ENTITIES),
        count=st.integers(min_value=1, max_value=30),
        angry=st.booleans(),
        idle=st.integers(min_value=0, max_value=5).map(lambda n: n == 0),
        restart=st.integers(min_value=0, max_value=3).map(lambda n: n == 0),
    )
    return draw(st.lists(step, min_size=1, max_size=25))


def restart(engine: Engine, table: dict[str, Any], clock: dict[str, Any]) -> Engine:
    """A worker restart: the engine rebuilt from the last written entities and clock."""
    return Engine(
        engine.settings,
        entities={name: EntityState.from_dict(orjson.loads(value)) for name, value in table.items()},
        clock_ms=clock.get("clock_ms"),
        closed_boundary_ms=clock.get("closed_boundary_ms"),
        held=clock.get("held", ()),
    )


def write(engine: Engine, table: dict[str, Any]) -> dict[str, Any]:
    """What the worker writes after a batch: the entities changed, and the clock."""
    for name in engine.take_dirty():
        table[name] = orjson.dumps(engine.entities[name].to_dict())
    return orjson.loads(orjson.dumps(engine.clock_state()))


def run(plan: list[Step], base: EngineSettings, restarts: bool) -> tuple[Engine, list[ClosedWindow]]:
    engine = Engine(base)
    table: dict[str, Any] = {}
    clock: dict[str, Any] = {}
    closed: list[ClosedWindow] = []
    now = T0
    for i, step in enumerate(plan):
        if step.idle and engine.clock_ms is not None:
            closed += engine.advance_to(now + step.gap_ms // 2)
        now += step.gap_ms
        texts = STORM_TEXTS if step.angry else QUIET_TEXTS
        for k in range(step.count):
            text = texts[k % len(texts)].format(e=step.entity)
            mention = make_mention(f"m{i}-{k}", step.entity, now + k * 1_000, text)
            closed += engine.ingest(mention, ANGRY if step.angry else NEUTRAL)[1]
        clock = write(engine, table)
        if restarts and step.restart:
            engine = restart(engine, table, clock)
    closed += engine.finish()
    return engine, closed


def row(c: ClosedWindow) -> tuple[Any, ...]:
    a = c.assessment
    return (c.window, a.expected, a.score, a.anomalous, a.normal, c.incident_open, c.severity, c.alert)


def quiet(c: ClosedWindow) -> bool:
    return c.window.count == 0 and not c.assessment.anomalous and not c.incident_open and c.alert is None


def state_of(engine: Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    engine.catch_up()  # dormant entities learn their idle runs before their state is read
    entities = {name: orjson.loads(orjson.dumps(s.to_dict(plain=True))) for name, s in engine.entities.items()}
    return entities, orjson.loads(orjson.dumps(engine.clock_state()))


@settings(
    max_examples=EXAMPLES or 60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps())
def test_dormant_entities_learn_their_idle_runs_as_closing_each_window_would(plan: list[Step]) -> None:
    eager, eager_closed = run(plan, EAGER, restarts=False)
    lazy, lazy_closed = run(plan, LAZY, restarts=True)
    assert [c.alert.to_dict() for c in lazy_closed if c.alert] == [c.alert.to_dict() for c in eager_closed if c.alert]
    assert state_of(lazy) == state_of(eager)
    assert lazy.dormant_count() >= 0
    remaining = iter(lazy_closed)
    expected = next(remaining, None)
    for c in eager_closed:
        if expected is not None and row(c) == row(expected):
            expected = next(remaining, None)
        else:
            assert quiet(c), row(c)
    assert expected is None, row(expected)


def test_a_quiet_entity_goes_dormant_and_its_windows_are_not_closed_one_by_one() -> None:
    engine = Engine(LAZY)
    engine.ingest(make_mention("a", "acme", T0), NEUTRAL)
    engine.ingest(make_mention("b", "bolt", T0), NEUTRAL)
    closed: list[ClosedWindow] = []
    for minute in range(1, 120):  # bolt keeps speaking, acme never again
        closed += engine.ingest(make_mention(f"b{minute}", "bolt", T0 + minute * MINUTE), NEUTRAL)[1]
    acme = [c for c in closed if c.window.entity == "acme"]
    assert 1 <= len(acme) < 5  # its first window, then nothing can fire: dormant
    assert engine.dormant_count() == 1
    assert engine.entities["acme"].closed_until_ms < engine.closed_boundary_ms  # type: ignore[operator]
    engine.take_dirty()
    engine.ingest(make_mention("b-last", "bolt", T0 + 121 * MINUTE), NEUTRAL)
    assert "acme" not in engine.take_dirty()  # a dormant entity's state is not rewritten while it sleeps
    engine.finish()
    assert engine.entities["acme"].closed_until_ms < engine.closed_boundary_ms  # type: ignore[operator]
    engine.catch_up()  # before its state is read
    assert engine.entities["acme"].closed_until_ms == engine.closed_boundary_ms


def test_finish_with_catch_up_brings_every_dormant_entity_to_the_last_closed_window() -> None:
    engine = Engine(LAZY)
    for n, entity in enumerate(ENTITIES):
        engine.ingest(make_mention(f"a{n}", entity, T0 + n * MINUTE), NEUTRAL)
    for minute in range(3, 200):
        engine.ingest(make_mention(f"b{minute}", "acme", T0 + minute * MINUTE), NEUTRAL)
    assert engine.dormant_count() == 2
    engine.finish(catch_up=True)
    boundary = engine.closed_boundary_ms
    assert {name: state.closed_until_ms for name, state in engine.entities.items()} == dict.fromkeys(ENTITIES, boundary)
    assert engine.dormant_count() == 2  # caught up, still dormant
