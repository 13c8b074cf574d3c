"""The serialized form of a detector state: typed arrays as JSON, and the list format of before."""

from __future__ import annotations

import base64
import struct
from array import array

import orjson

from firestorm.models.detectors.base import state_from_json, state_to_json

FLOATS = [0.0, -0.0, 0.1, 1 / 3, 1e-300, 12345.678901234567, float.fromhex("0x1.fffffffffffffp+1023")]


def test_arrays_serialize_as_base64_doubles_and_count_lists() -> None:
    state = {"n": 7, "level": 0.25, "weekly": array("d", FLOATS), "weekly_n": array("I", [0, 1, 2**32 - 1])}
    data = state_to_json(state)
    assert data == {
        "n": 7,
        "level": 0.25,
        "weekly": {"f64": base64.b64encode(struct.pack(f"<{len(FLOATS)}d", *FLOATS)).decode()},
        "weekly_n": {"u32": [0, 1, 2**32 - 1]},
    }
    assert isinstance(state["weekly"], array)  # the state itself is not changed


def test_round_trip_is_bit_identical() -> None:
    state = {
        "weekly": array("d", FLOATS),
        "weekly_n": array("I", [3, 60]),
        "terms": {"outage": 0.5},
        "spans": {"short": [1.5, 2.0, 0.0, 0.1]},
    }
    restored = state_from_json(orjson.loads(orjson.dumps(state_to_json(state))))
    assert restored == state
    assert restored["weekly"].typecode == "d" and restored["weekly_n"].typecode == "I"
    assert [struct.pack("<d", x) for x in restored["weekly"]] == [struct.pack("<d", x) for x in FLOATS]


def test_the_list_format_reads_as_it_was() -> None:
    data = {"n": 2, "weekly": [0.5, 1.0], "weekly_n": [1, 1], "terms": {}, "other": {"x": 1}}
    assert state_from_json(data) == data
    assert type(state_from_json(data)["weekly"]) is list
