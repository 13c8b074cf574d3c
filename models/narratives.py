"""Narratives: what the posts of an open incident say, grouped into at most five stories.

Pure and event-time: the same posts give the same narratives in a live worker, after a restart
(the sample is changelogged with the entity) and in a replay, whatever the hash seed or clock.

Three parts:
- `offer_to_window`: each open window keeps a bounded sample of its posts (the posts whose id
  hashes lowest, so the choice does not depend on arrival order);
- `NarrativeState`: per entity, the posts of the last above-normal windows (the storm's ramp)
  and, while an incident is open, a priority sample of its posts (Duffield, Lund and Thorup's
  priority sampling: weight / uniform hash, top `INCIDENT_POSTS`), which estimates each
  narrative's share of the incident's posts without keeping them all;
- `group` (narrative_groups.py): the sample into narratives. Exact copies and reposts collapse on the text's
  fingerprint; the remaining texts are compared on their terms (weighted by how rare they are
  in the sample, the storm's new terms weighing more) by cosine similarity, grouped by a
  deterministic leader pass refined twice, similar groups merged, and the five largest kept.

The grouping is exact and in-house rather than MinHash/LSH or TF-IDF from a library: the sample
holds at most a few hundred posts, for which exact similarities cost a few milliseconds per
alert event, need no approximation, and stay bit-for-bit deterministic (see docs/narratives.md).
"""

from __future__ import annotations

import bisect
import heapq
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from firestorm.models.records import Mention
from firestorm.models.sentiment import NEGATIVE_COMPOUND, Sentiment

POST_TEXT_CHARS = 280  # a post is kept (and grouped) on its first 280 characters
WINDOW_POSTS = 48  # posts an open window keeps
INCIDENT_POSTS = 200  # posts an open incident keeps
PRELUDE_WINDOWS = 2  # above-normal windows before the trigger whose posts join the incident
MAX_NEW_TERMS = 20
_HASH_SPAN = float(1 << 32)


def post_hash(post_id: str) -> int:
    """A stable 32-bit hash of a post id (never Python's salted hash())."""
    return zlib.crc32(post_id.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True, slots=True)
class Post:
    """One sampled post: what grouping and the alert need of it; `weight` is how many posts of
    its window it stands for."""

    id: str
    ts_ms: int
    text: str
    url: str | None
    reach: int
    lang: str
    compound: float | None
    repost: bool
    weight: float = 1.0

    @property
    def negative(self) -> bool:
        return self.compound is not None and self.compound <= NEGATIVE_COMPOUND

    def with_weight(self, weight: float) -> Post:
        return Post(self.id, self.ts_ms, self.text, self.url, self.reach, self.lang, self.compound, self.repost, weight)

    def to_list(self) -> list[Any]:
        return [
            self.id,
            self.ts_ms,
            self.text,
            self.url,
            self.reach,
            self.lang,
            self.compound,
            int(self.repost),
            self.weight,
        ]

    @classmethod
    def from_list(cls, data: Sequence[Any]) -> Post:
        compound = data[6]
        return cls(
            id=str(data[0]),
            ts_ms=int(data[1]),
            text=str(data[2]),
            url=None if data[3] is None else str(data[3]),
            reach=int(data[4]),
            lang=str(data[5]),
            compound=None if compound is None else float(compound),
            repost=bool(data[7]),
            weight=float(data[8]) if len(data) > 8 else 1.0,
        )


def post_of(mention: Mention, sentiment: Sentiment) -> Post:
    return Post(
        id=mention.id,
        ts_ms=mention.ts_ms,
        text=mention.text[:POST_TEXT_CHARS],
        url=mention.url,
        reach=mention.author.followers if mention.author else 0,
        lang=sentiment.lang,
        compound=sentiment.compound,
        repost=bool(mention.repost_of),
    )


# --- the window's sample ----------------------------------------------------------------------


class WindowSample:
    """The posts of one open window whose ids hash lowest, at most `cap`: which posts are kept
    does not depend on the order they arrive in. A mention is only made a `Post` when the
    window closes (or is serialized), so the common case costs a hash and an append."""

    __slots__ = ("cap", "items", "keys")

    def __init__(self, cap: int = WINDOW_POSTS) -> None:
        self.cap = cap
        self.items: dict[str, Post | tuple[Mention, Sentiment]] = {}
        self.keys: list[tuple[int, str]] | None = None  # (hash, id) of the items, sorted: made once full

    def offer(self, mention: Mention, sentiment: Sentiment) -> None:
        items = self.items
        if mention.id in items:
            return
        if len(items) < self.cap:  # the common case: no hash until the window is full
            items[mention.id] = (mention, sentiment)
            return
        keys = self.keys
        if keys is None:
            keys = self.keys = sorted((post_hash(i), i) for i in items)
        key = (post_hash(mention.id), mention.id)
        if key < keys[-1]:
            bisect.insort(keys, key)
            del items[keys.pop()[1]]
            items[mention.id] = (mention, sentiment)

    def add_post(self, post: Post) -> None:
        """A post restored from the changelog."""
        self.items[post.id] = post
        self.keys = None

    def posts(self) -> tuple[Post, ...]:
        """The kept posts in event-time order."""
        items = self.items
        for key, item in items.items():
            if not isinstance(item, Post):  # made once: a worker serializes open windows every batch
                items[key] = post_of(*item)
        return tuple(sorted(items.values(), key=_by_time))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WindowSample) and self.posts() == other.posts()

    def to_list(self) -> list[list[Any]]:
        return [p.to_list() for p in self.posts()]

    @classmethod
    def from_list(cls, data: Iterable[Sequence[Any]], cap: int = WINDOW_POSTS) -> WindowSample:
        sample = cls(cap)
        for item in data:
            sample.add_post(Post.from_list(item))
        return sample


# --- the incident's sample ----------------------------------------------------------------------


def _by_time(post: Post) -> tuple[int, str]:
    return post.ts_ms, post.id


def _priority(post: Post) -> float:
    return post.weight * _HASH_SPAN / (post_hash(post.id) + 1)


@dataclass(slots=True)
class NarrativeState:
    """Per entity: the ramp's posts while no incident is open, the open incident's sample."""

    incident_id: str | None = None
    posts: list[Post] = field(default_factory=list)  # the incident's priority sample
    threshold: float = 0.0  # the largest priority dropped from it (tau)
    seen: int = 0  # posts of the incident (sampled or not)
    since_ms: int | None = None  # start of the incident's first window (prelude included)
    new_terms: list[str] = field(default_factory=list)  # the storm's new terms, first seen first
    prelude: list[tuple[int, int, list[Post]]] = field(default_factory=list)  # (start, count, posts)
    _heap: list[tuple[float, str, Post]] | None = field(default=None, repr=False, compare=False)  # of `posts`

    @property
    def empty(self) -> bool:
        return self.incident_id is None and not self.prelude

    def observe(
        self,
        start_ms: int,
        count: int,
        posts: Sequence[Post] | Callable[[], Sequence[Post]],
        normal: bool,
        incident_id: str | None,
        new_terms: Sequence[str] = (),
    ) -> None:
        """Account for one closed window, after the lifecycle stepped on it. `posts` may be a
        function giving them: most windows are normal and need none."""
        if incident_id is None and self.incident_id is None and not self.prelude and (normal or not count):
            return  # the usual quiet window: nothing kept, nothing to forget
        if incident_id is None:
            self.incident_id, self.posts, self.threshold, self.seen, self.since_ms = None, [], 0.0, 0, None
            self.new_terms, self._heap = [], None
            if normal or not count:
                self.prelude = []
            else:
                kept = list(posts() if callable(posts) else posts)
                self.prelude = [*self.prelude, (start_ms, count, kept)][-PRELUDE_WINDOWS:]
            return
        if self.incident_id != incident_id:  # a new incident: its ramp first
            self.incident_id, self.posts, self.threshold, self.seen, self.since_ms = incident_id, [], 0.0, 0, None
            self.new_terms, self._heap = [], None
            for p_start, p_count, p_posts in self.prelude:
                self._add_window(p_start, p_count, p_posts)
            self.prelude = []
        self._add_window(start_ms, count, posts() if callable(posts) else posts)
        for term in new_terms:
            if term not in self.new_terms and len(self.new_terms) < MAX_NEW_TERMS:
                self.new_terms.append(term)

    def _add_window(self, start_ms: int, count: int, posts: Sequence[Post]) -> None:
        if not count:
            return
        self.seen += count
        if self.since_ms is None or start_ms < self.since_ms:
            self.since_ms = start_ms
        if not posts:
            return
        weight = count / len(posts)
        heap = self._heap
        if heap is None:
            heap = self._heap = [(_priority(p), p.id, p) for p in self.posts]
            heapq.heapify(heap)
        kept = {e[1] for e in heap}
        for p in posts:
            if p.id in kept:  # the same id again (a re-sent post in a later window): counted once
                continue
            priority = weight * _HASH_SPAN / (post_hash(p.id) + 1)
            if len(heap) < INCIDENT_POSTS:
                heapq.heappush(heap, (priority, p.id, p.with_weight(weight)))
            elif (priority, p.id) > (heap[0][0], heap[0][1]):
                dropped = heapq.heapreplace(heap, (priority, p.id, p.with_weight(weight)))
                self.threshold = max(self.threshold, dropped[0])
            else:
                self.threshold = max(self.threshold, priority)
            kept.add(p.id)
        self.posts = sorted((e[2] for e in heap), key=_by_time)  # the order to_dict keeps

    def estimated_weights(self) -> list[float]:
        """Each kept post's estimate of the posts it stands for: max(weight, tau)."""
        return [max(p.weight, self.threshold) for p in self.posts]

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "posts": [p.to_list() for p in sorted(self.posts, key=_by_time)],
            "threshold": self.threshold,
            "seen": self.seen,
            "since_ms": self.since_ms,
            "new_terms": list(self.new_terms),
            "prelude": [[s, c, [p.to_list() for p in ps]] for s, c, ps in self.prelude],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NarrativeState:
        return cls(
            incident_id=data.get("incident_id"),
            posts=[Post.from_list(p) for p in data.get("posts", ())],
            threshold=float(data.get("threshold", 0.0)),
            seen=int(data.get("seen", 0)),
            since_ms=None if data.get("since_ms") is None else int(data["since_ms"]),
            new_terms=[str(t) for t in data.get("new_terms", ())],
            prelude=[(int(s), int(c), [Post.from_list(p) for p in ps]) for s, c, ps in data.get("prelude", ())],
        )
