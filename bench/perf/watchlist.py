"""Issue 23's worker benchmark: a watch list on the real broker, 1,000 entities speaking in any minute.

For each watched count (default 1,000, 10,000 and 100,000), on the broker of
FIRESTORM_KAFKA_PORT (started with deploy/kafka/kafka.sh if none listens, and stopped at the end
only then), in topics and a group named `bench-<tag>-...` (deleted at the end):

1. `--speaking` entities (default 1,000) speak once in each minute of event time, in turn: first
   until every watched entity has spoken (so all of them are in the worker's state: 100 minutes
   for 100,000), then for `--minutes` more; all of it is produced first (keyed by entity, event
   time ending now);
2. one `firestorm worker` consumes it: event time over wall time from its start to its last commit
   (start-up included: a lower bound; >= 1: it keeps up in real time), and its RSS at the end;
3. the entities changelog it wrote, read back: bytes per minute of event time (each record goes to
   the minute its `closed_until_ms` says), median over the steady minutes (the last `--minutes`
   but the first and last two: the newest records, not compacted yet), with the records a minute,
   and how many records the broker's cleaner has already compacted away;
4. the worker is stopped and a new one started on the same state: seconds until it has consumed
   one more mention per partition (Faust's table recovery, the restore of every entity of its
   partitions and the mention itself), and the entities its log says it resumed.

    python -m bench.perf.watchlist
    python -m bench.perf.watchlist --watched 1000 --minutes 5     # a quick look

The 2-worker ratio and the alert latency at half rate are bench.throughput's (`make bench`).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench.throughput import kafka
from bench.throughput.run import PYTHON, Bench, cleanup, free_port, log, rss_of
from bench.throughput.stats import Row, print_report

MINUTE_MS = 60_000
RESTART_GOAL_S = 30.0
RESUMED = re.compile(rb"partition (\d+): resumed (\d+) entities")


def warm_minutes(watched: int, speaking: int) -> int:
    """Minutes in which every watched entity speaks once, `speaking` of them a minute."""
    return -(-watched // max(1, min(speaking, watched)))


def watch_list(watched: int, speaking: int, minutes: int, end_ms: int, seed: int = 23) -> list[tuple[bytes, bytes]]:
    """(key, value) records in event-time order: `speaking` entities a minute, in turn, over the warm
    minutes (every watched entity once) and then `minutes` more (the steady part measured)."""
    rng = random.Random(seed)
    names = [f"watched-{n:06d}" for n in range(watched)]
    talkers = min(speaking, watched)
    total = warm_minutes(watched, talkers) + minutes
    t0 = end_ms - total * MINUTE_MS
    records: list[tuple[int, str]] = []
    for minute in range(total):
        for i in range(talkers):
            n = minute * talkers + i
            if minute * talkers >= watched or n < watched:  # the warm part names each entity once
                records.append((t0 + minute * MINUTE_MS + rng.randrange(MINUTE_MS), names[n % watched]))
    records.sort()
    out = []
    for n, (ts, name) in enumerate(records):
        obj = {"id": f"wl-{n}", "entity": name, "ts": ts, "text": f"What do you make of {name} today?", "lang": "en"}
        out.append((name.encode(), orjson.dumps(obj)))
    return out


def changelog_minutes(bootstrap: str, topic: str) -> tuple[dict[int, list[int]], int]:
    """Event minute (closed_until_ms // 60 s) -> [bytes, records] of an entities changelog topic,
    and how many records it no longer holds (written, then compacted away by the broker)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=5_000)
    minutes: dict[int, list[int]] = {}
    read = 0
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        written = sum(consumer.end_offsets(partitions).values())
        for record in consumer:
            read += 1
            value = record.value or b""
            closed = orjson.loads(value)["s"]["closed_until_ms"] if value else 0
            slot = minutes.setdefault(int(closed) // MINUTE_MS, [0, 0])
            slot[0] += len(record.key or b"") + len(value)
            slot[1] += 1
    finally:
        consumer.close()
    return minutes, written - read


def resumed_entities(log_path: Path) -> tuple[int, int]:
    """(partitions resumed, entities resumed) from a worker's log."""
    found = {int(p): int(n) for p, n in RESUMED.findall(log_path.read_bytes())} if log_path.exists() else {}
    return len(found), sum(found.values())


def run_one(bench: Bench, watched: int, notes: list[str]) -> dict[str, float]:
    args = bench.args
    topic = f"{bench.prefix}-mentions-{watched}"
    admin = kafka.Admin(bench.bootstrap)
    try:
        admin.create(topic, args.partitions)
    finally:
        admin.close()
    records = watch_list(watched, args.speaking, args.minutes, int(time.time() * 1000))
    log(f"{watched:,} watched: producing {len(records):,} mentions")
    kafka.produce(bench.bootstrap, topic, records)
    app_id = f"{bench.prefix}-wl{watched}"
    extra = {"FIRESTORM_IDLE_TIMEOUT": "0", "FIRESTORM_LOG_LEVEL": "info"}
    env = bench.env(app_id, topic, FIRESTORM_METRICS_PORT=str(free_port()), **extra)
    first_log = bench.work_dir() / f"{app_id}-first.log"
    launched = time.monotonic()
    proc = bench.start([PYTHON, "-m", "firestorm.streams.cli", "worker"], env, first_log.stem)
    try:
        samples = bench.follow_group(app_id, topic, len(records), [proc], timeout_s=600 + len(records) / 200)
        rss = rss_of(proc.pid)
    finally:
        bench.stop([proc])
    # From the worker's start (imports, group join and the first minute's new entities included) to
    # the last commit: committed offsets move in steps of seconds, too coarse to time the steady part
    # alone, so this is a lower bound on how much faster than real time it goes.
    busy_s = samples[-1][0] - launched
    minutes, compacted = changelog_minutes(bench.bootstrap, f"{app_id}-firestorm-entities-changelog")
    # The steady part (the last --minutes), its first and last two minutes left out: the newest
    # records, in the segments the broker's cleaner has not compacted yet (it keeps the active one).
    steady = sorted(minutes)[-args.minutes :][2:-2] or sorted(minutes)
    per_minute = statistics.median(minutes[m][0] for m in steady)
    written = statistics.median(minutes[m][1] for m in steady)

    # Restart on the same state: one more mention per partition's worth of keys, then wait for them.
    env = bench.env(app_id, topic, FIRESTORM_METRICS_PORT=str(free_port()), **extra)
    again_log = bench.work_dir() / f"{app_id}-restart.log"
    started = time.monotonic()
    proc = bench.start([PYTHON, "-m", "firestorm.streams.cli", "worker"], env, again_log.stem)
    try:
        markers = min(watched, 8 * args.partitions)
        more = watch_list(markers, markers, 0, int(time.time() * 1000), seed=7)
        more = [(k, v.replace(b'"id":"wl-', b'"id":"again-')) for k, v in more]
        kafka.produce(bench.bootstrap, topic, more)
        bench.follow_group(app_id, topic, len(records) + len(more), [proc], timeout_s=300)
        restart_s = time.monotonic() - started
    finally:
        bench.stop([proc])
    partitions, resumed = resumed_entities(again_log)
    notes.append(
        f"{watched:,} watched: {len(records):,} mentions consumed in {busy_s:.1f} s from start; "
        f"{written:,.0f} entity records a minute; "
        f"{compacted:,} changelog records compacted away by the broker; "
        f"restart resumed {resumed:,} entities on {partitions} partitions"
    )
    return {
        "watched": watched,
        "realtime_factor": (warm_minutes(watched, args.speaking) + args.minutes) * 60 / busy_s,
        "busy_s": busy_s,
        "peak_rss_mib": rss / 2**20,
        "changelog_kb_per_minute": per_minute / 1e3,
        "records_per_minute": written,
        "restart_s": restart_s,
        "resumed": resumed,
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--watched", type=int, action="append", help="watched entities (default 1000, 10000, 100000)")
    p.add_argument("--speaking", type=int, default=1_000, help="entities speaking in each minute after the first")
    p.add_argument("--minutes", type=int, default=20, help="minutes of event time after the first")
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--port", type=int, default=int(os.environ.get("FIRESTORM_KAFKA_PORT", "9092")))
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.minutes < 5 or args.speaking < 1:
        raise SystemExit("--minutes must be at least 5 and --speaking at least 1")
    args.worker_env = []
    load = os.getloadavg()
    started_broker = kafka.ensure_broker(args.port)
    bench = Bench(args)
    rows: list[Row] = []
    notes: list[str] = []
    try:
        for watched in args.watched or [1_000, 10_000, 100_000]:
            res: dict[str, Any] = run_one(bench, watched, notes)
            name = f"{watched:,} watched"
            rows += [
                Row(
                    f"{name}: event time / wall time, start-up included",
                    "x",
                    [res["realtime_factor"]],
                    goal=">= 1 (keeps up)",
                    met=res["realtime_factor"] >= 1,
                ),
                Row(f"{name}: worker RSS at the end", "MiB", [res["peak_rss_mib"]]),
                Row(f"{name}: changelog per minute of event time", "kB/minute", [res["changelog_kb_per_minute"]]),
                Row(
                    f"{name}: restart until a mention of each partition is processed",
                    "s",
                    [res["restart_s"]],
                    goal=f"< {RESTART_GOAL_S:.0f}",
                    met=res["restart_s"] < RESTART_GOAL_S and res["resumed"] >= watched,
                ),
            ]
    finally:
        cleanup(bench)
        if started_broker:
            kafka.stop_broker()
    print_report("Watch list on the worker (issue 23)", load, rows, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
