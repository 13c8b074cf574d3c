"""Soak benchmark (not a CI test): a real `firestorm worker` fed at 80% of a given rate for 10 minutes.

Usage: python bench/soak.py --rate MAX_PER_S [--load 0.8] [--duration 600] [--interval 30]
                            [--bootstrap 127.0.0.1:9092] [--entities 200] [--json PATH]

It creates topics of its own (a unique app id and topic names) on the broker, starts one worker
subprocess, and produces synthetic mentions stamped with the current time at `load` x `rate` per
second (a mix of English and French posts, 5% negative bursts, some re-sent ids and a few bad
records). Every `interval` seconds it prints: mentions produced and consumed, consumer lag
(messages, from the worker's /metrics), the worker's RSS, the event-time latency (wall clock
minus the newest event time the worker has processed, from firestorm_watermark_delay_seconds
minus the allowed lateness) and the batch processing time. At the end it says whether lag,
memory and latency stayed flat: the second half of the run against the first half.

`--rate` is the worker's measured maximum throughput on this machine (for instance from
`python -m bench.throughput`); the soak runs below it, so the lag must not grow. The broker is
never stopped; the worker is stopped and the soak's topics are deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson
from kafka import KafkaAdminClient, KafkaProducer

REPO = Path(__file__).resolve().parents[1]
TEXTS_EN = [
    "Flying {e} next week, the app made check-in easy",
    "{e} support answered in minutes, nice",
    "Is the {e} lounge open on Sundays?",
    "{e} lost my bag again, terrible service, never again",
]
TEXTS_FR = [
    "Super vol avec {e}, équipage adorable",
    "Retard de trois heures avec {e}, c'est nul",
    "{e} a changé mon billet",
]
ANGRY = "{e} outage, stuck for hours, awful and furious #{e}fail"


@dataclass
class Sample:
    elapsed_s: float
    produced: int
    consumed: float
    lag: float
    rss_mib: float
    latency_s: float
    batch_mean_ms: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scrape(port: int) -> dict[str, float]:
    """Sum of each metric's samples (all labels), and the histogram quantile inputs we need."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return {}
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        name_labels, value = line.rsplit(" ", 1)
        name = name_labels.split("{", 1)[0]
        try:
            number = float(value)
        except ValueError:
            continue
        if name == "firestorm_watermark_delay_seconds":
            values[name] = max(values.get(name, 0.0), number)
        else:
            values[name] = values.get(name, 0.0) + number
    return values


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Feeder(threading.Thread):
    """Produces mentions at a steady rate until stopped; counts what it sent."""

    def __init__(self, bootstrap: str, topic: str, rate: float, entities: int, seed: int = 7) -> None:
        super().__init__(name="soak producer", daemon=True)
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=20)
        self.topic = topic
        self.rate = rate
        self.entities = [f"brand{i:03d}" for i in range(entities)]
        self.rng = random.Random(seed)
        self.sent = 0
        self.stop_event = threading.Event()

    def mention(self) -> tuple[bytes, bytes]:
        rng = self.rng
        if rng.random() < 0.001:
            return b"brand000", b"not json at all"
        resend = self.sent and rng.random() < 0.01
        mid = f"soak-{rng.randrange(self.sent)}" if resend else f"soak-{self.sent}"  # 1% re-sent ids
        entity = rng.choice(self.entities[:5]) if rng.random() < 0.3 else rng.choice(self.entities)
        burst = entity == self.entities[0] and (time.time() // 60) % 20 == 0  # a storm 1 minute in 20
        french = rng.random() < 0.3
        text = (ANGRY if burst else rng.choice(TEXTS_FR if french else TEXTS_EN)).format(e=entity)
        obj = {
            "id": mid,
            "entity": entity,
            "ts": int(time.time() * 1000),
            "text": f"{text} {self.sent}",
            "lang": "fr" if french and not burst else "en",
            "author": {"id": f"u{rng.randrange(5000)}", "followers": rng.randrange(10_000)},
            "source": "x",
        }
        return entity.encode(), orjson.dumps(obj)

    def run(self) -> None:
        started = time.perf_counter()
        while not self.stop_event.is_set():
            due = started + self.sent / self.rate
            ahead = due - time.perf_counter()
            if ahead > 0:
                time.sleep(min(ahead, 0.05))
                continue
            key, value = self.mention()
            self.producer.send(self.topic, key=key, value=value)
            self.sent += 1
        self.producer.flush(timeout=30)
        self.producer.close(timeout=10)


def slope_per_minute(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 2 or statistics.pvariance(xs) == 0:
        return 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return cov / sum((x - mx) ** 2 for x in xs) * 60


def verdict(samples: list[Sample], rate: float) -> dict[str, object]:
    """Flat means: the second half is no worse than the first beyond noise, and nothing trends up."""
    if len(samples) >= 6:
        samples = samples[2:]  # the first minute is warm-up (imports, caches, the group joining)
    half = len(samples) // 2
    first, second = samples[:half] or samples, samples[half:] or samples
    out: dict[str, object] = {}
    for name, tolerance in (("lag", rate * 2.0), ("rss_mib", 20.0), ("latency_s", 2.0)):
        a = statistics.fmean(getattr(s, name) for s in first)
        b = statistics.fmean(getattr(s, name) for s in second)
        trend = slope_per_minute([s.elapsed_s for s in second], [getattr(s, name) for s in second])
        flat = b - a <= tolerance and trend * 5 <= tolerance  # five more minutes would not cross it
        out[name] = {
            "first_half": round(a, 2),
            "second_half": round(b, 2),
            "trend_per_min": round(trend, 3),
            "flat": flat,
        }
    out["flat"] = all(v["flat"] for v in out.values() if isinstance(v, dict))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, required=True, help="the worker's measured maximum, mentions/s")
    parser.add_argument("--load", type=float, default=0.8, help="fraction of --rate to produce (default 0.8)")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of soak (default 600)")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between reports (default 30)")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument("--json", type=Path, help="write the samples and the verdict here")
    args = parser.parse_args()

    tag = uuid.uuid4().hex[:8]
    topic = f"soak-mentions-{tag}"
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="firestorm-soak-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRESTORM_")}
    env.update(
        FIRESTORM_BROKER=f"kafka://{args.bootstrap}",
        FIRESTORM_APP_ID=f"firestorm-soak-{tag}",
        FIRESTORM_MENTIONS_TOPIC=topic,
        FIRESTORM_ALERTS_TOPIC=f"soak-alerts-{tag}",
        FIRESTORM_CONTROL_TOPIC=f"soak-control-{tag}",
        FIRESTORM_METRICS_PORT=str(port),
        FIRESTORM_DATA_DIR=str(data_dir),
        FIRESTORM_LOG_LEVEL="warning",
    )
    log_path = data_dir / "worker.log"
    rate = args.rate * args.load
    print(f"# soak: {rate:,.0f} mentions/s ({args.load:.0%} of {args.rate:,.0f}) for {args.duration:.0f}s, "
          f"{args.entities} entities, worker log {log_path}", flush=True)  # fmt: skip
    with log_path.open("ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "firestorm.streams.cli", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    feeder: Feeder | None = None
    samples: list[Sample] = []
    try:
        deadline = time.monotonic() + 90
        while "firestorm_mentions_consumed_total" not in scrape(port):
            if worker.poll() is not None or time.monotonic() > deadline:
                print(log_path.read_text()[-3000:], file=sys.stderr)
                raise SystemExit("the worker did not start")
            time.sleep(1)
        time.sleep(5)  # joined its group
        feeder = Feeder(args.bootstrap, topic, rate, args.entities)
        feeder.start()
        started = time.monotonic()
        print(
            f"{'t':>5} {'produced':>9} {'consumed':>9} {'lag':>7} {'rss MiB':>8} {'latency s':>9} {'batch mean ms':>12}"
        )
        previous: dict[str, float] = {}
        while time.monotonic() - started < args.duration:
            time.sleep(args.interval)
            if worker.poll() is not None:
                raise SystemExit(f"the worker exited with {worker.returncode}: see {log_path}")
            m = scrape(port)
            count = m.get("firestorm_batch_processing_seconds_count", 0) - previous.get(
                "firestorm_batch_processing_seconds_count", 0
            )
            total = m.get("firestorm_batch_processing_seconds_sum", 0) - previous.get(
                "firestorm_batch_processing_seconds_sum", 0
            )
            previous = m
            sample = Sample(
                elapsed_s=round(time.monotonic() - started, 1),
                produced=feeder.sent,
                consumed=m.get("firestorm_mentions_consumed_total", float("nan")),
                lag=m.get("firestorm_consumer_lag", float("nan")),
                rss_mib=round(rss_mib(worker.pid), 1),
                latency_s=round(max(0.0, m.get("firestorm_watermark_delay_seconds", float("nan")) - 30.0), 2),
                batch_mean_ms=round(total / count * 1000, 1) if count else float("nan"),  # mean per batch
            )
            samples.append(sample)
            s = sample
            row = f"{s.elapsed_s:>5.0f} {s.produced:>9,} {s.consumed:>9,.0f} {s.lag:>7,.0f} {s.rss_mib:>8.1f}"
            print(f"{row} {s.latency_s:>9.2f} {s.batch_mean_ms:>13.1f}", flush=True)
    finally:
        if feeder is not None:
            feeder.stop_event.set()
            feeder.join(timeout=30)
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
        try:
            admin = KafkaAdminClient(bootstrap_servers=args.bootstrap)
            mine = [t for t in admin.list_topics() if tag in t]
            if mine:
                admin.delete_topics(mine)
            admin.close()
        except Exception as exc:  # leftover topics are harmless; say so and go on
            print(f"# could not delete the soak topics: {exc}", file=sys.stderr)
    result = verdict(samples, rate) if samples else {"flat": False}
    print("# " + ", ".join(f"{k}: {v}" for k, v in result.items()))
    word = "FLAT" if result["flat"] else "NOT FLAT"
    print(f"# {word}: lag, memory and latency over {args.duration:.0f}s at {rate:,.0f}/s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"rate": rate, "samples": [asdict(s) for s in samples], "verdict": result}, indent=1)
        )
    return 0 if result["flat"] else 1


if __name__ == "__main__":
    sys.exit(main())
