"""The clock's jump bound (issue 14, item 1) and the idle advance the worker drives (item 4).

A mention far ahead of the clock is held out of every window until mentions that agree with it
confirm a jump; one that nothing confirms is dead-lettered as future_timestamp and never moves
time. `Engine.advance_to` moves the clock with no mention (the worker's idle partitions).
"""

from __future__ import annotations

from typing import Any

import orjson

from firestorm.models.engine import Engine, EngineSettings, EntityState, Outcome
from firestorm.models.pipeline import DEAD_LETTER, MentionProcessor, Processed, Tally
from firestorm.models.records import mention_from_obj, mention_to_obj
from firestorm.models.sentiment import Sentiment
from firestorm.models.timeutil import iso_utc
from tests.models.builders import MINUTE, SECOND, STORM_TEXTS, T0, make_mention

HOUR = 60 * MINUTE
YEAR = 365 * 24 * HOUR
NEUTRAL = Sentiment(lang="en", compound=0.0)


def line(n: int, ts: int, text: str = "Checked in online with acme, quick and easy") -> bytes:
    return orjson.dumps({"id": f"m{n}", "entity": "acme", "ts": ts, "text": f"{text} {n}", "lang": "en"})


def issue_stream(storm: bool = False) -> tuple[list[bytes], int]:
    """600 normal mentions (10 a minute), 3 hours of silence, one mention dated 36 years ahead
    between two normal ones, then 600 more normal mentions; with `storm`, a storm two hours later.
    Returns the lines and the index of the far-future one."""
    lines = [line(i, T0 + i * 6 * SECOND) for i in range(600)]
    after = T0 + 600 * 6 * SECOND + 3 * HOUR
    lines += [line(600, after), line(601, after + 36 * YEAR), line(602, after + SECOND)]
    lines += [line(603 + i, after + 2 * SECOND + i * 6 * SECOND) for i in range(600)]
    if storm:
        start = after + 2 * SECOND + 600 * 6 * SECOND + 2 * HOUR
        n = len(lines)
        for minute in range(5):
            for k in range(60):
                text = STORM_TEXTS[k % len(STORM_TEXTS)].format(e="acme")
                lines.append(line(n, start + minute * MINUTE + k * SECOND, text))
                n += 1
    return lines, 601


def run(lines: list[bytes], settings: EngineSettings | None = None) -> tuple[Engine, Tally, list[Processed]]:
    engine = Engine(settings or EngineSettings())
    processor = MentionProcessor()
    tally = Tally()
    done: list[Processed] = []
    for number, raw in enumerate(lines):
        processed = processor.process(engine, raw, ref=number)
        tally.add(processed)
        done += [processed, *processed.released]
    closed = engine.finish()
    for decided in processor.released(engine):
        tally.release(decided)
        done.append(decided)
    done.append(Processed("finish", closed=tuple(closed)))
    return engine, tally, done


def test_one_mistyped_timestamp_after_a_silence_moves_no_time() -> None:
    lines, typo = issue_stream()
    engine, tally, done = run(lines)
    assert tally.consumed == 1203
    assert tally.outcomes["late"] == 0  # was 601 of 1,203: the clock went to 2062
    assert tally.outcomes == {"accepted": 1202, DEAD_LETTER: 1}
    assert tally.dead_letter_reasons == {"future_timestamp": 1}
    [dead] = [p for p in done if p.outcome == DEAD_LETTER]
    assert dead.ref == typo and dead.mention is not None and dead.mention.id == f"m{typo}"
    assert engine.clock_ms is not None and engine.clock_ms < T0 + 10 * HOUR
    # The typo was never counted in a window, open or closed.
    windows = [c.window for p in done for c in p.closed]
    assert sum(w.count for w in windows) == 1202
    assert max(w.end_ms for w in windows) < T0 + 10 * HOUR


def test_a_storm_two_hours_after_the_typo_is_seen() -> None:
    lines, _typo = issue_stream(storm=True)
    _engine, tally, done = run(lines)
    assert tally.outcomes["late"] == 0
    triggered = [c.alert for p in done for c in p.closed if c.alert is not None and c.alert.status == "triggered"]
    assert triggered, "the storm after the typo raised no alert"
    assert triggered[0].entity == "acme" and iso_utc(triggered[0].window_start_ms) > "2026-03-02T06"


def test_confirmers_must_agree_with_each_other() -> None:
    """Three mentions in a row beyond the bound, but years apart: no jump; the clock never follows."""
    engine = Engine(EngineSettings())
    assert engine.ingest(make_mention("a", ts_ms=T0), NEUTRAL)[0] is Outcome.ACCEPTED
    for i, ahead in enumerate((3 * HOUR, 2 * YEAR, 30 * YEAR)):
        assert engine.ingest(make_mention(f"far{i}", ts_ms=T0 + ahead), NEUTRAL)[0] is Outcome.HELD
    assert engine.clock_ms == T0 and len(engine.held) == 3
    # Two more that agree with the first far one confirm it: the clock goes to them, not to 2056.
    engine.ingest(make_mention("b", ts_ms=T0 + 3 * HOUR + MINUTE), NEUTRAL)
    engine.ingest(make_mention("c", ts_ms=T0 + 3 * HOUR + 2 * MINUTE), NEUTRAL)
    assert engine.clock_ms == T0 + 3 * HOUR + 2 * MINUTE
    released = {r.mention.id: r.outcome for r in engine.take_released()}
    assert released == {"far0": Outcome.ACCEPTED, "b": Outcome.ACCEPTED, "c": Outcome.ACCEPTED}
    assert [h.mention.id for h in engine.held] == ["far1", "far2"]


def test_a_held_mention_is_dead_lettered_after_a_bounded_wait() -> None:
    settings = EngineSettings(jump_wait=5)
    engine = Engine(settings)
    engine.ingest(make_mention("a", ts_ms=T0), NEUTRAL)
    assert engine.ingest(make_mention("typo", ts_ms=T0 + 30 * YEAR), NEUTRAL)[0] is Outcome.HELD
    for i in range(settings.jump_wait):
        engine.ingest(make_mention(f"n{i}", ts_ms=T0 + i * SECOND), NEUTRAL)
        if i < settings.jump_wait - 1:
            assert engine.take_released() == []
    [released] = engine.take_released()
    assert (released.mention.id, released.outcome) == ("typo", Outcome.FUTURE_TIMESTAMP)
    assert engine.held == [] and engine.clock_ms == T0 + (settings.jump_wait - 1) * SECOND


def test_a_source_hours_ahead_interleaved_never_moves_the_clock() -> None:
    """Held mentions confirm only in a row: a skewed source between accurate ones does not jump."""
    engine = Engine(EngineSettings())
    outcomes = []
    for i in range(50):
        outcomes.append(engine.ingest(make_mention(f"a{i}", ts_ms=T0 + i * SECOND), NEUTRAL)[0])
        outcomes.append(engine.ingest(make_mention(f"b{i}", ts_ms=T0 + 2 * HOUR + i * SECOND), NEUTRAL)[0])
    assert Outcome.LATE not in outcomes and engine.clock_ms == T0 + 49 * SECOND
    assert {r.outcome for r in engine.take_released()} == {Outcome.FUTURE_TIMESTAMP}


def test_held_mentions_survive_a_restart_and_old_states_are_readable() -> None:
    engine = Engine(EngineSettings())
    engine.ingest(make_mention("a", ts_ms=T0), NEUTRAL)
    engine.ingest(make_mention("h1", ts_ms=T0 + 3 * HOUR, text="far one"), Sentiment("fr", -0.5), ref={"offset": 7})
    engine.ingest(make_mention("h2", ts_ms=T0 + 3 * HOUR + SECOND), NEUTRAL, ref={"offset": 8})
    clock = orjson.loads(orjson.dumps(engine.clock_state()))
    assert [h["ref"] for h in clock["held"]] == [{"offset": 7}, {"offset": 8}]
    entities = {n: EntityState.from_dict(orjson.loads(orjson.dumps(s.to_dict()))) for n, s in engine.entities.items()}
    resumed = Engine(EngineSettings(), entities=entities, **clock)
    assert [(h.mention, h.sentiment, h.ref) for h in resumed.held] == [
        (h.mention, h.sentiment, h.ref) for h in engine.held
    ]
    # The third confirms the jump on both, the same way.
    third = make_mention("h3", ts_ms=T0 + 3 * HOUR + 2 * SECOND)
    assert engine.ingest(third, NEUTRAL) == resumed.ingest(third, NEUTRAL)
    assert engine.take_released() == resumed.take_released()
    assert engine.clock_state() == resumed.clock_state()
    assert engine.clock_ms == third.ts_ms and "held" not in engine.clock_state()
    # A state written before held mentions existed (pending_jump: ids already counted) still loads.
    old = {"clock_ms": T0, "closed_boundary_ms": T0, "pending_jump": {"newest_ms": T0 + 3 * HOUR, "ids": ["x"]}}
    restored = Engine(EngineSettings(), **old)
    assert restored.clock_ms == T0 and restored.held == []


def test_a_mention_round_trips_through_its_contract_object() -> None:
    mention = mention_from_obj(
        {
            "id": "x:1",
            "entity": "Acme",
            "ts": "2026-03-02T10:00:00Z",
            "text": "t",
            "lang": "fr-CA",
            "author": {"id": 42, "followers": 3},
            "url": "https://x.com/a/1",
            "campaign": {"k": [1, 2]},
        }
    )
    again = mention_from_obj(orjson.loads(orjson.dumps(mention_to_obj(mention))))
    assert again == mention and again.extra == mention.extra == {"campaign": {"k": [1, 2]}}


# ---------------------------------------------------------------------------------------------
# Engine.advance_to: the idle advance (the worker passes a time derived from the wall clock)


def storm_engine(settings: EngineSettings) -> tuple[Engine, list[Any]]:
    """An engine with a learnt baseline and an open incident, its last mention at the storm's end."""
    processor = MentionProcessor()
    engine = Engine(settings)
    alerts = []
    ts = T0
    for minute in range(90):
        for k in range(2):
            raw = line(minute * 10 + k, T0 + minute * MINUTE + k * 20 * SECOND)
            alerts += [c.alert for c in processor.process(engine, raw).closed if c.alert]
    n = 10_000
    for minute in range(90, 95):
        for k in range(60):
            ts = T0 + minute * MINUTE + k * SECOND
            raw = line(n, ts, STORM_TEXTS[k % len(STORM_TEXTS)].format(e="acme"))
            alerts += [c.alert for c in processor.process(engine, raw).closed if c.alert]
            n += 1
    return engine, alerts


def test_advance_to_closes_quiet_windows_and_resolves_a_storm_that_stopped_dead() -> None:
    settings = EngineSettings()
    engine, alerts = storm_engine(settings)
    assert [a.status for a in alerts][:1] == ["triggered"]
    last = engine.clock_ms
    assert last is not None
    # Nothing more arrives. Without an advance the incident stays open forever; with one it resolves
    # once resolve_after_ms of quiet windows have closed.
    closed = engine.advance_to(last + settings.resolve_after_ms + settings.lateness_ms + 2 * MINUTE)
    assert closed and all(c.window.count == 0 for c in closed[1:])
    statuses = [c.alert.status for c in closed if c.alert is not None]
    assert statuses[-1] == "resolved"
    assert not engine.entities["acme"].incident.open
    assert engine.watermark_ms == last + settings.resolve_after_ms + 2 * MINUTE


def test_advance_to_never_moves_back_and_needs_a_clock() -> None:
    assert Engine(EngineSettings()).advance_to(T0) == []
    engine = Engine(EngineSettings())
    engine.ingest(make_mention("a", ts_ms=T0 + 5 * MINUTE), NEUTRAL)
    assert engine.advance_to(T0) == [] and engine.clock_ms == T0 + 5 * MINUTE
    closed = engine.advance_to(T0 + 7 * MINUTE)
    assert [c.window.count for c in closed] == [1]  # the window of 00:05, closed at watermark 00:06:30
    assert engine.clock_ms == T0 + 7 * MINUTE and engine.take_dirty() == {"acme"}
    # A mention within the lateness of the advanced clock still counts; an older one is late.
    assert engine.ingest(make_mention("b", ts_ms=T0 + 6 * MINUTE + 40 * SECOND), NEUTRAL)[0] is Outcome.ACCEPTED
    assert engine.ingest(make_mention("c", ts_ms=T0 + 5 * MINUTE), NEUTRAL)[0] is Outcome.LATE


def test_advance_to_counts_held_mentions_it_reaches() -> None:
    engine = Engine(EngineSettings())
    engine.ingest(make_mention("a", ts_ms=T0), NEUTRAL)
    engine.ingest(make_mention("late-riser", ts_ms=T0 + 2 * HOUR), NEUTRAL)
    assert [h.mention.id for h in engine.held] == ["late-riser"]
    engine.advance_to(T0 + 90 * MINUTE)
    assert engine.held == []
    assert [(r.mention.id, r.outcome) for r in engine.take_released()] == [("late-riser", Outcome.ACCEPTED)]
