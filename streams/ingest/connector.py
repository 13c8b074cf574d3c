"""What every source connector shares: the post it yields, the batch, the interface, the backoff.

A connector turns its source's frames into Posts and yields them in Batches. The runner
produces the mentions of a batch, waits for the broker to ack them, and only then persists
the batch's `cursor` (and calls `on_acked`), so the cursor never runs ahead of what is safely
in Kafka. On a restart the connector gets the last persisted cursor back in `batches(cursor)`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from firestorm.models.records import MAX_FIELD_CHARS, MAX_TEXT_CHARS, DecodeError

Cursor = Any  # JSON-serialisable: a time_us, a status id, {"etag": ...}
MALFORMED_LOG_INTERVAL_S = 60.0  # one log line per kind of malformed frame per minute at most
EXAMPLE_BYTES = 120  # of a malformed frame, in its log line

log = logging.getLogger("firestorm.ingest")


@dataclass(slots=True)
class Post:
    """One post of a source, before matching: the mention contract's fields but the entity."""

    id: str
    ts_ms: int
    text: str
    source: str
    lang: str | None = None
    author_id: str | None = None
    followers: int = 0
    url: str | None = None
    repost_of: str | None = None
    reply_to: str | None = None
    quote_of: str | None = None

    def mention(self, entity: str) -> dict[str, Any]:
        """The mention of `entity` this post makes (the contract of models/records.py)."""
        obj: dict[str, Any] = {
            "id": self.id[:MAX_FIELD_CHARS],
            "entity": entity,
            "ts": self.ts_ms,
            "text": self.text[:MAX_TEXT_CHARS],
            "source": self.source,
        }
        if self.lang:
            obj["lang"] = self.lang[:MAX_FIELD_CHARS]
        if self.author_id:
            obj["author"] = {"id": self.author_id[:MAX_FIELD_CHARS], "followers": max(0, self.followers)}
        for name in ("url", "repost_of", "reply_to", "quote_of"):
            value = getattr(self, name)
            if value:
                obj[name] = value[:MAX_FIELD_CHARS]
        return obj


@dataclass(slots=True)
class Batch:
    """Posts (to match) and ready mentions (webhook) read since the last batch, and where that leaves the source."""

    posts: list[Post] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)  # already name their entity
    rejected: list[tuple[bytes, DecodeError]] = field(default_factory=list)  # dead-lettered with the reason
    received: int = 0  # frames or items read, whatever they were
    cursor: Cursor = None  # persisted once the batch is acked; None leaves the stored cursor as it is
    last_event_ms: int | None = None  # source time of the newest event (lag behind the source)
    on_acked: Callable[[], None] | None = None
    on_failed: Callable[[BaseException], None] | None = None


class ConnectorStats:
    """Counters a connector bumps itself (the runner counts the rest); metrics bind to them.

    A malformed frame is also logged, once per kind per MALFORMED_LOG_INTERVAL_S, with how many of
    that kind came since the last line and one example (where it was, its first bytes): a counter
    alone says that frames are broken, not how.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.reconnects = 0
        self.malformed: dict[str, int] = {}
        self.connected = False
        self._logged_at: dict[str, float] = {}
        self._unlogged: dict[str, int] = {}

    def reconnect(self) -> None:
        self.reconnects += 1
        self.connected = False

    def bad_frame(self, reason: str, example: bytes | str | None = None, where: str | None = None) -> None:
        """Count a malformed frame of kind `reason`; `example` is the frame, `where` its place
        ("cursor 1725911162329308", a feed's address)."""
        self.malformed[reason] = self.malformed.get(reason, 0) + 1
        self._unlogged[reason] = self._unlogged.get(reason, 0) + 1
        now = time.monotonic()
        last = self._logged_at.get(reason)
        if last is not None and now - last < MALFORMED_LOG_INTERVAL_S:
            return
        if isinstance(example, str):
            example = example[:EXAMPLE_BYTES].encode("utf-8", errors="replace")
        log.warning(
            "%s: %d malformed frame(s) (%s) since the last such line; e.g. %s: %r",
            self.name,
            self._unlogged[reason],
            reason,
            where or "at an unknown place",
            None if example is None else bytes(example[:EXAMPLE_BYTES]),
        )
        self._logged_at[reason], self._unlogged[reason] = now, 0


class Connector(ABC):
    """A long-running reader of one source."""

    kind: str = ""  # bluesky, mastodon, rss, webhook: the `source` of its mentions

    def __init__(self, name: str) -> None:
        self.name = name  # unique per process: the metrics label and the state file
        self.stats = ConnectorStats(name)

    @abstractmethod
    def batches(self, cursor: Cursor) -> AsyncIterator[Batch]:
        """Read the source from `cursor` (None: from now) forever, one batch at a time."""

    async def close(self) -> None:  # noqa: B027 (most connectors hold nothing between batches)
        """Release what the connector holds (servers, sessions)."""


class Backoff:
    """Exponential backoff with jitter between reconnects; reset after a good connection."""

    def __init__(self, initial_s: float = 1.0, max_s: float = 60.0, rng: random.Random | None = None) -> None:
        self.initial_s = initial_s
        self.max_s = max_s
        self.attempt = 0
        self._rng = rng or random.Random()

    def reset(self) -> None:
        self.attempt = 0

    def next_delay(self) -> float:
        delay = min(self.max_s, self.initial_s * 2.0**self.attempt)
        self.attempt += 1
        return float(delay * (0.5 + self._rng.random() / 2))

    async def wait(self) -> None:
        await asyncio.sleep(self.next_delay())
