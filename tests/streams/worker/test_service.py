import orjson

from firestorm.models.engine import EntityState
from firestorm.streams.worker.partitions import table_value


def test_table_value_round_trips_an_exact_size_copy() -> None:
    state = EntityState(entity="skyway", closed_until_ms=60_000, detector={"n": 3, "level": 0.25})
    value = table_value(2, state)
    assert type(value) is bytes
    assert value == orjson.dumps({"p": 2, "s": state.to_dict()})
    record = orjson.loads(value)
    assert record["p"] == 2
    assert EntityState.from_dict(record["s"]) == state
