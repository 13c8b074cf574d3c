"""Embedded replay throughput and memory on the bundled samples (a benchmark, not a test).

Usage: python bench/replay_bench.py [--runs 5] [--sentiment vader|vader+crisis] [FILE ...]
Prints mentions/s per file (median of the runs, and the spread), mentions per CPU second (the
process's CPU time: steadier than the wall clock on a shared machine) and the peak RSS.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

from firestorm.models.engine import EngineSettings
from firestorm.models.pipeline import MentionProcessor
from firestorm.models.sentiment import DEFAULT_MODE, SENTIMENT_MODES, SentimentScorer
from firestorm.streams.drills.replay import replay
from firestorm.streams.formats import jsonl_lines

DEFAULT_FILES = ["examples/skyway-outage-en.jsonl", "examples/maison-rappel-fr.jsonl"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", default=DEFAULT_FILES)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sentiment", choices=SENTIMENT_MODES, default=DEFAULT_MODE)
    args = parser.parse_args()
    processor = MentionProcessor(SentimentScorer(args.sentiment))  # shared: lexicons and the language model load once
    print(
        f"# embedded replay, {args.runs} runs per file, sentiment {args.sentiment}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    print(f"{'file':<40} {'mentions':>9} {'median/s':>10} {'min/s':>9} {'max/s':>9} {'cpu/s':>9} {'alerts':>7}")
    for path in args.files:
        lines = list(jsonl_lines(path))  # read once: measure the engine, not the disk
        rates = []
        cpu_rates = []
        alerts = 0
        for _ in range(args.runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            result = replay(lines, EngineSettings(), processor=processor)
            rates.append(len(lines) / (time.perf_counter() - started))
            cpu_rates.append(len(lines) / (time.process_time() - cpu_started))
            alerts = len(result.alerts)
        print(
            f"{Path(path).name:<40} {len(lines):>9} {statistics.median(rates):>10,.0f} "
            f"{min(rates):>9,.0f} {max(rates):>9,.0f} {statistics.median(cpu_rates):>9,.0f} {alerts:>7}"
        )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mib:.0f} MiB (whole process, files held in memory)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
