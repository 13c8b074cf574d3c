"""models/field_codec.py: a record's stored form from its fields, and back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from firestorm.models.field_codec import FieldCodec, stored


def _spread(parts: dict[str, int]) -> dict[str, int]:
    return {f"part_{k}": v for k, v in parts.items()}


def _gather(data: Any) -> dict[str, int]:
    return {k[5:]: int(v) for k, v in data.items() if k.startswith("part_")}


@dataclass(slots=True)
class _Record:
    start_ms: int = field(metadata=stored("start"))
    count: int = 0
    share: float = 0.0
    names: set[str] = field(default_factory=set, metadata=stored(encode=sorted))
    terms: dict[str, int] = field(default_factory=dict)
    late: float = field(default=0.5, metadata=stored(missing=0.5))  # a field newer than some stored forms
    pairs: list[tuple[str, int]] = field(
        default_factory=list,
        metadata=stored(encode=lambda ps: [list(p) for p in ps], decode=lambda ls: [tuple(x) for x in ls]),
    )
    parts: dict[str, int] = field(default_factory=dict, metadata=stored(spread=_spread, gather=_gather))


CODEC = FieldCodec(_Record, head={"kind": "test", "version": 3})


def test_fields_are_stored_in_declaration_order_after_the_head_under_their_keys() -> None:
    record = _Record(7, count=2, share=0.25, names={"b", "a"}, terms={"x": 1}, pairs=[("p", 1)], parts={"q": 4})
    out = CODEC.encode(record)
    assert list(out.items()) == [
        ("kind", "test"),
        ("version", 3),
        ("start", 7),
        ("count", 2),
        ("share", 0.25),
        ("names", ["a", "b"]),
        ("terms", {"x": 1}),
        ("late", 0.5),
        ("pairs", [["p", 1]]),
        ("part_q", 4),
    ]
    assert out["terms"] is record.terms  # stored as it is, not copied
    assert CODEC.decode(out) == record


def test_values_are_read_back_through_their_declared_types_and_an_older_form_loads() -> None:
    old = {"start": "60", "count": 3.0, "share": 1, "names": ["a"], "terms": [("x", 2)], "pairs": []}
    record = CODEC.decode(old)
    assert record == _Record(60, count=3, share=1.0, names={"a"}, terms={"x": 2}, late=0.5)
    assert type(record.start_ms) is int and type(record.share) is float
    with pytest.raises(KeyError, match="count"):
        CODEC.decode({"start": 1})  # a key with no `missing` is required


def test_a_field_of_another_type_needs_its_decoder_and_a_spread_its_gather() -> None:
    @dataclass
    class _Opaque:
        when: complex = 0j

    with pytest.raises(TypeError, match=r"_Opaque\.when: a field of type complex needs stored\(decode=...\)"):
        FieldCodec(_Opaque)
    with pytest.raises(ValueError, match="needs both spread= and gather="):
        stored(spread=_spread)


def test_the_codec_is_compiled_once_into_plain_functions() -> None:
    assert CODEC.source.startswith("def encode(self):\n    return {")
    assert "'start': self.start_ms" in CODEC.source and "start_ms=_dec0(data['start'])" in CODEC.source
