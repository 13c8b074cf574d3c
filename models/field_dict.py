"""A dataclass record as the dict of its fields, in declaration order.

The stored form of the records whose stored names are their field names (the incident state in
the changelog, an alert's drivers on the wire), so that a field added to one of them is stored
without a second list to keep in step. One `attrgetter` per class reads the values: the state of
every touched entity is written at each changelog flush, and a loop over `dataclasses.fields`
costs about twice as much.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import Any

_Reader = tuple[tuple[str, ...], Callable[[Any], Any]]
_READERS: dict[type, _Reader] = {}


def _reader(cls: type) -> _Reader:
    names = tuple(f.name for f in fields(cls))
    if len(names) == 1:
        return names, lambda record: (getattr(record, names[0]),)
    return names, attrgetter(*names)


def field_dict(record: Any) -> dict[str, Any]:
    """{field name: value} of a dataclass instance (values as they are: not copied, not converted)."""
    cls = type(record)
    reader = _READERS.get(cls)
    if reader is None:
        reader = _READERS[cls] = _reader(cls)
    names, values = reader
    return dict(zip(names, values(record), strict=True))
