"""Per-entity tumbling windows in event time: what is accumulated and what a closed window says."""

from __future__ import annotations

import heapq
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from firestorm.models.crisis_events import crisis_terms
from firestorm.models.field_codec import FieldCodec, stored
from firestorm.models.narratives import Post, WindowSample
from firestorm.models.records import Mention
from firestorm.models.sentiment import POSITIVE_COMPOUND, Sentiment
from firestorm.models.text import PieceMemo, has_link, lowered_for_terms, terms_of, terms_of_pieces, without_entity

MAX_SAMPLES = 5
TOP_K = 10
_NOISE = re.compile(r"https?://\S+|[@#]?\W+")
_WORD = re.compile(r"\w+")


def _words(piece: str) -> str:
    """The word runs of a whitespace-free piece, joined by single spaces."""
    return " ".join(_WORD.findall(piece))


_WORDS = PieceMemo(_words)


def content_key(text: str) -> int:
    """A stable fingerprint of a post's words, so copies of one text count as one voice."""
    lowered = text.lower()
    if "http" in lowered:
        return zlib.crc32(_NOISE.sub(" ", lowered).strip().encode("utf-8", "surrogatepass"))
    return _key_of_pieces(lowered.split())


def _key_of_pieces(pieces: list[str]) -> int:
    """content_key of a post without a link, from its lower-cased pieces: _NOISE then leaves the
    runs of word characters joined by single spaces, and no run spans whitespace, so they are
    the runs of the pieces, in order."""
    words = " ".join(filter(None, map(_WORDS.__getitem__, pieces)))
    return zlib.crc32(words.encode("utf-8", "surrogatepass"))


def key_and_terms(text: str) -> tuple[int, set[str], set[str]]:
    """(content_key, terms, hashtags) of a post, from one lower-casing and one split when it
    holds no link: the two read the same pieces (a typographic apostrophe, made plain for the
    terms, is not a word character either way)."""
    lowered = lowered_for_terms(text)
    if has_link(lowered):
        return (content_key(text), *terms_of(text))
    pieces = lowered.split()
    return (_key_of_pieces(pieces), *terms_of_pieces(lowered, pieces))


def window_start(ts_ms: int, size_ms: int) -> int:
    """Start of the epoch-aligned window holding `ts_ms`."""
    return ts_ms - ts_ms % size_ms


@dataclass(slots=True)
class WindowCounts:
    """Where a window starts and how many of its mentions came, were scored, read negative and read
    positive: what the open window counts and the closed one reports as they are."""

    start_ms: int = field(metadata=stored("start"))  # "start" in the changelog form
    count: int = 0
    scored: int = 0
    negative: int = 0
    positive: int = 0


@dataclass(slots=True)
class WindowStats(WindowCounts):
    """What one closed window of one entity says; a quiet window has count 0.

    Read-only by convention, not frozen: every entity closes a window every minute, and a
    frozen dataclass costs seven times as much to build (2.9 against 0.4 us here)."""

    # Keyword-only, as the counts before them have defaults: per field, since the class's kw_only=True
    # would make the defaulted fields keyword-only too, slower to fill in (a quiet window is built for
    # every entity every minute).
    entity: str = field(kw_only=True)
    end_ms: int = field(kw_only=True)
    mean_compound: float = 0.0
    unique_authors: int = 0
    reach: int = 0
    reposts: int = 0
    distinct_texts: int = 0
    top_terms: tuple[tuple[str, int], ...] = ()
    top_hashtags: tuple[tuple[str, int], ...] = ()
    top_authors: tuple[tuple[str, int], ...] = ()
    samples: tuple[tuple[str, str | None], ...] = ()
    languages: tuple[tuple[str, int], ...] = ()
    crisis_terms: tuple[tuple[str, int], ...] = ()  # crisis-event words (models/crisis_events.py) and their counts
    post_sample: WindowSample | None = field(default=None, compare=False, repr=False)  # for the narratives

    @property
    def posts(self) -> tuple[Post, ...]:
        """The window's sample of posts (made into Posts only when asked for)."""
        return self.post_sample.posts() if self.post_sample is not None else ()

    @property
    def negative_share(self) -> float:
        """Share of scored mentions that are negative (0 when none were scored)."""
        return self.negative / self.scored if self.scored else 0.0

    def effective_volume(self, copy_weight: float) -> float:
        """Mentions with copies discounted: each distinct text counts 1, each further copy `copy_weight`."""
        return self.distinct_texts + copy_weight * (self.count - self.distinct_texts)


def _by_count(kv: tuple[str, int]) -> tuple[int, str]:
    return -kv[1], kv[0]


def _top(counts: dict[str, int], k: int) -> tuple[tuple[str, int], ...]:
    """The k most frequent keys, ties by key. Only keys counted at least as often as the k-th
    largest count are sorted (a window's terms are mostly counted once or twice)."""
    if len(counts) <= 1:  # most windows of most entities hold a mention or two
        return tuple(counts.items())
    if len(counts) <= k:
        return tuple(sorted(counts.items(), key=_by_count))
    floor = heapq.nlargest(k, counts.values())[-1]
    return tuple(sorted([kv for kv in counts.items() if kv[1] >= floor], key=_by_count)[:k])


def _pair_lists(pairs: list[tuple[str, str | None]]) -> list[list[str | None]]:
    return list(map(list, pairs))


def _pairs(lists: list[list[Any]]) -> list[tuple[str, str | None]]:
    return [(p[0], p[1]) for p in lists]


@dataclass(slots=True)
class WindowAccumulator(WindowCounts):
    """The running totals of one open window; serialisable so Faust can changelog it."""

    compound_sum: float = 0.0
    reach: int = 0
    reposts: int = 0
    authors: dict[str, int] = field(default_factory=dict)
    terms: dict[str, int] = field(default_factory=dict)
    hashtags: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    samples: list[tuple[str, str | None]] = field(
        default_factory=list, metadata=stored(encode=_pair_lists, decode=_pairs)
    )
    ids: set[str] = field(default_factory=set, metadata=stored(encode=sorted))
    texts: set[int] = field(default_factory=set, metadata=stored(encode=sorted, missing=()))
    posts: WindowSample = field(  # for the narratives
        default_factory=WindowSample,
        metadata=stored(encode=WindowSample.to_list, decode=WindowSample.from_list, missing=()),
    )

    def add(self, mention: Mention, sentiment: Sentiment) -> None:
        """Count one accepted mention into this window."""
        self.count += 1
        self.ids.add(mention.id)
        self.languages[sentiment.lang] = self.languages.get(sentiment.lang, 0) + 1
        if sentiment.compound is not None:
            self.scored += 1
            self.compound_sum += sentiment.compound
            if sentiment.negative:
                self.negative += 1
            elif sentiment.compound >= POSITIVE_COMPOUND:
                self.positive += 1
        if mention.author is not None:
            self.reach += mention.author.followers
            known = self.authors.get(mention.author.id, -1)
            self.authors[mention.author.id] = max(known, mention.author.followers)
        if mention.repost_of:
            self.reposts += 1
        key, terms, hashtags = key_and_terms(mention.text)
        self.texts.add(key)
        for term in terms:
            self.terms[term] = self.terms.get(term, 0) + 1
        for tag in hashtags:
            self.hashtags[tag] = self.hashtags.get(tag, 0) + 1
        if len(self.samples) < MAX_SAMPLES and not mention.repost_of:
            self.samples.append((mention.id, mention.url))
        self.posts.offer(mention, sentiment)

    def close(self, entity: str, size_ms: int) -> WindowStats:
        """Summarise the window once the watermark has passed its end."""
        return WindowStats(
            entity=entity,
            start_ms=self.start_ms,
            end_ms=self.start_ms + size_ms,
            count=self.count,
            scored=self.scored,
            negative=self.negative,
            positive=self.positive,
            mean_compound=self.compound_sum / self.scored if self.scored else 0.0,
            unique_authors=len(self.authors),
            reach=self.reach,
            reposts=self.reposts,
            distinct_texts=len(self.texts),
            top_terms=_top(without_entity(self.terms, entity), TOP_K),
            top_hashtags=_top(without_entity(self.hashtags, entity), TOP_K),
            top_authors=_top(self.authors, TOP_K),
            samples=tuple(self.samples),
            languages=_top(self.languages, 10),
            crisis_terms=crisis_terms(self.terms),
            post_sample=self.posts,
        )

    def to_dict(self) -> dict[str, Any]:
        """The changelog form (models/field_codec.py; the fields' `stored` metadata say what is not as is)."""
        return WINDOW_FORM.encode(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WindowAccumulator:
        """Read a changelog form back (one written before `texts` or `posts` existed leaves them empty)."""
        return WINDOW_FORM.decode(data)


# The codec itself: the changelog flush calls its `encode` straight, one call less a window.
WINDOW_FORM = FieldCodec(WindowAccumulator)


def empty_window(entity: str, start_ms: int, size_ms: int) -> WindowStats:
    """A window in which the entity had no mentions: a quiet minute is data."""
    return WindowStats(entity=entity, start_ms=start_ms, end_ms=start_ms + size_ms)
