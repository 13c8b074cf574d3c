from __future__ import annotations

from typing import Any, Literal, TypedDict

import jsonschema
import pytest

from firestorm.models.typecheck import conforms, json_schema


class Pair(TypedDict):
    id: str
    url: str | None


CASES: list[tuple[Any, Any, bool]] = [
    (1, int, True),
    (True, int, False),  # a JSON boolean is not a number
    (1, float, True),  # a JSON integer is a number
    (1.5, int, False),
    (None, str | None, True),
    ("a", Literal["a", "b"], True),
    ("c", Literal["a", "b"], False),
    ([["t", 3]], list[tuple[str, int]], True),
    ([["t"]], list[tuple[str, int]], False),
    ({"en": 2}, dict[str, int], True),
    ({"en": "2"}, dict[str, int], False),
    ({"id": "x", "url": None}, Pair, True),
    ({"id": "x"}, Pair, False),  # a required key missing
    ({"anything": [1, {}]}, dict[str, Any], True),
]


@pytest.mark.parametrize(("value", "tp", "ok"), CASES)
def test_conforms_and_the_schema_agree(value: Any, tp: Any, ok: bool) -> None:
    """The decoder's check and the published schema say the same of each value."""
    assert conforms(value, tp) is ok
    assert jsonschema.Draft202012Validator(json_schema(tp)).is_valid(value) is ok


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(TypeError, match="no rule"):
        conforms(1, set[int])
