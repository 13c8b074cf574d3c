"""Property-based tests of the engine and the shared pipeline under hostile streams.

Streams mix in-order mentions, jitter within the allowed lateness, late mentions beyond it,
re-sent ids, timestamps far in the past or future, skewed sources and entity floods. Whatever
arrives: nothing raises, every record is accepted, a duplicate, late or dead-lettered with a
reason, the counts add up, every closed window's count is the truth computed from the accepted
mentions, and an engine rebuilt from its serialised state (as a restarted worker does) carries on
exactly like one that never stopped. Derandomized; FIRESTORM_FUZZ_EXAMPLES raises the examples.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firestorm.models.engine import ClosedWindow, Engine, EngineSettings, EntityState, Outcome
from firestorm.models.pipeline import DEAD_LETTER, MentionProcessor, Tally
from firestorm.models.records import DecodeError, Mention
from firestorm.models.sentiment import Sentiment, SentimentScorer
from firestorm.models.timeutil import MAX_TS_MS, MIN_TS_MS
from firestorm.models.windows import window_start
from tests.models.builders import MINUTE, SECOND, T0, make_mention

EXAMPLES = int(os.environ.get("FIRESTORM_FUZZ_EXAMPLES", "0"))
HOUR = 60 * MINUTE
DAY = 24 * HOUR
YEAR = 365 * DAY
SETTINGS = EngineSettings()  # 1 minute windows, 30 s lateness, 1 h jump bound, 3 confirmations, 1 day gap
# The same with 2 hours of quiet windows judged after a long jump, so that many examples stay fast.
QUICK = EngineSettings(max_gap_ms=2 * HOUR)
NEUTRAL = Sentiment(lang="en", compound=0.0)
ANGRY = Sentiment(lang="en", compound=-0.8)


def fuzz(examples: int) -> Any:
    return settings(
        max_examples=EXAMPLES or examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ---------------------------------------------------------------------------------------------
# streams


@dataclass(frozen=True)
class Event:
    """One arrival: a mention (an id re-sent keeps its event time) and its sentiment."""

    mention: Mention
    sentiment: Sentiment


OFFSETS = st.one_of(
    st.just(0),  # on time
    st.integers(min_value=-25 * SECOND, max_value=25 * SECOND),  # jitter inside the allowed lateness
    st.integers(min_value=-3 * HOUR, max_value=-2 * MINUTE),  # late, beyond the allowed lateness
    st.integers(min_value=-20 * YEAR, max_value=-DAY),  # far in the past
    st.integers(min_value=2 * HOUR, max_value=70 * YEAR),  # far in the future (a typo, seconds as ms...)
    st.integers(min_value=-2 * HOUR, max_value=2 * HOUR),  # anything nearby
)
WEIGHTED_OFFSETS = st.one_of(st.just(0), st.just(0), st.just(0), OFFSETS)


@st.composite
def streams(draw: st.DrawFn, max_size: int = 120, entities: int = 4) -> list[Event]:
    """A stream around a true time that moves forward, with hostile arrivals mixed in."""
    size = draw(st.integers(min_value=1, max_value=max_size))
    true_ms = T0 + draw(st.integers(min_value=0, max_value=DAY))
    events: list[Event] = []
    for n in range(size):
        true_ms += draw(st.sampled_from([0, SECOND, 5 * SECOND, 20 * SECOND, MINUTE, 3 * MINUTE, 90 * MINUTE]))
        if events and draw(st.integers(0, 9)) == 0:
            events.append(draw(st.sampled_from(events)))  # a re-sent mention: same id, same event time
            continue
        ts = min(max(true_ms + draw(WEIGHTED_OFFSETS), MIN_TS_MS), MAX_TS_MS - 1)
        entity = f"e{draw(st.integers(0, entities - 1))}"
        sentiment = draw(st.sampled_from([NEUTRAL, ANGRY, Sentiment(lang="de", compound=None)]))
        events.append(Event(make_mention(f"{entity}-{n}", entity=entity, ts_ms=ts), sentiment))
    return events


# ---------------------------------------------------------------------------------------------
# the checks every stream must pass


@dataclass
class Run:
    outcomes: list[Outcome]  # on arrival (HELD: decided later, see `released`)
    closed: list[ClosedWindow]
    engine: Engine
    released: list[tuple[str, Outcome]] = field(default_factory=list)  # held mentions decided: (id, outcome)

    def finish(self) -> None:
        """End of input: close the tail, decide what is still held."""
        self.closed.extend(self.engine.finish())
        self.released.extend((r.mention.id, r.outcome) for r in self.engine.take_released())

    def final_outcomes(self, events: list[Event]) -> list[Outcome]:
        """Each arrival's outcome, a HELD one replaced by what it was decided to be."""
        final = list(self.outcomes)
        waiting: dict[str, list[int]] = {}
        for i, (event, outcome) in enumerate(zip(events, self.outcomes, strict=True)):
            if outcome is Outcome.HELD:
                waiting.setdefault(event.mention.id, []).append(i)
        for mention_id, outcome in self.released:
            final[waiting[mention_id].pop(0)] = outcome
        return final


def feed(engine: Engine, events: list[Event], consistent: bool = True) -> Run:
    """Ingest every event, checking the per-mention promises as they happen (the lateness ones only
    when the engine's clock and entity states were saved together)."""
    s = engine.settings
    outcomes: list[Outcome] = []
    closed: list[ClosedWindow] = []
    released: list[tuple[str, Outcome]] = []
    for event in events:
        m = event.mention
        before_clock, before_boundary = engine.clock_ms, engine.closed_boundary_ms
        entities_before = len(engine.entities)
        open_before = sum(len(state.open) for state in engine.entities.values())
        outcome, windows = engine.ingest(m, event.sentiment)
        decided = engine.take_released()
        released.extend((r.mention.id, r.outcome) for r in decided)
        start = window_start(m.ts_ms, s.window_ms)
        # The watermark a mention meets is the one after its own event time moved the clock (if it did).
        if consistent and engine.clock_ms is not None and m.ts_ms >= engine.clock_ms - s.lateness_ms:
            assert outcome is not Outcome.LATE, "a mention within the allowed lateness was late"
        if before_boundary is not None and start + s.window_ms <= before_boundary:
            assert outcome is Outcome.LATE, "a mention for a closed window was merged"
        if outcome is Outcome.ACCEPTED:
            assert m.id in engine.entities[m.entity].open[start].ids
        if outcome is Outcome.ENTITY_CAP:
            assert m.entity not in engine.entities and entities_before >= s.max_entities
        assert len(engine.entities) <= s.max_entities
        # Bounded work per mention: at most a gap's worth of windows (plus any holding mentions) per entity.
        gap_windows = max(1, s.max_gap_ms // s.window_ms)
        assert len(windows) <= len(engine.entities) * gap_windows + open_before + len(decided)
        # The clock moves by more than the jump bound only to a held mention that the jump counted,
        # confirmed by enough distinct held mentions that agree with each other.
        if (
            before_clock is not None
            and engine.clock_ms is not None
            and engine.clock_ms > before_clock + s.max_clock_jump_ms
        ):
            confirmed = [r for r in decided if r.outcome is not Outcome.FUTURE_TIMESTAMP]
            assert engine.clock_ms in {r.mention.ts_ms for r in confirmed}
            assert len({r.mention.id for r in confirmed}) >= s.jump_confirmations
        if consistent and outcome is Outcome.HELD and m.id not in {r.mention.id for r in decided}:  # in no window
            assert all(m.id not in acc.ids for st_ in engine.entities.values() for acc in st_.open.values())
        outcomes.append(outcome)
        closed.extend(windows)
    return Run(outcomes, closed, engine, released)


def check_counts(events: list[Event], run: Run) -> None:
    """Counts add up, and every window's count is the truth from the accepted mentions."""
    final = run.final_outcomes(events)
    tally = Counter(final)
    assert sum(tally.values()) == len(events)
    assert set(tally) <= set(Outcome)
    truth: Counter[tuple[str, int]] = Counter()
    accepted_ids: Counter[tuple[str, str]] = Counter()
    for event, outcome in zip(events, final, strict=True):
        if outcome is Outcome.ACCEPTED:
            truth[(event.mention.entity, window_start(event.mention.ts_ms, run.engine.settings.window_ms))] += 1
            accepted_ids[(event.mention.entity, event.mention.id)] += 1
    assert max(accepted_ids.values(), default=1) == 1, "a re-sent mention was counted twice"
    counted: Counter[tuple[str, int]] = Counter()
    seen: set[tuple[str, int]] = set()
    last_start: dict[str, int] = {}
    for c in run.closed:
        key = (c.window.entity, c.window.start_ms)
        assert key not in seen, f"window {key} closed twice"
        assert c.window.start_ms > last_start.get(c.window.entity, -1), "windows of an entity closed out of order"
        seen.add(key)
        last_start[c.window.entity] = c.window.start_ms
        if c.window.count:
            counted[key] = c.window.count
    for name, state in run.engine.entities.items():
        for start, acc in state.open.items():
            assert (name, start) not in seen
            counted[(name, start)] += acc.count
    assert counted == truth


def snapshot(engine: Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the worker writes to its changelogged tables, through JSON and back."""
    entities = {name: orjson.loads(orjson.dumps(state.to_dict())) for name, state in engine.entities.items()}
    return entities, orjson.loads(orjson.dumps(engine.clock_state()))


def restore(settings_: EngineSettings, entities: dict[str, Any], clock: dict[str, Any]) -> Engine:
    return Engine(
        settings_,
        entities={name: EntityState.from_dict(d) for name, d in entities.items()},
        clock_ms=clock.get("clock_ms"),
        closed_boundary_ms=clock.get("closed_boundary_ms"),
        held=clock.get("held", ()),
    )


def closed_key(c: ClosedWindow) -> tuple[Any, ...]:
    return (c.window, c.incident_open, c.severity, c.alert.to_dict() if c.alert else None)


# ---------------------------------------------------------------------------------------------
# properties


@fuzz(150)
@given(streams())
def test_hostile_streams_never_crash_and_counts_are_the_truth(events: list[Event]) -> None:
    engine = Engine(QUICK)
    run = feed(engine, events)
    run.finish()
    check_counts(events, run)


@fuzz(80)
@given(streams(max_size=80), st.integers(min_value=0, max_value=80))
def test_an_engine_rebuilt_from_its_changelog_carries_on_identically(events: list[Event], cut: int) -> None:
    """The worker's crash story in models: state written after a batch, restored, same results."""
    cut = min(cut, len(events))
    whole = feed(Engine(QUICK), events)
    whole.finish()

    first = feed(Engine(QUICK), events[:cut])
    resumed = restore(QUICK, *snapshot(first.engine))
    second = feed(resumed, events[cut:])
    second.finish()
    assert first.outcomes + second.outcomes == whole.outcomes
    assert first.released + second.released == whole.released
    assert [closed_key(c) for c in first.closed + second.closed] == [closed_key(c) for c in whole.closed]
    assert snapshot(resumed) == snapshot(whole.engine)


@fuzz(60)
@given(streams(max_size=60), st.integers(min_value=0, max_value=59))
def test_redelivery_after_a_crash_changes_nothing(events: list[Event], cut: int) -> None:
    """At-least-once: the batch after the last saved state is read again; re-reads are duplicates or late."""
    cut = min(cut, len(events))
    whole = feed(Engine(QUICK), events)
    saved_at = max(0, cut - 10)
    first = feed(Engine(QUICK), events[:saved_at])
    state = snapshot(first.engine)
    feed(first.engine, events[saved_at:cut])  # processed, but the state of this batch was never written
    resumed = restore(QUICK, *state)
    again = feed(resumed, events[saved_at:])  # Kafka hands the whole uncommitted batch over again
    assert first.outcomes + again.outcomes == whole.outcomes
    assert first.released + again.released == whole.released
    assert snapshot(resumed) == snapshot(whole.engine)


@fuzz(60)
@given(streams(max_size=60), st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=20))
def test_a_lost_clock_write_neither_loses_nor_double_counts(events: list[Event], cut: int, batch: int) -> None:
    """SIGKILL after a batch's entity writes reached the changelog but before its clock write did: the
    entities are restored as of the batch, the clock as of before it, and the batch is read again."""
    cut = min(cut, len(events))
    end = min(len(events), cut + batch)
    whole = feed(Engine(QUICK), events)
    first = feed(Engine(QUICK), events[:cut])
    _entities, old_clock = snapshot(first.engine)
    during = feed(first.engine, events[cut:end])
    new_entities, _clock = snapshot(first.engine)
    resumed = restore(QUICK, new_entities, old_clock)
    again = feed(resumed, events[cut:], consistent=False)
    # Nothing judged twice, nothing lost: the windows closed are those of an uninterrupted run ...
    closed = first.closed + during.closed + again.closed
    assert [closed_key(c) for c in closed] == [closed_key(c) for c in whole.closed]
    # ... and the state ends up the same.
    assert snapshot(resumed) == snapshot(whole.engine)


@fuzz(60)
@given(
    st.integers(min_value=2 * HOUR, max_value=70 * YEAR),
    st.integers(min_value=1, max_value=2),
    st.integers(min_value=10, max_value=200),
)
def test_far_future_timestamps_do_not_hijack_the_clock(jump: int, outliers: int, normal: int) -> None:
    """One or two mistyped timestamps: later mentions are still on time, and closing stays cheap."""
    engine = Engine(QUICK)
    events = [Event(make_mention(f"a{i}", entity="acme", ts_ms=T0 + i * 10 * SECOND), NEUTRAL) for i in range(normal)]
    for k in range(outliers):
        ts = min(T0 + jump + k, MAX_TS_MS - 1)
        events.insert(normal // 2 + k, Event(make_mention(f"typo{k}", entity="acme", ts_ms=ts), NEUTRAL))
    started = time.perf_counter()
    run = feed(engine, events)
    assert time.perf_counter() - started < 2.0
    late = [e.mention.id for e, o in zip(events, run.outcomes, strict=True) if o is Outcome.LATE]
    assert late == [], "a far-future typo made later mentions late"
    run.finish()
    # The typos are counted in no window: dead-lettered (future_timestamp) once nothing confirmed them.
    final = run.final_outcomes(events)
    typos = [o for e, o in zip(events, final, strict=True) if e.mention.id.startswith("typo")]
    assert typos == [Outcome.FUTURE_TIMESTAMP] * outliers
    assert final.count(Outcome.ACCEPTED) == normal
    check_counts(events, run)


def test_found_by_fuzzing_one_timestamp_in_2095_used_to_hang_the_engine() -> None:
    # Before the jump bound, this closed every minute from 2026 to 2095 for each entity (36 million
    # windows: minutes of CPU and gigabytes of closed windows), then every later mention was late.
    engine = Engine(SETTINGS)
    for i in range(5):
        engine.ingest(make_mention(f"q{i}", entity=f"e{i}", ts_ms=T0 + i * SECOND), NEUTRAL)
    started = time.perf_counter()
    outcome, closed = engine.ingest(make_mention("typo", ts_ms=MAX_TS_MS - 1), NEUTRAL)
    assert outcome is Outcome.HELD and closed == [] and len(engine.held) == 1
    assert engine.ingest(make_mention("next", ts_ms=T0 + 10 * SECOND), NEUTRAL)[0] is Outcome.ACCEPTED
    assert time.perf_counter() - started < 1.0


@fuzz(30)
@given(st.integers(min_value=2 * DAY, max_value=3 * YEAR), st.integers(min_value=3, max_value=6))
def test_a_confirmed_long_jump_judges_a_bounded_gap(jump: int, entities: int) -> None:
    """A partition silent for days (or a later file replayed): the clock moves, windows stay bounded."""
    engine = Engine(QUICK)
    events = [Event(make_mention(f"b{i}", entity=f"e{i}", ts_ms=T0 + i * SECOND), NEUTRAL) for i in range(entities)]
    events += [
        Event(make_mention(f"c{i}", entity="e0", ts_ms=T0 + jump + i * SECOND), ANGRY)
        for i in range(QUICK.jump_confirmations + 2)
    ]
    started = time.perf_counter()
    run = feed(engine, events)
    assert time.perf_counter() - started < 10.0
    assert engine.clock_ms is not None and engine.clock_ms >= T0 + jump  # the jump was confirmed
    assert all(o is Outcome.ACCEPTED for o in run.final_outcomes(events))
    gap = QUICK.max_gap_ms // QUICK.window_ms
    assert len(run.closed) <= entities * (gap + 2)
    run.finish()
    check_counts(events, run)


@fuzz(40)
@given(
    st.integers(min_value=-25 * SECOND, max_value=25 * SECOND),
    st.integers(min_value=2 * MINUTE, max_value=50 * MINUTE),
    st.integers(min_value=2 * HOUR, max_value=14 * HOUR),
    st.integers(min_value=0, max_value=2**16),
)
def test_clock_skew_between_sources(small_skew: int, big_skew: int, zone_bug: int, seed: int) -> None:
    """Two sources in one partition: a skew within the lateness loses nothing; a larger one makes the
    lagging source late (counted, not merged); a time-zone-sized skew ahead is not allowed to move the clock."""
    import random

    rng = random.Random(seed)

    def two_sources(skew: int) -> list[Event]:
        out = []
        for i in range(300):
            true_ms = T0 + i * 2 * SECOND
            jitter = rng.randint(0, 3 * SECOND)
            out.append(Event(make_mention(f"a{i}", entity="acme", ts_ms=true_ms + jitter), NEUTRAL))
            out.append(Event(make_mention(f"b{i}", entity="acme", ts_ms=true_ms + skew), NEUTRAL))
        return out

    within = two_sources(small_skew)
    run = feed(Engine(QUICK), within)
    # |skew| + jitter may exceed the lateness by at most the 3 s of jitter at the very edge.
    if abs(small_skew) + 3 * SECOND <= SETTINGS.lateness_ms:
        assert Outcome.LATE not in run.outcomes
    check_counts(within, run)

    beyond = two_sources(big_skew)  # source b runs minutes ahead: a's mentions fall behind the watermark
    run = feed(Engine(QUICK), beyond)
    late = {e.mention.id[0] for e, o in zip(beyond, run.outcomes, strict=True) if o is Outcome.LATE}
    assert late == {"a"}
    check_counts(beyond, run)

    ahead = two_sources(zone_bug)  # source b stamps local time as UTC: hours ahead, interleaved
    run = feed(Engine(QUICK), ahead)
    assert Outcome.LATE not in run.outcomes, "a skewed source dragged the clock and made the other late"
    run.finish()
    check_counts(ahead, run)


@fuzz(30)
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=61, max_value=2_000))
def test_an_entity_flood_is_capped_and_counted(cap: int, flood: int) -> None:
    settings_ = EngineSettings(max_entities=cap)
    engine = Engine(settings_)
    events = [Event(make_mention(f"m{i}", entity=f"bot{i}", ts_ms=T0 + i * 10), NEUTRAL) for i in range(flood)]
    run = feed(engine, events)
    assert len(engine.entities) == cap
    assert run.outcomes.count(Outcome.ENTITY_CAP) == flood - cap
    # Known entities keep counting while the flood goes on.
    assert engine.ingest(make_mention("ok", entity="bot0", ts_ms=T0 + flood * 10), NEUTRAL)[0] is Outcome.ACCEPTED


# ---------------------------------------------------------------------------------------------
# the pipeline: raw bytes in, every record processed or dead-lettered with a reason

REASONS = {"empty", "too_large", "not_json", "invalid_utf8", "not_object", "missing_field", "bad_type", "bad_timestamp"}


@st.composite
def raw_records(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 9))
    entity = f"brand{draw(st.integers(0, 5))}"
    ts = T0 + draw(st.integers(0, 2 * HOUR)) + draw(st.sampled_from([0, 0, -DAY, 3 * HOUR, 30 * YEAR]))
    obj: dict[str, Any] = {
        "id": f"x:{draw(st.integers(0, 300))}",
        "entity": entity,
        "ts": min(ts, MAX_TS_MS - 1),
        "text": draw(
            st.one_of(
                st.sampled_from(["Terrible service, never again", "Love it", "Vol annulé, c'est nul", ""]),
                st.text(max_size=80),
                st.builds(  # enormous texts, at and just over the 10,000-character limit
                    lambda unit, n: (unit * n)[:n],
                    st.sampled_from(["awful delay ", "\U0001f621 #fail @acme ", "Vol annulé, nul ", "a"]),
                    st.integers(min_value=9_990, max_value=10_010),
                ),
            )
        ),
        "author": {"id": f"u{draw(st.integers(0, 50))}", "followers": draw(st.integers(0, 10**9))},
    }
    if draw(st.booleans()):
        obj["lang"] = draw(st.sampled_from(["en", "fr", "de", "und"]))
    raw = orjson.dumps(obj)
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return raw[: draw(st.integers(0, len(raw)))]  # truncated
    if kind == 2:
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + b"\xff\xfe" + raw[at:]
    if kind == 3:
        return orjson.dumps({**obj, "ts": draw(st.sampled_from([1.5, "yesterday", True, None, -1, 10**17]))})
    return raw


@fuzz(40)
@given(st.lists(raw_records(), min_size=1, max_size=60), st.integers(min_value=2, max_value=8))
def test_pipeline_accounts_for_every_record(raws: list[bytes], cap: int) -> None:
    processor = MentionProcessor(SCORER)
    engine = Engine(EngineSettings(max_entities=cap))
    tally = Tally()
    for raw in raws:
        processed = processor.process(engine, raw)
        tally.add(processed)
        for decided in (processed, *processed.released):
            if decided.outcome == DEAD_LETTER:
                assert isinstance(decided.error, DecodeError)
                assert decided.error.reason in REASONS | {"entity_cap", "future_timestamp"}
            else:
                assert decided.error is None and decided.mention is not None and decided.sentiment is not None
        for name in engine.take_dirty():  # the worker's per-batch write must never fail to serialise
            orjson.dumps(engine.entities[name].to_dict())
        orjson.dumps(engine.clock_state())
    engine.finish()
    for decided in processor.released(engine):
        tally.release(decided)
    assert tally.consumed == len(raws)
    assert set(tally.outcomes) <= {"accepted", "duplicate", "late", DEAD_LETTER}
    assert sum(tally.outcomes.values()) == tally.consumed
    assert sum(tally.dead_letter_reasons.values()) == tally.outcomes[DEAD_LETTER]
    assert len(engine.entities) <= cap


SCORER = SentimentScorer()


@pytest.fixture(autouse=True, scope="module")
def _warm_scorer() -> None:
    SCORER.score("warm up the language model", None)  # loading it is not what the deadline measures


def test_the_bounds_come_from_the_configuration() -> None:
    from firestorm.streams.config import ConfigError, load_config

    settings_ = load_config({"FIRESTORM_MAX_ENTITIES": "5", "FIRESTORM_MAX_CLOCK_JUMP": "10m"}).engine_settings()
    assert (settings_.max_entities, settings_.max_clock_jump_ms) == (5, 10 * MINUTE)
    for bad in ({"FIRESTORM_MAX_ENTITIES": "0"}, {"FIRESTORM_MAX_CLOCK_JUMP": "soon"}):
        with pytest.raises(ConfigError, match=next(iter(bad))):
            load_config(bad)
