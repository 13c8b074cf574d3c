"""The watch list: which entities a post names, from the `[watch.<entity>]` tables of the entities file.

[watch.lumiere]
terms = ["Lumière", "lumiere app"]        # words or phrases that name the entity
handles = ["@lumiere.bsky.social"]         # matched with their @
hashtags = ["#lumierefail"]                # matched with their #
exclude = ["lumière du jour"]              # a post naming any of these is not about the entity
languages = ["fr", "en"]                   # only posts in these languages (posts of unknown language pass)

Matching is case- and accent-insensitive ("lumiere" matches "LUMIÈRE") on word boundaries (a term
also matches as a hashtag or a handle: "skyway" matches "#skyway"). Every term of every entity
lives in one Aho-Corasick automaton, so a post is scanned once whatever the number of entities.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from firestorm.models.records import normalize_entity
from firestorm.streams.toml_file import read_toml

log = logging.getLogger("firestorm.ingest.watch")

_MARK_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
_MARKS = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _MARK_RANGES) + "]+")


def _fold_table() -> list[str]:
    """Accented Latin letters (and full-width forms) to their base letters, combining marks to nothing:
    one str.translate per post instead of NFKD and a regex (a list indexed by code point is the
    fastest table translate takes; characters past it, like emoji, stay as they are)."""
    table = [chr(code) for code in range(0x10000)]
    for a, b in _MARK_RANGES:
        for code in range(a, b + 1):
            table[code] = ""
    for a, b in ((0x00A0, 0x024F), (0x1E00, 0x1EFF), (0xFF01, 0xFF5E)):
        for code in range(a, b + 1):
            table[code] = _MARKS.sub("", unicodedata.normalize("NFKD", chr(code).casefold()))
    return table


_FOLD = _fold_table()
_SPACES = re.compile(r"\s+")
_KEYS = {"terms", "handles", "hashtags", "exclude", "languages"}


class WatchListError(ValueError):
    """The watch list cannot be used; the message names the file and the entity."""


def fold(text: str) -> str:
    """Lowercase without accents: what both terms and posts are compared as."""
    if text.isascii():
        return text.lower()
    return text.casefold().translate(_FOLD)


@dataclass(frozen=True, slots=True)
class Watch:
    """What names one entity."""

    entity: str
    terms: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    languages: frozenset[str] = field(default_factory=frozenset)

    def patterns(self) -> list[str]:
        return [*self.terms, *self.handles, *self.hashtags]


def _strings(where: str, name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise WatchListError(f"{where}: {name} must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def watch_from_table(entity: str, table: Mapping[str, Any], where: str) -> Watch:
    """One `[watch.<entity>]` table, checked."""
    name = normalize_entity(entity)
    if not name:
        raise WatchListError(f"{where}: empty entity name")
    unknown = set(table) - _KEYS
    if unknown:
        raise WatchListError(f"{where}: unknown keys {sorted(unknown)} (expected {sorted(_KEYS)})")
    handles = tuple(h if h.startswith("@") else f"@{h}" for h in _strings(where, "handles", table.get("handles", [])))
    hashtags = tuple(
        t if t.startswith("#") else f"#{t}" for t in _strings(where, "hashtags", table.get("hashtags", []))
    )
    terms = _strings(where, "terms", table.get("terms", []))
    if not (terms or handles or hashtags):
        terms = (name,)
    languages = frozenset(
        lang.lower().split("-")[0] for lang in _strings(where, "languages", table.get("languages", []))
    )
    return Watch(name, terms, handles, hashtags, _strings(where, "exclude", table.get("exclude", [])), languages)


def parse_watch_specs(specs: Sequence[str]) -> list[Watch]:
    """Command-line entries `ENTITY=TERM,@HANDLE,#TAG` (the same syntax as `produce --watch`)."""
    watches = []
    for spec in specs:
        name, sep, words = spec.partition("=")
        if not sep or not normalize_entity(name):
            raise WatchListError(f"--watch wants ENTITY=TERM[,TERM...], got {spec!r}")
        items = [w.strip() for w in words.split(",") if w.strip()]
        table = {
            "terms": [w for w in items if w[0] not in "@#"],
            "handles": [w for w in items if w[0] == "@"],
            "hashtags": [w for w in items if w[0] == "#"],
        }
        watches.append(watch_from_table(name, table, f"--watch {spec!r}"))
    return watches


def load_watch_file(path: str) -> list[Watch]:
    """The `[watch.*]` tables of an entities file (other sections belong to the worker)."""
    data = read_toml(path, WatchListError)
    tables = data.get("watch", {})
    if not isinstance(tables, dict):
        raise WatchListError(f"{path}: [watch] must hold one table per entity, e.g. [watch.skyway]")
    watches = []
    for entity, table in tables.items():
        if not isinstance(table, dict):
            raise WatchListError(f"{path}: [watch.{entity}] must be a table")
        watches.append(watch_from_table(entity, table, f"{path}: [watch.{entity}]"))
    return watches


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


class Matcher:
    """All the watch list's terms in one automaton: `match(text, lang)` gives the entities named."""

    def __init__(self, watches: Sequence[Watch]) -> None:
        merged: dict[str, Watch] = {}
        for watch in watches:  # the same entity twice (file and --watch): its terms add up
            old = merged.get(watch.entity)
            merged[watch.entity] = (
                watch
                if old is None
                else Watch(
                    watch.entity,
                    old.terms + watch.terms,
                    old.handles + watch.handles,
                    old.hashtags + watch.hashtags,
                    old.exclude + watch.exclude,
                    old.languages | watch.languages,
                )
            )
        self.watches = merged
        self.entities = tuple(sorted(merged))
        self._languages = {w.entity: w.languages for w in merged.values() if w.languages}
        keys: dict[str, list[tuple[str, bool]]] = {}
        for watch in merged.values():
            for pattern, excluded in [(p, False) for p in watch.patterns()] + [(p, True) for p in watch.exclude]:
                key = _SPACES.sub(" ", fold(pattern))
                if key and (watch.entity, excluded) not in keys.setdefault(key, []):
                    keys[key].append((watch.entity, excluded))
        self._automaton: Any = ahocorasick.Automaton()
        for key, owners in keys.items():
            self._automaton.add_word(key, (len(key), tuple(owners)))
        self.size = len(keys)
        if keys:
            self._automaton.make_automaton()

    def match(self, text: str, lang: str | None = None) -> list[str]:
        """The entities `text` names (sorted), exclusions and languages applied."""
        if not self.size or not text:
            return []
        folded = fold(text)
        if "\n" in folded or "  " in folded or "\t" in folded:
            folded = _SPACES.sub(" ", folded)
        found: set[str] = set()
        excluded: set[str] = set()
        last = len(folded) - 1
        for end, (length, owners) in self._automaton.iter(folded):
            start = end - length + 1
            if start > 0 and _is_word(folded[start - 1]) and _is_word(folded[start]):
                continue
            if end < last and _is_word(folded[end + 1]) and _is_word(folded[end]):
                continue
            for entity, is_exclusion in owners:
                (excluded if is_exclusion else found).add(entity)
        if not found:
            return []
        found -= excluded
        if lang and self._languages:
            primary = lang.lower().split("-")[0]
            found = {e for e in found if not (langs := self._languages.get(e)) or primary in langs}
        return sorted(found)


class LiveWatchList:
    """The current Matcher, rebuilt when the entities file changes (connectors keep running).

    `check()` compares the file's mtime and size with the last load; a file that no longer
    parses is reported and the previous watch list stays in force.
    """

    def __init__(self, path: str, extra: Sequence[Watch] = ()) -> None:
        self.path = path
        self.extra = tuple(extra)
        self._stamp: tuple[int, int] | None = None
        self.reloads = 0
        self.failures = 0
        self.last_error: str | None = None
        self.matcher = Matcher(self.extra)
        if path:
            self.matcher = Matcher([*load_watch_file(path), *self.extra])  # a bad file fails the start
            self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = Path(self.path).stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def check(self) -> bool:
        """Reload if the file changed; True when a new watch list is in force."""
        if not self.path:
            return False
        stamp = self._file_stamp()
        if stamp is None or stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            matcher = Matcher([*load_watch_file(self.path), *self.extra])
        except WatchListError as exc:
            self.failures += 1
            self.last_error = str(exc)
            log.error("watch list not reloaded, the previous one stays in force: %s", exc)
            return False
        self.matcher = matcher
        self.reloads += 1
        self.last_error = None
        log.info("watch list reloaded: %d entities, %d terms", len(matcher.entities), matcher.size)
        return True
