"""JSON values against type hints: one reading of the contract's types, for the decoder and the schema.

Knows what the contracts use: str, int, float (an int is a float too), bool (never an int),
None, Any, Literal, unions, list[X], tuple[X, ...] (a JSON array), dict[str, X], TypedDict and
dataclasses (JSON objects).
"""

from __future__ import annotations

import dataclasses
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

_DESCRIPTION = "firestorm.description"


def described(text: str) -> dict[str, str]:
    """The `metadata=` of a dataclass field whose meaning its JSON schema states (`description`)."""
    return {_DESCRIPTION: text}


def hints(cls: type) -> dict[str, Any]:
    """The resolved field types of a dataclass or TypedDict."""
    return get_type_hints(cls)


def conforms(value: Any, tp: Any) -> bool:
    """Whether the JSON value `value` has the type `tp`."""
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return True
    if tp is None or tp is type(None):
        return value is None
    if origin is Literal:
        return value in args
    if origin is Union or origin is types.UnionType:
        return any(conforms(value, a) for a in args)
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin is list:
        return isinstance(value, list) and all(conforms(v, args[0]) for v in value)
    if origin is tuple:
        return (
            isinstance(value, list | tuple)
            and len(value) == len(args)
            and all(conforms(v, a) for v, a in zip(value, args, strict=True))
        )
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(k, str) and conforms(v, args[1]) for k, v in value.items())
    if is_typeddict(tp) or dataclasses.is_dataclass(tp):
        fields = hints(tp)
        required = getattr(tp, "__required_keys__", ())
        return (
            isinstance(value, dict)
            and all(k in value for k in required)
            and all(k not in value or conforms(value[k], t) for k, t in fields.items())
        )
    raise TypeError(f"conforms: no rule for {tp!r}")


def json_schema(
    tp: Any, required: tuple[str, ...] | None = None, names: dict[str, str] | None = None
) -> dict[str, Any]:
    """The JSON schema of `tp` (draft 2020-12 keywords). For a dataclass, `required` lists the
    fields a reader needs and `names` maps attribute names to the names on the wire."""
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return {}
    if tp is None or tp is type(None):
        return {"type": "null"}
    if origin is Literal:
        return {"enum": list(args)}
    if origin is Union or origin is types.UnionType:
        return {"anyOf": [json_schema(a) for a in args]}
    simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if tp in simple:
        return {"type": simple[tp]}
    if origin is list:
        return {"type": "array", "items": json_schema(args[0])}
    if origin is tuple:
        return {"type": "array", "prefixItems": [json_schema(a) for a in args], "minItems": len(args), "items": False}
    if origin is dict:
        return {"type": "object", "additionalProperties": json_schema(args[1])}
    if is_typeddict(tp) or dataclasses.is_dataclass(tp):
        fields = hints(tp)
        names = names or {}
        if required is None:
            keys: frozenset[str] = getattr(tp, "__required_keys__", frozenset())
            required = tuple(k for k in fields if k in keys)
        doc = " ".join((tp.__doc__ or "").split("\n\n")[0].split())
        declared = dataclasses.fields(tp) if dataclasses.is_dataclass(tp) else ()
        meanings = {f.name: f.metadata[_DESCRIPTION] for f in declared if _DESCRIPTION in f.metadata}
        return {
            "title": tp.__name__,
            "description": doc,
            "type": "object",
            "properties": {names.get(k, k): _property(json_schema(t), meanings.get(k)) for k, t in fields.items()},
            "required": list(required),
        }
    raise TypeError(f"json_schema: no rule for {tp!r}")


def _property(schema: dict[str, Any], meaning: str | None) -> dict[str, Any]:
    return schema if meaning is None else {"description": meaning, **schema}
