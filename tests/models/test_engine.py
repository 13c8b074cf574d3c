from __future__ import annotations

import dataclasses
import random
from collections import Counter

import orjson
import pytest

from firestorm.models.alerts import Alert
from firestorm.models.detectors.seasonal_state import SeasonalState
from firestorm.models.engine import ClosedWindow, Engine, EngineSettings, EntityState, Outcome
from firestorm.models.records import Mention
from firestorm.models.sentiment import Sentiment
from tests.models.builders import MINUTE, SECOND, T0, make_mention, sentiment

Scored = tuple[Mention, Sentiment]


def at(ms: int, entity: str = "acme", id: str | None = None, compound: float | None = 0.0) -> Scored:
    return make_mention(id or f"{entity}-{ms}", entity=entity, ts_ms=ms), sentiment(compound)


def run(engine: Engine, items: list[Scored]) -> tuple[list[Outcome], list[ClosedWindow]]:
    outcomes: list[Outcome] = []
    closed: list[ClosedWindow] = []
    for mention, sent in items:
        outcome, windows = engine.ingest(mention, sent)
        outcomes.append(outcome)
        closed.extend(windows)
    return outcomes, closed


def counts(closed: list[ClosedWindow], entity: str = "acme") -> list[tuple[int, int]]:
    """(minute index from T0, count) of the closed windows of one entity."""
    return [((c.window.start_ms - T0) // MINUTE, c.window.count) for c in closed if c.window.entity == entity]


def alerts_of(closed: list[ClosedWindow]) -> list[Alert]:
    return [c.alert for c in closed if c.alert is not None]


def arrival_order(scored: list[Scored], seed: int = 3) -> list[Scored]:
    """Realistic arrival: jitter within the allowed lateness, some duplicates, some very late mentions."""
    rng = random.Random(seed)
    keyed = [(m.ts_ms + rng.randrange(20 * SECOND), i, (m, s)) for i, (m, s) in enumerate(scored)]
    keyed.sort()
    out: list[Scored] = []
    for n, (_key, _i, (m, s)) in enumerate(keyed):
        out.append((m, s))
        if n % 40 == 7:
            out.append((m, s))  # redelivered
        if n % 50 == 11:
            out.append((dataclasses.replace(m, id=m.id + "-late", ts_ms=m.ts_ms - 3 * MINUTE), s))
    return out


class TestWatermark:
    def test_windows_close_only_when_the_watermark_passes_their_end(self) -> None:
        engine = Engine(EngineSettings())  # 1 minute windows, 30 s lateness
        outcomes, closed = run(engine, [at(T0 + 10 * SECOND), at(T0 + 50 * SECOND), at(T0 + 59 * SECOND)])
        assert outcomes == [Outcome.ACCEPTED] * 3
        assert closed == []
        # next window, but the watermark (clock - 30 s) is still inside the first window
        assert run(engine, [at(T0 + 89 * SECOND)])[1] == []
        assert engine.watermark_ms == T0 + 59 * SECOND
        # the watermark reaches the end of the first window exactly
        _, closed = run(engine, [at(T0 + 90 * SECOND)])
        assert counts(closed) == [(0, 3)]
        assert closed[0].window.end_ms == T0 + MINUTE

    def test_ingest_of_in_window_events_never_closes(self) -> None:
        engine = Engine(EngineSettings())
        _, closed = run(engine, [at(T0 + s * SECOND) for s in range(0, 60, 2)])
        assert closed == []

    def test_zero_count_windows_for_gaps_and_quiet_entities(self) -> None:
        engine = Engine(EngineSettings())
        run(engine, [at(T0 + 5 * SECOND), at(T0 + 6 * SECOND, "quietco")])
        _, closed = run(engine, [at(T0 + 5 * MINUTE + 40 * SECOND)])  # watermark 5:10 -> closes minutes 0..4
        assert counts(closed, "acme") == [(0, 1), (1, 0), (2, 0), (3, 0), (4, 0)]
        assert counts(closed, "quietco") == [(0, 1), (1, 0), (2, 0), (3, 0), (4, 0)]
        # closed windows come out in time order, entities alphabetically within a window end
        assert [(c.window.end_ms, c.window.entity) for c in closed] == sorted(
            (c.window.end_ms, c.window.entity) for c in closed
        )

    def test_new_entity_starts_at_its_first_window(self) -> None:
        # every_window: acme's quiet windows closed one by one (by default acme, which cannot
        # fire, goes dormant after its first window and its quiet ones are learned at once).
        engine = Engine(EngineSettings(every_window=True))
        _, closed = run(engine, [at(T0), at(T0 + 3 * MINUTE + 5 * SECOND, "newco"), at(T0 + 5 * MINUTE)])
        assert counts(closed, "newco") == [(3, 1)]
        assert counts(closed, "acme") == [(0, 1), (1, 0), (2, 0), (3, 0)]
        lazy = Engine(EngineSettings())
        _, closed = run(lazy, [at(T0), at(T0 + 3 * MINUTE + 5 * SECOND, "newco"), at(T0 + 5 * MINUTE)])
        assert counts(closed, "newco") == [(3, 1)]
        assert counts(closed, "acme")[0] == (0, 1)

    def test_out_of_order_within_lateness_is_counted(self) -> None:
        engine = Engine(EngineSettings())
        run(engine, [at(T0 + 5 * SECOND)])
        outcomes, closed = run(engine, [at(T0 + 70 * SECOND), at(T0 + 45 * SECOND)])  # 25 s behind the clock
        assert outcomes == [Outcome.ACCEPTED, Outcome.ACCEPTED]
        assert counts(closed + engine.finish()) == [(0, 2), (1, 1)]

    def test_out_of_order_first_mentions_of_an_entity_are_counted(self) -> None:
        # The window [0:00, 1:00) is still open (watermark 0:40), so a mention in it is not late,
        # even when the entity's first mention arrived in the next window.
        engine = Engine(EngineSettings())
        outcomes, closed = run(engine, [at(T0 + 70 * SECOND), at(T0 + 45 * SECOND)])
        assert outcomes == [Outcome.ACCEPTED, Outcome.ACCEPTED]
        assert counts(closed + engine.finish()) == [(0, 1), (1, 1)]

    def test_out_of_order_first_mentions_of_a_new_entity_are_counted(self) -> None:
        engine = Engine(EngineSettings())
        run(engine, [at(T0 + 5 * SECOND), at(T0 + 3 * MINUTE + 5 * SECOND)])  # watermark 2:35
        outcomes, _ = run(engine, [at(T0 + 3 * MINUTE, "newco"), at(T0 + 2 * MINUTE + 50 * SECOND, "newco")])
        assert outcomes == [Outcome.ACCEPTED, Outcome.ACCEPTED]
        assert sum(c.window.count for c in engine.finish() if c.window.entity == "newco") == 2

    def test_late_events_are_not_counted(self) -> None:
        engine = Engine(EngineSettings())
        run(engine, [at(T0 + 10 * SECOND), at(T0 + 100 * SECOND)])  # closes minute 0
        outcomes, _ = run(engine, [at(T0 + 20 * SECOND, id="late-1"), at(T0 + 59 * SECOND, "newco", id="late-2")])
        assert outcomes == [Outcome.LATE, Outcome.LATE]
        closed = engine.finish()
        assert counts(closed) == [(1, 1)]
        assert counts(closed, "newco") == []
        assert "newco" not in engine.entities

    def test_duplicates_are_counted_once(self) -> None:
        engine = Engine(EngineSettings())
        first = at(T0 + 10 * SECOND, id="dup")
        again = (dataclasses.replace(first[0], text="edited"), first[1])
        elsewhere = (dataclasses.replace(first[0], ts_ms=T0 + 40 * SECOND), first[1])
        outcomes, _ = run(engine, [first, again, at(T0 + 20 * SECOND), elsewhere])
        assert outcomes == [Outcome.ACCEPTED, Outcome.DUPLICATE, Outcome.ACCEPTED, Outcome.DUPLICATE]
        assert counts(engine.finish()) == [(0, 2)]

    def test_same_id_for_another_entity_is_not_a_duplicate(self) -> None:
        engine = Engine(EngineSettings())
        outcomes, _ = run(engine, [at(T0, id="x:1"), at(T0, "other", id="x:1")])
        assert outcomes == [Outcome.ACCEPTED, Outcome.ACCEPTED]

    def test_finish_closes_the_tail(self) -> None:
        engine = Engine(EngineSettings())
        _, closed = run(engine, [at(T0 + 5 * SECOND), at(T0 + 2 * MINUTE + 10 * SECOND)])
        assert counts(closed) == [(0, 1)]  # watermark 1:40
        tail = engine.finish()
        assert counts(tail) == [(1, 0), (2, 1)]  # through the window holding the clock
        assert engine.finish() == []
        assert Engine(EngineSettings()).finish() == []

    def test_take_dirty(self) -> None:
        engine = Engine(EngineSettings())
        run(engine, [at(T0), at(T0, "b")])
        assert engine.take_dirty() == {"acme", "b"}
        assert engine.take_dirty() == set()
        run(engine, [at(T0 + 2 * MINUTE, "b")])  # closes minute 0 for both, counts into b
        assert engine.take_dirty() == {"acme", "b"}

    def test_five_minute_windows(self) -> None:
        engine = Engine(EngineSettings(window_ms=5 * MINUTE))
        _, closed = run(engine, [at(T0 + m * MINUTE) for m in range(12)])
        assert counts(closed + engine.finish()) == [(0, 5), (5, 5), (10, 2)]


class TestSettings:
    @pytest.mark.parametrize(("window", "lateness"), [(0, 0), (-1, 0), (MINUTE, -1)])
    def test_invalid(self, window: int, lateness: int) -> None:
        with pytest.raises(ValueError):
            EngineSettings(window_ms=window, lateness_ms=lateness)

    def test_durations_become_windows(self) -> None:
        one = EngineSettings()
        assert one.detector_settings().half_life_windows == 120
        assert one.detector_settings().warmup_windows == 60
        assert one.lifecycle_settings().resolve_after_windows == 10
        assert one.lifecycle_settings().cooldown_windows == 15
        five = EngineSettings(window_ms=5 * MINUTE, min_volume=4)
        assert five.detector_settings().warmup_windows == 12
        assert five.detector_settings().min_volume == 4
        assert five.lifecycle_settings().resolve_after_windows == 2


class TestStorm:
    def test_spike_alerts_only_the_storm_entity(self, storm_mentions: list[Scored]) -> None:
        engine = Engine(EngineSettings())
        _, closed = run(engine, storm_mentions)
        alerts = alerts_of(closed + engine.finish())
        assert [a.status for a in alerts] == ["triggered", "updated", "resolved"]
        assert {a.entity for a in alerts} == {"acme"}
        assert len({a.incident_id for a in alerts}) == 1
        triggered = alerts[0]
        assert triggered.window_start_ms == T0 + 90 * MINUTE  # first storm minute
        assert triggered.detected_at_ms == T0 + 91 * MINUTE + 30 * SECOND  # window end + lateness
        assert triggered.severity == "critical"
        assert triggered.volume == 15 and triggered.baseline < 2.0 and triggered.score > 6.0
        assert triggered.negative_share > 0.9 and triggered.mean_compound < -0.5
        assert triggered.drivers.top_hashtags[0] == ("#acmefail", 15)
        assert triggered.drivers.reposts == 3 and triggered.drivers.scored == 15
        assert len(triggered.drivers.samples) == 5
        assert triggered.drill is False
        assert alerts[1].volume == 40

    def test_quiet_windows_are_emitted_for_every_minute(self, storm_mentions: list[Scored]) -> None:
        engine = Engine(EngineSettings())
        _, closed = run(engine, storm_mentions)
        closed += engine.finish()
        per_entity = Counter(c.window.entity for c in closed)
        last_minute = max(m.ts_ms for m, _s in storm_mentions) // MINUTE
        for entity in ("acme", "quietco"):
            first_minute = min(m.ts_ms for m, _s in storm_mentions if m.entity == entity) // MINUTE
            assert per_entity[entity] == last_minute - first_minute + 1
        assert Counter(c.window.count == 0 for c in closed)[True] > 20  # quiet minutes are data too
        for entity in ("acme", "quietco"):
            starts = [c.window.start_ms for c in closed if c.window.entity == entity]
            assert starts == list(range(starts[0], starts[-1] + MINUTE, MINUTE))  # no gaps
        assert sum(c.window.count for c in closed) == len(storm_mentions)

    def test_drill_flag(self, storm_mentions: list[Scored]) -> None:
        engine = Engine(EngineSettings(drill=True))
        _, closed = run(engine, storm_mentions)
        alerts = alerts_of(closed + engine.finish())
        assert alerts and all(a.drill for a in alerts)

    def test_deterministic(self, storm_mentions: list[Scored]) -> None:
        stream = arrival_order(storm_mentions)
        results = []
        for _ in range(2):
            engine = Engine(EngineSettings())
            outcomes, closed = run(engine, stream)
            closed += engine.finish()
            results.append((outcomes, [c.window for c in closed], [a.to_json() for a in alerts_of(closed)]))
        assert results[0] == results[1]
        assert results[0][2]

    def test_arrival_disorder_is_absorbed(self, storm_mentions: list[Scored]) -> None:
        stream = arrival_order(storm_mentions)
        engine = Engine(EngineSettings())
        outcomes, closed = run(engine, stream)
        closed += engine.finish()
        tally = Counter(outcomes)
        assert tally[Outcome.ACCEPTED] == len(storm_mentions)
        assert tally[Outcome.DUPLICATE] > 0 and tally[Outcome.LATE] > 0
        assert sum(tally.values()) == len(stream)
        assert [a.status for a in alerts_of(closed)] == ["triggered", "updated", "resolved"]


def authored_storm(storm_authors: int) -> list[Scored]:
    """90 calm minutes (2 posts a minute, each by its own account), then 5 minutes of 40 different
    negative posts a minute by `storm_authors` accounts, then a calm tail."""
    items: list[Scored] = []
    for minute in range(120):
        storm = 90 <= minute < 95
        for k in range(40 if storm else 2):
            author = f"angry{k % storm_authors}" if storm else f"fan{minute}-{k}"
            text = f"acme cancelled my flight, awful {minute} {k}" if storm else f"acme trip {minute} {k}"
            mention = make_mention(
                f"m{minute}-{k}", ts_ms=T0 + minute * MINUTE + k * SECOND, text=text, author=(author, 50)
            )
            items.append((mention, sentiment(-0.7 if storm else 0.3)))
    return items


class TestAuthors:
    def test_a_storm_by_many_accounts_pages_critical(self) -> None:
        engine = Engine(EngineSettings())
        alerts = alerts_of(run(engine, authored_storm(storm_authors=40))[1] + engine.finish())
        triggered = alerts[0]
        assert triggered.severity == "critical" and triggered.drivers.unique_authors == 40
        assert triggered.drivers.detector["few_authors"] is False
        assert triggered.drivers.detector["new_authors"] > 35 and triggered.drivers.detector["author_ratio"] > 15

    def test_the_same_posts_by_three_accounts_do_not_page(self) -> None:
        engine = Engine(EngineSettings())
        alerts = alerts_of(run(engine, authored_storm(storm_authors=3))[1] + engine.finish())
        assert alerts and {a.severity for a in alerts} == {"info"}  # seen and explained, not paged
        triggered = alerts[0]
        assert triggered.drivers.unique_authors == 3 and triggered.drivers.detector["few_authors"] is True
        assert triggered.drivers.detector["expected_authors"] == pytest.approx(2.0, abs=0.5)


def restore(engine: Engine) -> Engine:
    """A new engine from what a changelog would hold: each entity's JSON and the clock."""
    entities = {
        name: EntityState.from_dict(orjson.loads(orjson.dumps(state.to_dict())))
        for name, state in engine.entities.items()
    }
    clock = orjson.loads(orjson.dumps(engine.clock_state()))
    return Engine(engine.settings, entities=entities, **clock)


class TestRestore:
    def test_entity_state_round_trip(self, storm_mentions: list[Scored]) -> None:
        engine = Engine(EngineSettings())
        run(engine, storm_mentions[: len(storm_mentions) // 2 + 7])
        for name, state in engine.entities.items():
            data = orjson.loads(orjson.dumps(state.to_dict()))
            restored = EntityState.from_dict(data)
            assert restored == state, name
            assert restored.to_dict() == data
        assert any(state.open for state in engine.entities.values())

    def test_round_trip_with_an_open_incident(self, storm_mentions: list[Scored]) -> None:
        engine = Engine(EngineSettings())
        stop = next(i for i, (m, _s) in enumerate(storm_mentions) if m.ts_ms >= T0 + 93 * MINUTE)
        run(engine, storm_mentions[:stop])
        assert engine.entities["acme"].incident.open
        state = engine.entities["acme"]
        assert EntityState.from_dict(orjson.loads(orjson.dumps(state.to_dict()))) == state

    @pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.62, 0.66, 0.7, 0.9, 1.0])
    def test_restored_engine_gives_the_same_alerts(self, storm_mentions: list[Scored], fraction: float) -> None:
        stream = arrival_order(storm_mentions)
        reference = Engine(EngineSettings())
        ref_outcomes, ref_closed = run(reference, stream)
        ref_closed += reference.finish()

        split = int(len(stream) * fraction)
        first = Engine(EngineSettings())
        outcomes, closed = run(first, stream[:split])
        second = restore(first)
        more_outcomes, more_closed = run(second, stream[split:])
        closed += more_closed + second.finish()

        assert outcomes + more_outcomes == ref_outcomes
        assert [c.window for c in closed] == [c.window for c in ref_closed]
        assert alerts_of(closed) == alerts_of(ref_closed)
        assert [a.status for a in alerts_of(closed)] == ["triggered", "updated", "resolved"]

    def test_restore_at_every_storm_window(self, storm_mentions: list[Scored]) -> None:
        """Restart often (every 7th mention) through the storm and its resolution: same alerts."""
        reference = Engine(EngineSettings())
        _, ref_closed = run(reference, storm_mentions)
        expected = alerts_of(ref_closed + reference.finish())
        engine = Engine(EngineSettings())
        got: list[ClosedWindow] = []
        for n, item in enumerate(storm_mentions):
            if item[0].ts_ms >= T0 + 88 * MINUTE and n % 7 == 0:
                engine = restore(engine)
            got.extend(run(engine, [item])[1])
        got += engine.finish()
        assert alerts_of(got) == expected

    def test_restore_from_a_changelog_without_the_incidents_start(self, storm_mentions: list[Scored]) -> None:
        """A changelog written before the incident state had `start_ms` (an open incident's start
        was read from its id): the restored engine's alerts are the same, `incident_start` included."""
        stream = arrival_order(storm_mentions)
        reference = Engine(EngineSettings())
        _, ref_closed = run(reference, stream)
        expected = alerts_of(ref_closed + reference.finish())
        split = next(i for i, (m, _s) in enumerate(stream) if m.ts_ms >= T0 + 93 * MINUTE)
        first = Engine(EngineSettings())
        _, closed = run(first, stream[:split])
        assert first.entities["acme"].incident.open
        entities = {}
        for name, state in first.entities.items():
            data = orjson.loads(orjson.dumps(state.to_dict()))
            data["incident"].pop("start_ms", None)
            entities[name] = EntityState.from_dict(data)
        second = Engine(first.settings, entities=entities, **orjson.loads(orjson.dumps(first.clock_state())))
        closed += run(second, stream[split:])[1] + second.finish()
        got = alerts_of(closed)
        assert got == expected
        assert {a.incident_start_ms for a in got} == {expected[0].window_start_ms}

    def test_restore_from_a_version_1_changelog(self, storm_mentions: list[Scored]) -> None:
        """A changelog written before the typed seasonal state (version 1: a plain dict, profiles as
        JSON lists) restores, is migrated on its next window, and keeps the learned baseline."""
        stream = arrival_order(storm_mentions)
        split = len(stream) // 2
        first = Engine(EngineSettings())
        run(first, stream[:split])
        entities = {}
        for name, state in first.entities.items():
            data = orjson.loads(orjson.dumps(state.to_dict()))
            detector = state.detector
            data["detector"] = {  # version 1's fields
                "n": detector.n,
                "level": detector.level,
                "daily": list(detector.daily),
                "daily_n": list(detector.daily_n),
                "weekly": list(detector.weekly),
                "weekly_n": list(detector.weekly_n),
                "dispersion": detector.dispersion,
                "negative_share": 0.2,
                "negative_n": 40,
                "terms": detector.terms,
                "reach": detector.reach,
                "authors": detector.authors,
                "spans": detector.spans,
            }
            entities[name] = EntityState.from_dict(orjson.loads(orjson.dumps(data)))
            assert type(entities[name].detector) is dict
        second = Engine(EngineSettings(), entities=entities, **orjson.loads(orjson.dumps(first.clock_state())))
        run(second, stream[split:])
        second.finish()
        for name, state in second.entities.items():
            assert type(state.detector) is SeasonalState
            assert state.detector.n > first.entities[name].detector.n
            assert state.to_dict()["detector"]["version"] == 2
            restored = EntityState.from_dict(orjson.loads(orjson.dumps(state.to_dict())))
            assert restored.detector == state.detector

    @pytest.mark.parametrize("batch", [1, 25, 100])
    def test_restore_from_a_changelog_of_dirty_entities(self, storm_mentions: list[Scored], batch: int) -> None:
        """What the worker does: persist only `take_dirty()` entities and the clock after each batch,
        and rebuild the engine from that table after a restart."""
        stream = arrival_order(storm_mentions, seed=11)
        reference = Engine(EngineSettings())
        _, ref_closed = run(reference, stream)
        expected = alerts_of(ref_closed + reference.finish())

        table: dict[str, bytes] = {}
        clock = b"{}"
        engine = Engine(EngineSettings())
        got: list[ClosedWindow] = []
        for n in range(0, len(stream), batch):
            got.extend(run(engine, stream[n : n + batch])[1])
            for name in engine.take_dirty():
                table[name] = orjson.dumps(engine.entities[name].to_dict())
            clock = orjson.dumps(engine.clock_state())
            if (n // batch) % 3 == 2:  # restart every third batch
                entities = {name: EntityState.from_dict(orjson.loads(v)) for name, v in table.items()}
                engine = Engine(EngineSettings(), entities=entities, **orjson.loads(clock))
        got += engine.finish()
        assert alerts_of(got) == expected
