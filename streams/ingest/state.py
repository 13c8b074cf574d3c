"""Each connector's resume point on disk: its cursor and the ids it produced last.

Written atomically (temporary file, fsync, rename) and only after the broker acked the
mentions (runner.py), so a crash leaves a cursor at or behind what Kafka holds: the source
replays a little, and the remembered ids drop what was already produced.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from firestorm.streams.ingest.connector import Cursor

SEEN_KEPT = 5_000  # ids written to the state file: more than a resume replays of matched posts


class SeenIds:
    """The most recent ids produced, oldest forgotten first."""

    def __init__(self, capacity: int = 50_000, ids: Iterable[str] = ()) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict((i, None) for i in ids)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, key: str) -> None:
        self._ids[key] = None
        self._ids.move_to_end(key)
        while len(self._ids) > self.capacity:
            self._ids.popitem(last=False)

    def recent(self, count: int = SEEN_KEPT) -> list[str]:
        return list(itertools.islice(reversed(self._ids), count))[::-1]


def _file_name(connector: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", connector) + ".json"


class StateStore:
    """One JSON file per connector under `directory`."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, connector: str) -> Path:
        return self.directory / _file_name(connector)

    def load(self, connector: str) -> tuple[Cursor, list[str]]:
        """(cursor, produced ids) of the last acked batch; (None, []) the first time."""
        path = self.path(connector)
        try:
            data: Any = orjson.loads(path.read_bytes())
        except FileNotFoundError:
            return None, []
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ValueError(f"{path}: unreadable connector state ({exc}); move it away to start from now") from exc
        if not isinstance(data, dict):
            raise ValueError(f"{path}: connector state must be a JSON object")
        seen = data.get("seen", [])
        return data.get("cursor"), [s for s in seen if isinstance(s, str)] if isinstance(seen, list) else []

    def save(self, connector: str, cursor: Cursor, seen: list[str]) -> None:
        path = self.path(connector)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as file:
            file.write(orjson.dumps({"cursor": cursor, "seen": seen}))
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
