"""Measurements that run in their own process: `python -m bench.throughput.probes NAME ...`.

- `raw`: the ceiling loop, aiokafka getmany -> orjson -> fast VADER -> per-entity window dicts.
- `replay`: the embedded replay of a JSON-lines file (as `firestorm replay FILE` does).
- `memory`: RSS of an engine holding N active entities with their full baseline history, plus
  the serialized copy of each entity the worker's changelogged table keeps.
- `state-size`: where the bytes of one such entity go (deep size per field, table value size).
Each prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import time
from pathlib import Path
from typing import Any

import orjson

WINDOW_MS = 60_000


def rss_bytes() -> int:
    """Resident set size of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def raw_ceiling(bootstrap: str, topic: str, total: int, partitions: int) -> dict[str, Any]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from firestorm.models.vader_fast import analyzer

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", fetch_max_bytes=50 << 20
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        await consumer.seek_to_beginning()
        vader = {"en": analyzer("en"), "fr": analyzer("fr")}
        windows: dict[str, dict[int, list[float]]] = {}
        seen = 0
        started = None
        while seen < total:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            if started is None and batches:
                started = time.perf_counter()
            for records in batches.values():
                for record in records:
                    obj = orjson.loads(record.value)
                    compound = vader[obj.get("lang") or "en"].compound(obj["text"])
                    per_entity = windows.setdefault(obj["entity"], {})
                    start = obj["ts"] - obj["ts"] % WINDOW_MS
                    acc = per_entity.get(start)
                    if acc is None:
                        acc = per_entity[start] = [0, 0, 0.0]
                    acc[0] += 1
                    acc[1] += compound <= -0.05
                    acc[2] += compound
                    seen += 1
        elapsed = time.perf_counter() - (started or time.perf_counter())
    finally:
        await consumer.stop()
    return {"mentions": seen, "seconds": elapsed, "rate": seen / elapsed if elapsed else 0.0, "entities": len(windows)}


def replay_file(path: str) -> dict[str, Any]:
    from firestorm.models.engine import EngineSettings
    from firestorm.models.pipeline import MentionProcessor
    from firestorm.streams.drills.replay import replay
    from firestorm.streams.formats import jsonl_lines

    processor = MentionProcessor()
    processor.scorer.score("warm up the lexicons", "en")
    processor.scorer.score("on charge les lexiques", "fr")
    started = time.perf_counter()
    result = replay(jsonl_lines(path), EngineSettings(), processor=processor)
    elapsed = time.perf_counter() - started
    return {
        "mentions": result.tally.consumed,
        "seconds": elapsed,
        "rate": result.tally.consumed / elapsed,
        "alerts": len(result.alerts),
        "windows_closed": result.windows_closed,
    }


def history_engine(detector: str, per_window: int, seed: int = 5) -> Any:
    """An engine whose one entity, "template", has a full baseline history and an open window
    of `per_window` mentions."""
    from bench.throughput.data import EPOCH_MS, TextMaker
    from firestorm.models.engine import Engine, EngineSettings
    from firestorm.models.records import mention_from_obj
    from firestorm.models.sentiment import SentimentScorer

    scorer = SentimentScorer()
    maker = TextMaker(seed)
    rng = random.Random(seed)
    settings = EngineSettings(detector=detector)
    history_windows = history_windows_of(detector)  # enough to fill the detector state
    engine = Engine(settings)

    def mention(n: int, ts: int, entity: str) -> tuple[Any, Any]:
        lang = "en" if rng.random() < 0.8 else "fr"
        obj = {
            "id": f"x:{entity}-{n}",
            "entity": entity,
            "ts": ts,
            "text": maker.text(lang),
            "lang": lang,
            "author": {"id": f"user{rng.randint(1, 50_000)}", "followers": rng.randint(1, 5000)},
            "source": "x",
            "url": f"https://x.com/u/status/{entity}-{n}",
        }
        m = mention_from_obj(obj)
        return m, scorer.score(m.text, m.lang)

    n = 0
    for w in range(history_windows):
        if w % 7 == 0 or w >= history_windows - 2:
            for _ in range(per_window if w >= history_windows - 2 else 1):
                engine.ingest(*mention(n, EPOCH_MS + w * WINDOW_MS + rng.randint(0, WINDOW_MS - 1), "template"))
                n += 1
    return engine


def history_windows_of(detector: str) -> int:
    # A week for the seasonal detector's hour-of-week profile, warm-up plus a day for the poisson one.
    return 7 * 24 * 60 if detector == "seasonal" else 26 * 60


def memory(entities: int, detector: str, per_window: int, seed: int = 5) -> dict[str, Any]:
    """RSS with `entities` active entities, each with a full baseline history and open windows."""
    import firestorm.streams.worker.install  # a worker's imports: Faust, aiokafka, metrics, ...
    import firestorm.streams.worker.partitions
    from firestorm.models.engine import Engine, EntityState

    engine = history_engine(detector, per_window, seed)
    settings = engine.settings
    template = engine.entities["template"].to_dict()
    gc.collect()
    before = rss_bytes()
    states: dict[str, EntityState] = {}
    table: dict[bytes, bytes] = {}  # the worker's in-memory changelogged table keeps each state serialized
    for i in range(entities):
        name = f"brand-{i:05d}"
        data = orjson.loads(orjson.dumps(template))
        data["entity"] = name
        for acc in data["open"]:
            acc["ids"] = [f"{name}-{x}" for x in acc["ids"]]
        state = EntityState.from_dict(data)
        states[name] = state
        table[name.encode()] = firestorm.streams.worker.partitions.table_value(0, state)
    big = Engine(settings, entities=states, clock_ms=engine.clock_ms, closed_boundary_ms=engine.closed_boundary_ms)
    gc.collect()
    after = rss_bytes()
    open_windows = sum(len(s.open) for s in big.entities.values())
    return {
        "entities": entities,
        "detector": detector,
        "rss_before": before,
        "rss_after": after,
        "bytes_per_entity": (after - before) / entities,
        "state_json_bytes": len(orjson.dumps(template)),
        "open_windows": open_windows,
        "mentions_per_open_window": per_window,
        "history_windows": history_windows_of(detector),
    }


def deep_size(obj: Any, seen: set[int] | None = None) -> int:
    """Bytes of `obj` and everything it holds (each object once; shared small ints and interned
    strings are counted at their first sight, so this is an upper bound per entity)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, list | tuple | set | frozenset):
        size += sum(deep_size(x, seen) for x in obj)
    elif hasattr(obj, "__slots__"):
        size += sum(deep_size(getattr(obj, a), seen) for a in obj.__slots__ if hasattr(obj, a))
    return size


def state_size(detector: str, per_window: int, seed: int = 5) -> dict[str, Any]:
    """Where one entity's bytes go (the memory probe's entity, after a restore as the worker does
    it): deep size of each EntityState field, each detector-state key and each open-window field,
    and the size of the entity's table value."""
    import firestorm.streams.worker.partitions
    from firestorm.models.engine import EntityState

    engine = history_engine(detector, per_window, seed)
    state = EntityState.from_dict(orjson.loads(orjson.dumps(engine.entities["template"].to_dict())))
    return {
        "detector": detector,
        "total": deep_size(state),
        "fields": {f: deep_size(getattr(state, f)) for f in EntityState.__slots__},
        "detector_state": {
            k: deep_size(v)
            for k, v in (
                state.detector.items()
                if isinstance(state.detector, dict)
                else ((f, getattr(state.detector, f)) for f in type(state.detector).__slots__)
            )
        },
        "open_window": {
            f: sum(deep_size(getattr(acc, f)) for acc in state.open.values())
            for f in type(next(iter(state.open.values()))).__slots__
        }
        if state.open
        else {},
        "table_value_bytes": len(firestorm.streams.worker.partitions.table_value(0, state)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="probe", required=True)
    raw = sub.add_parser("raw")
    raw.add_argument("--bootstrap", required=True)
    raw.add_argument("--topic", required=True)
    raw.add_argument("--total", type=int, required=True)
    raw.add_argument("--partitions", type=int, default=4)
    rep = sub.add_parser("replay")
    rep.add_argument("path")
    mem = sub.add_parser("memory")
    mem.add_argument("--entities", type=int, default=10_000)
    mem.add_argument("--detector", default="poisson")
    mem.add_argument("--per-window", type=int, default=5)
    size = sub.add_parser("state-size")
    size.add_argument("--detector", default="seasonal")
    size.add_argument("--per-window", type=int, default=5)
    args = parser.parse_args(argv)
    if args.probe == "raw":
        out = asyncio.run(raw_ceiling(args.bootstrap, args.topic, args.total, args.partitions))
    elif args.probe == "replay":
        out = replay_file(args.path)
    elif args.probe == "state-size":
        out = state_size(args.detector, args.per_window)
    else:
        out = memory(args.entities, args.detector, args.per_window)
    sys.stdout.write(orjson.dumps(out).decode() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
