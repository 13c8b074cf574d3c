"""What was delivered but may not be committed yet, kept in a small local file.

Kafka commits one offset per partition, so an alert delivered after an earlier one that is still
being retried cannot be committed yet. If the notifier dies then, the restarted one reads both
again. Re-sending a trigger is harmless while its incident is open (PagerDuty folds it in by
dedup_key), but once the incident's resolve has gone out, a re-sent trigger would open a second
incident. The ledger remembers each (record, sink, destination) that was accepted, and each
record that was dead-lettered, so a restart skips them. It is appended and flushed before the
offset may be committed: a killed process loses nothing the kernel has. Entries below the
committed offsets are dropped when the file is compacted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("firestorm.notifier")

DEAD = "dead-letter"  # a whole record that went to the dead-letter topic
COMPACT_EVERY = 10_000


def entry(record: Any, what: str) -> str:
    """The ledger line of a Kafka record (anything with topic, partition, offset, timestamp).

    The record's timestamp is part of it, so a recreated topic reusing offsets never matches."""
    return f"{record.topic}\t{record.partition}\t{record.offset}\t{record.timestamp}\t{what}"


class DeliveryLedger:
    """A set of entries mirrored to an append-only file (None: in memory only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: set[str] = set()
        self._file: IO[str] | None = None
        self._appended = 0

    def open(self) -> DeliveryLedger:
        if self.path is None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                lines = self.path.read_text(encoding="utf-8").splitlines()
                self._entries = {line for line in lines if line.count("\t") == 4}
            self._file = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            from firestorm.streams.config import ConfigError

            raise ConfigError(
                f"FIRESTORM_DATA_DIR: the delivery ledger {self.path} cannot be written ({exc.strerror or exc})"
            ) from exc
        if self._entries:
            log.info("delivery ledger %s: %d deliveries not known to be committed", self.path, len(self._entries))
        return self

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __contains__(self, item: str) -> bool:
        return item in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, item: str) -> None:
        if item in self._entries:
            return
        self._entries.add(item)
        if self._file is not None:
            self._file.write(item + "\n")
            self._file.flush()
            self._appended += 1

    def compact(self, committed: Mapping[Hashable, int], force: bool = False) -> None:
        """Forget entries below the committed offsets (keyed by objects with .topic/.partition)."""
        if not force and self._appended < COMPACT_EVERY:
            return
        floor = {
            (getattr(tp, "topic", None), getattr(tp, "partition", None)): offset for tp, offset in committed.items()
        }
        kept = set()
        for item in self._entries:
            topic, partition, offset, _rest = item.split("\t", 3)
            try:
                limit = floor.get((topic, int(partition)))
                if limit is None or int(offset) >= limit:
                    kept.add(item)
            except ValueError:
                continue  # not a line this ledger wrote
        self._entries = kept
        self._appended = 0
        if self.path is None or self._file is None:  # in memory, or the file could not be opened
            return
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text("".join(line + "\n" for line in sorted(kept)), encoding="utf-8")
        if self._file is not None:
            self._file.close()
        os.replace(tmp, self.path)
        self._file = self.path.open("a", encoding="utf-8")
