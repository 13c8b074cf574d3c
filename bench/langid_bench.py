"""Language identification speed: py3langid's classify against firestorm.models.langid_fast (a benchmark, not a test).

Usage: OPENBLAS_NUM_THREADS=1 python bench/langid_bench.py [--texts 3000] [--runs 3]
(without OPENBLAS_NUM_THREADS=1, OpenBLAS's idle threads spin after each NumPy product and their CPU
time lands in py3langid's column)
Two workloads: `textmaker` (tweet-like EN and FR texts from bench/throughput/data.py, which repeat
like real streams do) and `unique` (each TextMaker text plus random words and a random number, so
no text repeats). Columns, in microseconds of process CPU time per text (median of the runs):
  py3langid  LanguageIdentifier.classify, as detect_language called it before
  cold       a new FastLanguageIdentifier (empty caches) on the texts
  warm       a FastLanguageIdentifier first fed as many other texts of the same workload
  repeat     the same texts a second time (text memo)
After checking every label equals py3langid's; `fallbacks` counts texts the fast path handed to
py3langid (near-ties, no features).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.throughput.data import TextMaker
from firestorm.models.langid_fast import FastLanguageIdentifier
from firestorm.models.language import _identifier


def per_text_us(label: Callable[[str], object], texts: list[str]) -> float:
    """CPU time of this process per text (the 2 CPUs are shared: wall time counts others' work)."""
    started = time.process_time()
    for text in texts:
        label(text)
    return (time.process_time() - started) / len(texts) * 1e6


def textmaker(maker: TextMaker, rng: random.Random, count: int) -> list[str]:
    return maker.texts("en", count - count // 2) + maker.texts("fr", count // 2)


def unique(maker: TextMaker, rng: random.Random, count: int) -> list[str]:
    base = textmaker(maker, rng, count)
    words = [w for text in base for w in text.split()]
    return [f"{t} {' '.join(rng.choice(words) for _ in range(3))} {rng.randrange(10**9)}" for t in base]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=3000, help="texts per workload")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    identifier = _identifier()
    started = time.perf_counter()
    FastLanguageIdentifier(identifier)
    prepare_ms = (time.perf_counter() - started) * 1e3
    print(
        f"# langid: {args.texts} texts per workload, median of {args.runs} runs, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
        f"fast path set-up {prepare_ms:.0f} ms once"
    )
    print(
        f"{'workload':<10} {'bytes/text':>10} {'py3langid':>10} {'cold':>7} {'warm':>7} {'repeat':>7} "
        f"{'speed-up cold/warm':>19} {'mismatches':>11} {'fallbacks':>10}"
    )
    for name, make in (("textmaker", textmaker), ("unique", unique)):
        maker, rng = TextMaker(args.seed), random.Random(args.seed)
        warmup, texts = make(maker, rng, args.texts), make(maker, rng, args.texts)
        check = FastLanguageIdentifier(identifier)
        mismatches = sum(check.label(t) != identifier.classify(t)[0] for t in texts)
        runs: dict[str, list[float]] = {"py3langid": [], "cold": [], "warm": [], "repeat": []}
        for _ in range(args.runs):
            runs["py3langid"].append(per_text_us(identifier.classify, texts))
            cold = FastLanguageIdentifier(identifier)
            runs["cold"].append(per_text_us(cold.label, texts))
            runs["repeat"].append(per_text_us(cold.label, texts))
            warm = FastLanguageIdentifier(identifier)
            for text in warmup:
                warm.label(text)
            runs["warm"].append(per_text_us(warm.label, texts))
        us = {key: statistics.median(values) for key, values in runs.items()}
        size = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts) / len(texts)
        ratios = f"{us['py3langid'] / us['cold']:.1f}x / {us['py3langid'] / us['warm']:.1f}x"
        print(
            f"{name:<10} {size:>10.0f} {us['py3langid']:>10.1f} {us['cold']:>7.1f} {us['warm']:>7.1f} "
            f"{us['repeat']:>7.2f} {ratios:>19} {mismatches:>11} {check.fallbacks:>10}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
