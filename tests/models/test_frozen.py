"""models/frozen.py: a dormant entity's detector state kept compressed, with the same values."""

from __future__ import annotations

import orjson
import pytest

from firestorm.models import frozen
from firestorm.models.detectors.poisson import PoissonSpikeDetector
from firestorm.models.detectors.seasonal import SeasonalDetector
from firestorm.models.detectors.seasonal_state import SeasonalState
from firestorm.models.engine import Engine, EngineSettings, EntityState
from firestorm.models.sentiment import Sentiment
from tests.models.builders import MINUTE, T0, make_mention

NEUTRAL = Sentiment(lang="en", compound=0.3)


def learned_state(detector: SeasonalDetector) -> SeasonalState:
    engine = Engine(EngineSettings())
    for minute in range(600):
        for k in range(minute % 4):
            engine.ingest(make_mention(f"m{minute}-{k}", "acme", T0 + minute * MINUTE + k, f"acme news {k}"), NEUTRAL)
    engine.finish()
    state = frozen.thaw(detector, engine.entities["acme"].detector)
    assert isinstance(state, SeasonalState)
    return state


def test_a_thawed_state_has_the_values_it_was_frozen_with() -> None:
    detector = SeasonalDetector()
    state = learned_state(detector)
    packed = frozen.freeze(detector, state)
    assert isinstance(packed, frozen.Frozen) and len(packed) < len(orjson.dumps(detector.dump(state))) / 2
    assert frozen.thaw(detector, packed) == state
    assert frozen.plain(packed) == orjson.loads(orjson.dumps(detector.dump(state)))
    assert frozen.freeze(detector, packed) is packed  # already frozen: as it is


def test_the_changelog_form_reads_back_and_a_corrupt_one_is_refused() -> None:
    detector = PoissonSpikeDetector()
    packed = frozen.freeze(detector, detector.initial_state())
    data = orjson.loads(orjson.dumps(frozen.to_json(packed)))
    assert frozen.from_json(data) == packed
    assert frozen.from_json({"kind": "seasonal"}) is None  # another form: not a frozen one
    with pytest.raises(ValueError, match="corrupt frozen detector state"):
        frozen.from_json({"frozen": "bm90IHpsaWI="})


def test_a_dormant_entity_is_written_frozen_kept_so_after_an_hour_and_restored_so() -> None:
    engine = Engine(EngineSettings(warmup_ms=20 * MINUTE))
    engine.ingest(make_mention("a", "acme", T0), NEUTRAL)
    for minute in range(1, 90):  # bolt keeps speaking, acme never again
        engine.ingest(make_mention(f"b{minute}", "bolt", T0 + minute * MINUTE), NEUTRAL)
        if minute == 5:  # asleep for minutes: kept as it is (a short sleep), but written compressed
            assert engine.dormant_count() == 1
            assert not isinstance(engine.entities["acme"].detector, frozen.Frozen)
            assert set(engine.entities["acme"].to_dict()["detector"]) == {"frozen"}
            assert engine.entities["acme"].to_dict(plain=True)["detector"]["kind"] == "seasonal"
    acme = engine.entities["acme"]
    assert engine.dormant_count() == 1 and isinstance(acme.detector, frozen.Frozen)
    assert (
        len(orjson.dumps({"p": 0, "s": acme.to_dict()})) <= 3_000
    )  # issue 23's goal for its record (the worker's table value)
    restored = EntityState.from_dict(orjson.loads(orjson.dumps(acme.to_dict())))
    assert restored.detector == acme.detector  # not decoded at restore
    again = Engine(engine.settings, entities={"acme": restored}, **engine.clock_state())
    assert again.dormant_count() == 1 and again.entities["acme"].detector is restored.detector
    # Speaking again thaws it, with the values it had (plus its idle run).
    engine.ingest(make_mention("a2", "acme", T0 + 91 * MINUTE), NEUTRAL)
    again.ingest(make_mention("a2", "acme", T0 + 91 * MINUTE), NEUTRAL)
    assert not isinstance(engine.entities["acme"].detector, frozen.Frozen)
    assert engine.entities["acme"].to_dict() == again.entities["acme"].to_dict()
