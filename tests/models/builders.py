"""Builders shared by the unit tests: mentions, sentiments and synthetic mention streams."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

from firestorm.models.records import Author, Mention
from firestorm.models.sentiment import Sentiment
from firestorm.models.timeutil import iso_utc
from firestorm.models.windows import WindowStats

T0 = 1_772_409_600_000  # 2026-03-02T00:00:00Z, on a minute (and hour) boundary
SECOND = 1_000
MINUTE = 60_000

QUIET_TEXTS = (
    "Booked a weekend trip with {e} for May, looking forward to it",
    "Checked in online with {e}, the app was quick and easy",
    "The {e} crew were friendly and helpful today",
    "Nice lounge at the airport, thanks {e}",
    "Flying {e} again next week, good value as usual #travel",
)
STORM_TEXTS = (
    "This is a disgrace, @{e} cancelled everything and nobody helps. Worst service ever #{e}fail",
    "Stuck for five hours, @{e} is a total disaster, terrible and awful #{e}fail",
    "Furious with {e}. Angry, stranded and ignored, this is horrible #{e}fail",
    "Never again {e}. Awful, shameful chaos, we are stranded and miserable #{e}fail",
)
AUTHORS = (("alice", 120), ("bob", 45), ("carol", 3_000), ("dave", 8), ("erin", 560), ("news_desk", 250_000))

_DROP = object()


def make_mention(
    id: str = "m1",
    entity: str = "acme",
    ts_ms: int = T0,
    text: str = "hello world",
    lang: str | None = "en",
    author: tuple[str, int] | None = ("alice", 10),
    source: str | None = "x",
    url: str | None = None,
    repost_of: str | None = None,
) -> Mention:
    """A valid Mention built directly, bypassing decoding."""
    return Mention(
        id=id,
        entity=entity,
        ts_ms=ts_ms,
        text=text,
        lang=lang,
        author=Author(*author) if author is not None else None,
        source=source,
        url=url,
        repost_of=repost_of,
    )


def window_stats(
    start_ms: int,
    count: int,
    *,
    size_ms: int = MINUTE,
    negative: int = 0,
    distinct: int | None = None,
    authors: int = 0,
    mean: float | None = None,
    terms: tuple[tuple[str, int], ...] = (),
) -> WindowStats:
    """A closed window of `count` scored mentions, `negative` of them negative, the rest positive;
    every text distinct unless `distinct` says otherwise."""
    share = negative / count if count else 0.0
    return WindowStats(
        entity="acme",
        start_ms=start_ms,
        end_ms=start_ms + size_ms,
        count=count,
        scored=count,
        negative=negative,
        positive=count - negative,
        mean_compound=(0.3 - share) if mean is None else mean,
        unique_authors=authors,
        distinct_texts=count if distinct is None else distinct,
        top_terms=terms,
    )


def sentiment(compound: float | None = 0.0, lang: str = "en") -> Sentiment:
    return Sentiment(lang=lang, compound=compound)


def mention_obj(**fields: Any) -> dict[str, Any]:
    """A mention as the contract's JSON object; pass a field as `DROP` to leave it out."""
    obj: dict[str, Any] = {
        "id": "x:1",
        "entity": "acme",
        "ts": "2026-03-02T00:00:10Z",
        "text": "Flying acme again next week",
        "lang": "en",
        "author": {"id": "alice", "followers": 120},
        "source": "x",
        "url": "https://x.com/alice/status/1",
    }
    obj.update(fields)
    return {k: v for k, v in obj.items() if v is not _DROP}


DROP: Any = _DROP


def mention_bytes(**fields: Any) -> bytes:
    return orjson.dumps(mention_obj(**fields))


def storm_stream(
    entities: Sequence[str] = ("acme", "quietco"),
    storm_entity: str = "acme",
    baseline_minutes: int = 90,
    storm_counts: Sequence[int] = (15, 40, 40, 40, 30),
    tail_minutes: int = 30,
    seed: int = 7,
    start_ms: int = T0,
) -> list[dict[str, Any]]:
    """Mentions sorted by time: a quiet baseline (about 1/minute) for every entity, a negative burst
    for `storm_entity` after `baseline_minutes`, then a quiet tail. About 70% carry `lang`."""
    rng = random.Random(seed)
    total = baseline_minutes + len(storm_counts) + tail_minutes
    out: list[tuple[int, dict[str, Any]]] = []
    for minute in range(total):
        storm_index = minute - baseline_minutes
        for entity in entities:
            storming = entity == storm_entity and 0 <= storm_index < len(storm_counts)
            count = storm_counts[storm_index] if storming else rng.choice((0, 1, 1, 2))
            bank = STORM_TEXTS if storming else QUIET_TEXTS
            for k in range(count):
                ts = start_ms + minute * MINUTE + rng.randrange(MINUTE)
                author, followers = rng.choice(AUTHORS)
                mid = f"x:{entity}-{minute}-{k}"
                obj: dict[str, Any] = {
                    "id": mid,
                    "entity": entity,
                    "ts": iso_utc(ts) if rng.random() < 0.5 else ts,
                    # A number makes each post its own text (real posts differ; copies are discounted).
                    "text": rng.choice(bank).format(e=entity) + f" {minute}{k:03d}",
                    "author": {"id": author, "followers": followers},
                    "source": "x",
                    "url": f"https://x.com/{author}/status/{mid}",
                }
                if rng.random() < 0.7:
                    obj["lang"] = "en"
                if storming and k % 5 == 4:
                    obj["repost_of"] = f"x:{entity}-{minute}-0"
                out.append((ts, obj))
    out.sort(key=lambda pair: (pair[0], pair[1]["id"]))
    return [obj for _ts, obj in out]


def jsonl_bytes(objs: Iterable[dict[str, Any] | bytes]) -> bytes:
    """JSON lines; a bytes item is written as is (for malformed lines)."""
    return b"".join((o if isinstance(o, bytes) else orjson.dumps(o)) + b"\n" for o in objs)


def write_jsonl(path: Path, objs: Iterable[dict[str, Any] | bytes]) -> Path:
    path.write_bytes(jsonl_bytes(objs))
    return path
