"""The stored form of a dataclass record, driven by its fields: one dict key a field, in declaration order.

A field is stored under its own name and read back through its declared type (`int`, `float`,
`str`, `bool`, `dict`, `list`, `set`), unless its `stored(...)` metadata says otherwise: another
key, a conversion each way, the value to read when an older form lacks the key, or (`spread`,
`gather`) several keys for one field. So a field added to a record is stored and restored
without a second and third list of keys to keep in step, and a renamed key is said once, beside
its field.

The window accumulators and the detector states are written for every open window and touched
entity at each changelog flush and read back on every restore, so the codec of a class is
compiled once into two plain functions (a dict display and a constructor call, as one would
write by hand: `dataclasses` makes `__init__` the same way); a call costs what the hand-written
`to_dict`/`from_dict` it replaces cost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

R = TypeVar("R")
_KEY = "firestorm.stored"
_NOTHING = object()
# Readers by the declared type's name (annotations are strings under `from __future__ import annotations`).
_READERS: dict[str, Callable[[Any], Any]] = {
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "dict": dict,
    "list": list,
    "set": set,
}


@dataclasses.dataclass(frozen=True, slots=True)
class Stored:
    """How one field is stored; the defaults store it under its name, as it is, read by its type."""

    key: str | None = None
    encode: Callable[[Any], Any] | None = None
    decode: Callable[[Any], Any] | None = None
    missing: Any = _NOTHING  # the stored value read when the key is absent (a form older than the field)
    spread: Callable[[Any], Mapping[str, Any]] | None = None  # the field as several keys, written in its place
    gather: Callable[[Mapping[str, Any]], Any] | None = None  # ... and read back from the whole stored dict


def stored(
    key: str | None = None,
    *,
    encode: Callable[[Any], Any] | None = None,
    decode: Callable[[Any], Any] | None = None,
    missing: Any = _NOTHING,
    spread: Callable[[Any], Mapping[str, Any]] | None = None,
    gather: Callable[[Mapping[str, Any]], Any] | None = None,
) -> dict[str, Stored]:
    """The `metadata=` of a field whose stored form is not the default one."""
    if (spread is None) != (gather is None):
        raise ValueError("a field spread over several keys needs both spread= and gather=")
    return {_KEY: Stored(key, encode, decode, missing, spread, gather)}


def _reader(field: dataclasses.Field[Any], how: Stored, owner: type) -> Callable[[Any], Any]:
    if how.decode is not None:
        return how.decode
    declared = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    reader = _READERS.get(declared.split("[", 1)[0].strip())
    if reader is None:
        raise TypeError(f"{owner.__name__}.{field.name}: a field of type {declared} needs stored(decode=...)")
    return reader


class FieldCodec(Generic[R]):
    """`encode(record)` -> its stored dict (after the constant `head` items); `decode(dict)` -> the record."""

    def __init__(self, cls: type[R], head: Mapping[str, Any] | None = None) -> None:
        names: dict[str, Any] = {"_cls": cls}
        items = [f"{k!r}: _head{i}" for i, k in enumerate(head or {})]
        names.update({f"_head{i}": v for i, v in enumerate((head or {}).values())})
        args = []
        for i, f in enumerate(dataclasses.fields(cls)):  # type: ignore[arg-type]
            how: Stored = f.metadata.get(_KEY, Stored())
            key = how.key or f.name
            if how.spread is not None:
                names[f"_spread{i}"], names[f"_gather{i}"] = how.spread, how.gather
                items.append(f"**_spread{i}(self.{f.name})")
                args.append(f"{f.name}=_gather{i}(data)")
                continue
            value = f"self.{f.name}"
            if how.encode is not None:
                names[f"_enc{i}"] = how.encode
                value = f"_enc{i}({value})"
            items.append(f"{key!r}: {value}")
            names[f"_dec{i}"] = _reader(f, how, cls)
            if how.missing is _NOTHING:
                args.append(f"{f.name}=_dec{i}(data[{key!r}])")
            else:
                names[f"_missing{i}"] = how.missing
                args.append(f"{f.name}=_dec{i}(data.get({key!r}, _missing{i}))")
        source = (
            f"def encode(self):\n    return {{{', '.join(items)}}}\n"
            f"def decode(data):\n    return _cls({', '.join(args)})\n"
        )
        exec(compile(source, f"<stored form of {cls.__qualname__}>", "exec"), names)
        self.encode: Callable[[R], dict[str, Any]] = names["encode"]
        self.decode: Callable[[Mapping[str, Any]], R] = names["decode"]
        self.source = source  # what was compiled, for a reader of a traceback or a test
