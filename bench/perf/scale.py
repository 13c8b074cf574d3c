"""Issue 23's entity-scale benchmark: quiet watched entities must cost almost nothing.

Two measures, both printed by `python -m bench.perf` (part `scale`) and runnable alone:

- replay rate and peak memory of the perf file (bench/perf/workload.py) alone and with N more
  quiet watched entities (each speaks a few times on the first morning, then never), each replay
  in its own child process (its peak RSS is its own), the cases interleaved run by run;
- changelog bytes per minute of event time at 1k, 10k and 100k watched entities with the same
  number speaking each minute: what the worker writes (streams/worker/partitions.py table_value of every
  entity `take_dirty` names, and the clock record), so it should follow the speaking entities,
  not the watched ones;
- the bytes of one dormant entity (issue 23's goal: <= 3 kB serialized, <= 4 kB resident): quiet
  watched entities that spoke on the first morning, caught up over days of idle windows; resident
  is what the engine holds for them (tracemalloc, the entity table's own entries included),
  serialized their table value.

    python -m bench.perf.scale
    python -m bench.perf.scale --mentions 30000 --quiet 2000 --watched 1000 --runs 1   # a quick look
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import orjson

from bench.perf.workload import Shape, cached
from bench.throughput.stats import Row, print_report
from firestorm.models.engine import Engine, EngineSettings
from firestorm.models.frozen import Frozen
from firestorm.models.records import Author, Mention
from firestorm.models.sentiment import Sentiment
from firestorm.streams.worker.partitions import table_value

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / ".run" / "bench-perf"
QUIET_GOAL = 0.8  # rate with the quiet entities / rate without
MEMORY_GOAL_MIB = 100  # more peak memory with 20,000 quiet entities
DORMANT_SERIALIZED_GOAL = 3_000  # bytes of a dormant entity's table value
DORMANT_RESIDENT_GOAL = 4_000  # bytes the engine holds for a dormant entity
MORNING_MS = (6 * 3_600_000, 10 * 3_600_000)  # when the quiet ones speak, from the file's first minute
SPEAKS = 3  # times each quiet entity speaks
TEXTS = ("Following {e} for the launch", "Anyone tried {e} yet?", "{e} newsletter came in today")


def quiet_lines(count: int, start_ms: int, seed: int = 23) -> list[tuple[int, bytes]]:
    """(ts, line) of `count` watched entities speaking SPEAKS times each on the first morning."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        entity = f"watched-{n:06d}"
        for k in range(SPEAKS):
            ts = start_ms + rng.randrange(*MORNING_MS)
            obj = {"id": f"q{n}-{k}", "entity": entity, "ts": ts, "text": TEXTS[k].format(e=entity), "lang": "en"}
            out.append((ts, orjson.dumps(obj)))
    out.sort()
    return out


def with_quiet(base: Path, quiet: int, directory: Path) -> Path:
    """The perf file with `quiet` watched entities merged in event-time order (cached)."""
    path = directory / f"{base.stem}-quiet{quiet}.jsonl"
    if path.exists():
        return path
    lines = base.read_bytes().splitlines()
    timed = [(int(orjson.loads(line)["ts"]), line) for line in lines if line.strip()]
    start = min(ts for ts, _ in timed) if timed else 0
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        for _ts, line in heapq.merge(timed, quiet_lines(quiet, start), key=lambda t: t[0]):
            out.write(line + b"\n")
    tmp.replace(path)
    return path


def peak_rss_kib() -> float:
    """This process's own peak resident set (VmHWM, KiB). Not ru_maxrss: after fork and exec it keeps
    the forking parent's peak, so a child started by a big benchmark process reports the parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def replay_child(path: Path) -> dict[str, float]:
    """Replay `path` in this process (warmed on its first 500 lines): rate, peak RSS, windows."""
    from firestorm.models.pipeline import MentionProcessor
    from firestorm.streams.drills.replay import replay
    from firestorm.streams.formats import jsonl_lines
    from firestorm.streams.heap import settle_heap

    numbered = list(jsonl_lines(str(path)))
    processor = MentionProcessor()
    replay(numbered[:500], EngineSettings(), processor=processor)
    settle_heap()
    before = peak_rss_kib()
    # One engine holds every entity here; the worker's cap is per partition.
    settings = EngineSettings(max_entities=max(EngineSettings().max_entities, 2 * len(numbered)))
    started = time.perf_counter()
    result = replay(numbered, settings, processor=processor)
    seconds = time.perf_counter() - started
    return {
        "mentions": len(numbered),
        "seconds": seconds,
        "rate": len(numbered) / seconds,
        "peak_rss_mib": peak_rss_kib() / 1024,
        "rss_before_mib": before / 1024,
        "windows_closed": result.windows_closed,
        "alerts": len(result.alerts),
    }


def run_child(path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.perf.scale", "--child", str(path)],
        cwd=ROOT,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return dict(orjson.loads(done.stdout.splitlines()[-1]))


def replay_scale(shape: Shape, quiet: list[int], runs: int, directory: Path, notes: list[str]) -> list[Row]:
    """Rate and peak memory alone and with each count of quiet entities, interleaved `runs` times."""
    base = cached(shape, directory)
    paths = {0: base, **{q: with_quiet(base, q, directory) for q in quiet}}
    results: dict[int, list[dict[str, float]]] = {q: [] for q in paths}
    for run in range(runs):
        for q, path in paths.items():
            results[q].append(run_child(path))
        print(f"[{time.strftime('%H:%M:%S')}] scale run {run + 1}/{runs}", file=sys.stderr, flush=True)
    rows = []
    alone = results[0]
    for q, res in results.items():
        name = f"{shape.entities} busy entities" + (f" + {q:,} quiet" if q else " alone")
        rows.append(Row(f"replay, {name}", "mentions/s", [r["rate"] for r in res]))
        rows.append(Row(f"peak RSS, {name}", "MiB", [r["peak_rss_mib"] for r in res]))
        notes.append(
            f"{name}: {res[0]['mentions']:,.0f} mentions, {res[0]['windows_closed']:,.0f} windows materialised, "
            f"{res[0]['alerts']:.0f} alert events"
        )
        if q:
            ratios = [r["rate"] / a["rate"] for r, a in zip(res, alone, strict=True)]
            more = [r["peak_rss_mib"] - a["peak_rss_mib"] for r, a in zip(res, alone, strict=True)]
            goal = q <= 20_000
            rows.append(
                Row(
                    f"rate with {q:,} quiet / alone",
                    "x",
                    ratios,
                    goal=f">= {QUIET_GOAL}x" if goal else "",
                    met=statistics.median(ratios) >= QUIET_GOAL if goal else None,
                )
            )
            rows.append(
                Row(
                    f"more peak RSS with {q:,} quiet",
                    "MiB",
                    more,
                    goal=f"<= {MEMORY_GOAL_MIB}" if goal else "",
                    met=statistics.median(more) <= MEMORY_GOAL_MIB if goal else None,
                )
            )
    return rows


def _mention(entity: str, n: int, ts_ms: int) -> Mention:
    return Mention(
        id=f"{entity}-{n}", entity=entity, ts_ms=ts_ms, text=f"talking about {entity}", lang="en", author=Author("u", 5)
    )


def changelog_bytes(watched: int, speaking: int = 1_000, minutes: int = 20, warm: int = 10) -> dict[str, float]:
    """Bytes the worker would write per minute of event time: every watched entity speaks in the
    first minute, then `speaking` of them (a different set each minute) once a minute."""
    engine = Engine(EngineSettings(max_entities=max(EngineSettings().max_entities, watched)))
    names = [f"watched-{n:06d}" for n in range(watched)]
    sentiment = Sentiment(lang="en", compound=0.2)
    t0 = 1_772_409_600_000
    per_minute: list[int] = []
    written: list[int] = []
    for minute in range(warm + minutes + 1):
        who = (
            names if minute == 0 else [names[(minute * speaking + i) % watched] for i in range(min(speaking, watched))]
        )
        step = 60_000 // max(1, len(who))
        for i, name in enumerate(who):
            engine.ingest(_mention(name, minute, t0 + minute * 60_000 + i * step), sentiment)
        dirty = engine.take_dirty()
        size = sum(len(table_value(0, engine.entities[name])) for name in dirty)
        size += len(orjson.dumps({**engine.clock_state(), "next_offset": 0}))
        if minute > warm:
            per_minute.append(size)
            written.append(len(dirty))
    return {
        "watched": watched,
        "speaking": min(speaking, watched),
        "bytes_per_minute": statistics.median(per_minute),
        "entities_written_per_minute": statistics.median(written),
        "dormant": engine.dormant_count(),
    }


def dormant_entity_bytes(entities: int = 300, days: float = 8.0) -> dict[str, float]:
    """Bytes per dormant entity: `entities` quiet ones speak SPEAKS times on the first morning while
    one entity speaks every minute for `days` (its own state grown before the count starts); then
    every dormant one is caught up (its idle run learned, as before its state is read) and measured."""
    settings = EngineSettings(max_entities=max(EngineSettings().max_entities, entities + 1))
    sentiment = Sentiment(lang="en", compound=0.2)
    t0 = 1_772_409_600_000
    rng = random.Random(23)
    quiet = sorted(
        (t0 + rng.randrange(*MORNING_MS), f"watched-{n:06d}") for n in range(entities) for _ in range(SPEAKS)
    )
    minutes = round(days * 1_440)
    tracemalloc.start()
    try:
        engine = Engine(settings)
        before = 0
        pending = iter(quiet)
        due = next(pending, None)
        for minute in range(minutes + 1):
            now = t0 + minute * 60_000
            if not before and due is not None and due[0] < now:
                before = tracemalloc.get_traced_memory()[0]  # the clock entity's state is grown by now
            while due is not None and due[0] < now:
                engine.ingest(_mention(due[1], due[0], due[0]), sentiment)
                due = next(pending, None)
            engine.ingest(_mention("clock", minute, now), sentiment)
        engine.take_dirty()  # what the worker writes next: not held
        resident = (tracemalloc.get_traced_memory()[0] - before) / entities
    finally:
        tracemalloc.stop()
    # The catch-up (untraced: tracemalloc would slow its float arithmetic tenfold) changes only the
    # compressed states' lengths; their difference is added.
    quiet_states = [state for name, state in engine.entities.items() if name != "clock"]
    packed = sum(len(state.detector) for state in quiet_states if isinstance(state.detector, Frozen))
    engine.catch_up()
    engine.take_dirty()
    after = sum(len(state.detector) for state in quiet_states if isinstance(state.detector, Frozen))
    resident += (after - packed) / entities
    sizes = [len(table_value(0, state)) for name, state in engine.entities.items() if name != "clock"]
    return {
        "entities": entities,
        "days": days,
        "dormant": engine.dormant_count(),
        "resident_bytes": resident,
        "serialized_bytes": statistics.mean(sizes),
        "serialized_max": max(sizes),
    }


def dormant_rows(notes: list[str], entities: int = 300, days: float = 8.0) -> list[Row]:
    res = dormant_entity_bytes(entities, days)
    notes.append(
        f"dormant entity bytes: {res['entities']:,.0f} quiet entities ({res['dormant']:,.0f} dormant) after "
        f"{res['days']:g} days of event time, caught up; largest table value {res['serialized_max']:,.0f} bytes"
    )
    return [
        at_most("a dormant entity, resident", res["resident_bytes"], DORMANT_RESIDENT_GOAL),
        at_most("a dormant entity, serialized (table value)", res["serialized_bytes"], DORMANT_SERIALIZED_GOAL),
    ]


def at_most(name: str, value: float, goal: float) -> Row:
    """One measure in bytes with its upper bound as the goal."""
    return Row(name, "bytes", [value], goal=f"<= {goal:,}", met=value <= goal)


def changelog_rows(watched: list[int], speaking: int, notes: list[str]) -> list[Row]:
    rows = []
    for count in watched:
        res = changelog_bytes(count, speaking)
        rows.append(
            Row(
                f"changelog, {count:,} watched, {res['speaking']:,.0f} speaking a minute",
                "kB/minute",
                [res["bytes_per_minute"] / 1e3],
            )
        )
        notes.append(
            f"{count:,} watched: {res['entities_written_per_minute']:,.0f} entities written a minute, "
            f"{res['dormant']:,.0f} dormant at the end"
        )
    return rows


def file_arguments(p: argparse.ArgumentParser) -> None:
    """The runs and the perf file's shape (shared with `python -m bench.perf`)."""
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--mentions", type=int, default=300_000)
    p.add_argument("--entities", type=int, default=200)
    p.add_argument("--days", type=float, default=2.0)
    p.add_argument("--seed", type=int, default=Shape.seed)


def scale_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", type=int, action="append", help="quiet watched entities added (default 20000, 100000)")
    p.add_argument("--watched", type=int, action="append", help="watched entities (default 1000, 10000, 100000)")
    p.add_argument("--speaking", type=int, default=1_000, help="watched entities speaking each minute")
    p.add_argument("--dormant-entities", type=int, default=300, help="quiet entities whose bytes are measured")
    p.add_argument("--dormant-days", type=float, default=8.0, help="days of event time before they are measured")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    file_arguments(p)
    scale_arguments(p)
    p.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    return p


def rows_and_notes(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    notes: list[str] = []
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    shape = Shape(args.mentions, args.entities, args.days, args.seed)
    rows = replay_scale(shape, args.quiet or [20_000, 100_000], args.runs, args.cache_dir, notes)
    rows += changelog_rows(args.watched or [1_000, 10_000, 100_000], args.speaking, notes)
    rows += dormant_rows(notes, args.dormant_entities, args.dormant_days)
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.child is not None:
        print(orjson.dumps(replay_child(args.child)).decode())
        return 0
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    load = os.getloadavg()
    rows, notes = rows_and_notes(args)
    print_report("Entity scale (issue 23)", load, rows, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
