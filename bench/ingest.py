"""Throughput of `firestorm ingest`'s CPU path: Jetstream frame decoding + watch-list matching + mentions.

Frames are generated in Jetstream's documented v1 shape (the same as tests/streams/ingest/frames),
with texts of 5-40 words from a 20,000-word vocabulary, some accented; a share of them name one of
the watched brands. The watch list has --entities entities, each with a term, a handle, a hashtag
and (one in ten) an exclusion. Each batch of frames goes through the connector's own decoding
(JetstreamConnector._add) and the runner's matching and mention building (Runner.to_records);
network and Kafka are left out (the integration test covers them).

    .venv/bin/python -m bench.ingest                     # 200,000 frames, 1,000 entities
    .venv/bin/python -m bench.ingest --frames 50000 --entities 5000
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import aiohttp
import orjson

from firestorm.streams.ingest.connector import Batch
from firestorm.streams.ingest.jetstream import JetstreamConnector
from firestorm.streams.ingest.runner import Runner
from firestorm.streams.ingest.state import SeenIds, StateStore
from firestorm.streams.ingest.watchlist import LiveWatchList, Matcher, watch_from_table

SYLLABLES = ["ka", "lo", "mi", "ra", "te", "su", "no", "vi", "de", "pa", "zé", "rö", "an", "el", "or", "ch"]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def brands(count: int) -> list[str]:
    return [f"brand{i:04d}" for i in range(count)]


def watch_list(names: list[str]) -> Matcher:
    watches = []
    for i, name in enumerate(names):
        table: dict[str, object] = {
            "terms": [name, f"{name} app"],
            "handles": [f"@{name}.bsky.social"],
            "hashtags": [f"#{name}fail"],
        }
        if i % 10 == 0:
            table["exclude"] = [f"{name} bridge"]
        if i % 7 == 0:
            table["languages"] = ["en", "fr"]
        watches.append(watch_from_table(name, table, "bench"))
    return Matcher(watches)


def frames(count: int, names: list[str], match_share: float, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    words = vocabulary(rng, 20_000)
    out = []
    t0 = 1_764_748_800_000_000
    for n in range(count):
        text_words = rng.choices(words, k=rng.randint(5, 40))
        if rng.random() < match_share:
            text_words.insert(rng.randrange(len(text_words)), rng.choice([f"#{b}fail" for b in names[:50]] + names))
        did = f"did:plc:{rng.getrandbits(120):030x}"
        rkey = f"3l{n:011d}"
        out.append(
            orjson.dumps(
                {
                    "did": did,
                    "time_us": t0 + n * 200,
                    "kind": "commit",
                    "commit": {
                        "rev": rkey,
                        "operation": "create",
                        "collection": "app.bsky.feed.post",
                        "rkey": rkey,
                        "record": {
                            "$type": "app.bsky.feed.post",
                            "createdAt": "2025-12-03T08:00:00.000Z",
                            "langs": [rng.choice(["en", "en", "fr", "ja", "pt", "de"])],
                            "text": " ".join(text_words).capitalize(),
                        },
                        "cid": f"bafyrei{rng.getrandbits(200):050x}",
                    },
                }
            ).decode()
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=200_000)
    parser.add_argument("--entities", type=int, default=1_000)
    parser.add_argument("--match-share", type=float, default=0.02, help="share of posts naming a brand")
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    names = brands(args.entities)
    built = time.perf_counter()
    matcher = watch_list(names)
    build_s = time.perf_counter() - built
    data = frames(args.frames, names, args.match_share)
    messages = [aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, f, None) for f in data]
    size = sum(len(f) for f in data) / len(data)

    watch = LiveWatchList("")
    watch.matcher = matcher
    connector = JetstreamConnector("ws://unused")
    import tempfile

    runner = Runner([connector], watch, sink=None, store=StateStore(Path(tempfile.mkdtemp())))  # type: ignore[arg-type]
    seen = SeenIds()
    mentions = matched = 0
    started = time.perf_counter()
    for offset in range(0, len(messages), args.batch):
        batch = Batch()
        for message in messages[offset : offset + args.batch]:
            connector._add(batch, message)
        out = runner.to_records(batch, seen)
        matched += out.matched
        mentions += len(out.records)
        for key in out.keys:
            seen.add(key)
    elapsed = time.perf_counter() - started
    print(
        f"{args.frames:,} Jetstream frames ({size:.0f} bytes on average), {args.entities:,} watched entities "
        f"({matcher.size:,} terms, automaton built in {build_s * 1000:.0f} ms)\n"
        f"decode + match + mentions: {elapsed:.2f} s = {args.frames / elapsed:,.0f} posts/s; "
        f"{matched:,} posts matched, {mentions:,} mentions"
    )


if __name__ == "__main__":
    main()
