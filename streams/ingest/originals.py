"""The matched posts a later repost may point at, remembered across restarts.

A repost carries no text of its own: it is a mention only if the post it reposts was matched,
which the runner knows only if it saw that post. Kept in memory alone, a restart forgot every
original (10 of 32 reposts dropped in one run), so the new ones are also appended to a JSON-lines
file next to the connectors' state, fsynced with each acked batch, and the file is rewritten with
the newest `capacity` entries once it holds twice that many.
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from pathlib import Path

import orjson

log = logging.getLogger("firestorm.ingest")

FILE_NAME = "recent-originals.jsonl"  # not a connector state file: those end in .json


class RecentOriginals:
    """Post id -> (entities it named, its text, its language), oldest forgotten first."""

    def __init__(self, capacity: int, directory: Path | None = None) -> None:
        self.capacity = capacity
        self.path = None if directory is None else directory / FILE_NAME
        self._items: OrderedDict[str, tuple[tuple[str, ...], str, str | None]] = OrderedDict()
        self._pending: list[bytes] = []
        self._lines = 0
        if self.path is not None:
            self._load(self.path)

    def _load(self, path: Path) -> None:
        try:
            lines = path.read_bytes().splitlines()
        except FileNotFoundError:
            return
        for line in lines:
            try:
                post_id, entities, text, lang = orjson.loads(line)
                self._put(str(post_id), tuple(str(e) for e in entities), str(text), lang if lang else None)
            except (orjson.JSONDecodeError, TypeError, ValueError):
                continue  # a line cut by a crash while it was appended
        self._lines = len(lines)
        log.info("remembered %d matched posts for their reposts (%s)", len(self._items), path)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, post_id: object) -> bool:
        return post_id in self._items

    def get(self, post_id: str) -> tuple[tuple[str, ...], str, str | None] | None:
        return self._items.get(post_id)

    def remember(self, post_id: str, entities: tuple[str, ...], text: str, lang: str | None) -> None:
        self._put(post_id, entities, text, lang)
        if self.path is not None:
            self._pending.append(orjson.dumps([post_id, entities, text, lang]))

    def _put(self, post_id: str, entities: tuple[str, ...], text: str, lang: str | None) -> None:
        self._items[post_id] = (entities, text, lang)
        self._items.move_to_end(post_id)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def flush(self) -> None:
        """Write what was remembered since the last flush (after the batch that had it is acked)."""
        if self.path is None or not self._pending:
            return
        if self._lines + len(self._pending) > 2 * self.capacity:
            self._rewrite(self.path)
        else:
            with self.path.open("ab") as file:
                file.write(b"\n".join(self._pending) + b"\n")
                file.flush()
                os.fsync(file.fileno())
            self._lines += len(self._pending)
        self._pending = []

    def _rewrite(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        rows = [orjson.dumps([i, e, t, lang]) for i, (e, t, lang) in self._items.items()]
        with tmp.open("wb") as file:
            file.write(b"".join(row + b"\n" for row in rows))
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
        self._lines = len(rows)
