"""What every input format shares: rejected rows, the entity rule, and the final contract check.

A format reader turns its rows into mention JSON (the contract of ARCHITECTURE.md) and yields
`(line number, bytes)`; a row it cannot map yields `(line number, Rejected)` with a reason, so
a replay reports it with its line number and goes on with the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

import orjson

from firestorm.models.records import DecodeError, mention_from_obj, normalize_entity

# reason slugs added to the mention contract's own (empty, not_json, missing_field, bad_type, ...)
BAD_ROW = "bad_row"  # a CSV row with the wrong number of fields, an X page that is not a page
NO_ENTITY = "no_entity"  # matched no watched entity: skipped, not an error


class InputError(ValueError):
    """The input as a whole cannot be read (unknown format, mapping names a missing column)."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that did not become a mention; `error` is False for rows that are simply not ours."""

    reason: str
    detail: str
    error: bool = True

    def as_decode_error(self) -> DecodeError:
        return DecodeError(self.reason, self.detail)


Record = tuple[int, bytes | Rejected]


@dataclass(frozen=True, slots=True)
class WatchList:
    """Entity by term: `skyway=skyway,#skywayfail`; a post may name several entities.

    Terms match whole words, case-insensitively, bare or as a hashtag or handle.
    """

    terms: tuple[tuple[str, re.Pattern[str]], ...] = ()

    @classmethod
    def parse(cls, specs: Sequence[str]) -> WatchList:
        terms: list[tuple[str, re.Pattern[str]]] = []
        for spec in specs:
            name, sep, words = spec.partition("=")
            entity = normalize_entity(name)
            if not sep or not entity:
                raise InputError(f"--watch wants ENTITY=TERM[,TERM...], got {spec!r}")
            wanted = [w.strip() for w in words.split(",") if w.strip()] or [entity]
            alternatives = "|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True))
            # whole terms, also as a hashtag or handle: "skyway" matches "#skyway" and "@SkyWay"
            terms.append((entity, re.compile(rf"(?<![\w@#])[@#]?(?:{alternatives})(?!\w)", re.IGNORECASE)))
        return cls(tuple(terms))

    def match(self, text: str) -> list[str]:
        return [entity for entity, pattern in self.terms if pattern.search(text)]


@dataclass(frozen=True, slots=True)
class InputSpec:
    """How to read an input: its format (auto-detected by default) and how to map its rows."""

    format: str = "auto"  # auto, jsonl, csv, x-v2
    csv_map: Mapping[str, str] = field(default_factory=dict)  # mention field -> CSV column
    csv_delimiter: str | None = None
    entity: str | None = None  # every mapped row is about this entity ...
    watch: WatchList = field(default_factory=WatchList)  # ... or the ones its text names
    tz: tzinfo | None = None  # --tz: the zone of input times written without an offset

    def entities_for(self, obj: Mapping[str, Any]) -> list[str] | Rejected:
        """The entities a mapped row is about: its own field, --entity, or the watch list."""
        own = obj.get("entity")
        if isinstance(own, str) and own.strip():
            return [own]
        if self.entity:
            return [normalize_entity(self.entity)]
        if self.watch.terms:
            text = obj.get("text")
            found = self.watch.match(text) if isinstance(text, str) else []
            if found:
                return found
            return Rejected(NO_ENTITY, "names no watched entity", error=False)
        return Rejected("missing_field", "no entity: map an entity column, or give --entity or --watch")


def finish(obj: dict[str, Any], spec: InputSpec, where: str) -> Iterator[bytes | Rejected]:
    """Give a mapped row its entity (one mention per entity), check the contract, encode it."""
    entities = spec.entities_for(obj)
    if isinstance(entities, Rejected):
        yield Rejected(entities.reason, f"{where}{entities.detail}", entities.error)
        return
    for entity in entities:
        mention = {**obj, "entity": entity}
        try:
            mention_from_obj(mention)
        except DecodeError as exc:
            yield Rejected(exc.reason, f"{where}{exc.detail}")
            continue
        yield orjson.dumps(mention)
