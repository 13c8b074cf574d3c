"""Issue 19's engine benchmark in one command: `python -m bench.perf`.

Generates (once, cached under .run/bench-perf/ by its arguments) a many-entity file as rough as
reality (bench/perf/workload.py: 300k mentions, 200 entities, 2 days by default), reads it into
memory (the engine is measured, not the disk), then `--runs` times, interleaved in one process:
the naive loop a user would write (json + stock VADER + a per-(entity, minute) dict), the raw loop
(orjson + the fast VADER scorer), and the embedded replay (firestorm.streams.drills.replay.replay with default
EngineSettings and one shared MentionProcessor, warmed first). Prints mentions/s (medians and
every run), replay/naive (goal >= 1.0x) and replay/raw (goal >= 0.5x) computed run by run, then
the per-window costs of bench/perf/windows.py (medians of `--runs`), wall and CPU time per phase,
the load average before and after, the Python version and the date.

    python -m bench.perf                              # the default run (a few minutes on 2 cores)
    python -m bench.perf --runs 1 --mentions 30000 --skip windows --markdown .run/perf.md
    python -m bench.perf --month                      # only the month drill (500 entities, 30 days, 20M)
    python -m bench.perf --month --month-mentions 2000000

Then the entity-scale part of bench/perf/scale.py (issue 23): the same file alone and with 20,000
and 100,000 quiet watched entities (rate and peak memory, replays in child processes), and the
changelog bytes per minute at 1k, 10k and 100k watched entities.

`--skip` takes naive, raw, replay, windows or scale (repeatable). `--month` runs only the month-long
drill of bench/perf/month.py (a child `firestorm replay FILE -q --no-progress`; goal: 20M
mentions in under 20 minutes with flat memory).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.perf import month as month_drill
from bench.perf import scale as entity_scale
from bench.perf import windows
from bench.perf.loops import FastScorers, naive_loop, raw_loop, stock_vader
from bench.perf.workload import Shape, cached, summary
from bench.throughput.stats import Row, cpu_model, table
from firestorm.models.engine import FREEZE_AFTER_WINDOWS, EngineSettings
from firestorm.models.pipeline import MentionProcessor
from firestorm.streams.drills.replay import replay
from firestorm.streams.formats import jsonl_lines
from firestorm.streams.heap import settle_heap

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / ".run" / "bench-perf"
PARTS = ("naive", "raw", "replay", "windows", "scale")
NAIVE_GOAL, RAW_GOAL = 1.0, 0.5


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Phases:
    """Wall and CPU seconds (this process) per phase, summed over runs."""

    spent: dict[str, list[float]] = field(default_factory=dict)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            totals = self.spent.setdefault(name, [0.0, 0.0])
            totals[0] += time.perf_counter() - wall
            totals[1] += time.process_time() - cpu

    def table(self) -> str:
        lines = ["| phase | wall s | CPU s | CPU/wall |", "| --- | ---: | ---: | ---: |"]
        for name, (wall, cpu) in self.spent.items():
            share = f"{cpu / wall:.2f}" if wall > 0 else "n/a"
            lines.append(f"| {name} | {wall:.2f} | {cpu:.2f} | {share} |")
        return "\n".join(lines)


def machine(load_before: tuple[float, float, float], load_after: tuple[float, float, float]) -> str:
    cpu = cpu_model(platform.processor() or platform.machine())
    load = " / ".join(f"{a:.2f}" for a in load_before)
    after = " / ".join(f"{a:.2f}" for a in load_after)
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, {cpu}, "
        f"{os.cpu_count()} CPUs; load average (1/5/15 min) before {load}, after {after}"
    )


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def throughput(args: argparse.Namespace, phases: Phases, rows: list[Row], notes: list[str]) -> None:
    """The three loops, interleaved, `args.runs` times; the ratios run by run."""
    shape = Shape(args.mentions, args.entities, args.days, args.seed)
    with phases("generate (cached)"):
        path = cached(shape, args.cache_dir)
    with phases("read into memory"):
        numbered = list(jsonl_lines(str(path)))
        lines = [raw for _number, raw in numbered]
        about = summary(lines)
    notes.append(
        f"file {path.name}: {about['mentions']:,.0f} mentions, {about['entities']:.0f} entities, "
        f"{shape.days:g} days, {shape.storm_count} storms; distinct texts {about['distinct_texts']:.0%}, "
        f"repost_of {about['repost_of']:.0%}, lang present {about['lang_present']:.0%} "
        f"(fr {about['french_of_lang']:.0%} of those)"
    )
    count = len(lines)
    todo = [p for p in ("naive", "raw", "replay") if p not in args.skip]
    if not todo or not count:
        return
    with phases("set-up (analyzers, processor warm-up)"):
        analyzer = stock_vader() if "naive" in todo else None
        scorers = FastScorers() if "raw" in todo else None
        processor = MentionProcessor()
        if "replay" in todo:  # lexicons and the language model load here, not in the first run
            replay(numbered[:500], EngineSettings(), processor=processor)
        settle_heap()  # the collector's settings `firestorm replay` runs with (all three loops share them)
    rates: dict[str, list[float]] = {p: [] for p in todo}
    for run in range(args.runs):
        if analyzer is not None:
            with phases("naive loop"):
                seconds, _ = timed(lambda: naive_loop(lines, analyzer))
            rates["naive"].append(count / seconds)
        if scorers is not None:
            with phases("raw loop"):
                seconds, _ = timed(lambda: raw_loop(lines, scorers))
            rates["raw"].append(count / seconds)
        if "replay" in todo:
            with phases("embedded replay"):
                seconds, result = timed(lambda: replay(numbered, EngineSettings(), processor=processor))
            rates["replay"].append(count / seconds)
            if run == 0:
                notes.append(
                    f"replay: {result.tally.consumed:,} consumed, {result.windows_closed:,} windows closed, "
                    f"{len(result.alerts)} alert events"
                )
        log(f"run {run + 1}/{args.runs}: " + ", ".join(f"{p} {r[-1]:,.0f}/s" for p, r in rates.items()))
    names = {
        "naive": "naive loop (json.loads + stock VADER + (entity, minute) dict)",
        "raw": "raw loop (orjson + fast VADER scorer)",
        "replay": "embedded replay (default EngineSettings)",
    }
    for part in todo:
        rows.append(Row(names[part], "mentions/s", rates[part]))
    for other, goal in (("naive", NAIVE_GOAL), ("raw", RAW_GOAL)):
        if "replay" in rates and other in rates:
            ratios = [r / o for r, o in zip(rates["replay"], rates[other], strict=True)]
            rows.append(
                Row(f"replay / {other}", "x", ratios, goal=f">= {goal:.1f}x", met=statistics.median(ratios) >= goal)
            )


def window_costs(args: argparse.Namespace, phases: Phases, rows: list[Row], notes: list[str]) -> None:
    """The micro-benchmarks of bench/perf/windows.py, medians of `args.runs`."""
    busy = Row(f"busy window ({args.entities} warm entities, 3 mentions/min)", "us/window")
    empty = Row(f"empty window ({args.entities} entities fed 2 h first, every window closed)", "us/window")
    idle = Row(f"{args.idle_entities:,} idle entities, per minute of event time", "ms/minute")
    freeze_label = f"{args.idle_entities:,} entities compressed {FREEZE_AFTER_WINDOWS} windows into a sleep, once"
    freeze = Row(freeze_label, "us/entity")
    run = Row("idle run: 1,000 empty windows in one advance and catch-up", "ms")
    for _ in range(args.runs):
        with phases("windows: busy"):
            busy.values.append(windows.busy_windows(args.entities).us_per_window)
        with phases("windows: empty"):
            empty.values.append(windows.empty_windows(args.entities).us_per_window)
        with phases("windows: idle entities"):
            idle.values.append(windows.idle_entities(args.idle_entities, minutes=args.idle_minutes).ms_per_call)
        with phases("windows: freeze"):
            seconds, frozen = windows.freeze_entities(args.idle_entities)
            freeze.values.append(seconds / max(1, frozen) * 1e6)
        with phases("windows: idle run"):
            timing = windows.idle_run(1_000)
            run.values.append(timing.seconds * 1e3)
    rows.extend([busy, empty, idle, freeze, run])
    day_s = statistics.median(idle.values) * 1440 / 1e3
    notes.append(
        f"{args.idle_entities:,} idle entities cost {day_s:,.0f} s of engine time per day of event time "
        f"({day_s * 30 / 60:,.0f} min per month); "
        f"the idle run (one advance and catch-up) learns {timing.windows:,} windows "
        f"({statistics.median(run.values) * 1e3 / max(1, timing.windows):.1f} us each)"
    )


def month(args: argparse.Namespace, phases: Phases, notes: list[str]) -> str:
    """The month drill; returns its table."""
    shape = Shape(args.month_mentions, args.month_entities, args.month_days, args.seed)
    log(f"month drill: {shape.mentions:,} mentions, {shape.entities} entities, {shape.days:g} days ({shape.key()})")
    with phases("generate (cached, streaming)"):
        path = cached(shape, args.cache_dir)
    notes.append(f"file {path} ({path.stat().st_size / 1e9:.2f} GB)")
    with phases("firestorm replay (child process; CPU is the child's)"):
        result = month_drill.run_drill(path, shape.mentions, args.cache_dir / f"month-{shape.key()}.log")
    phases.spent["firestorm replay (child process; CPU is the child's)"][1] = result.cpu_s
    notes.append("command: " + " ".join(result.command))
    notes.append("replay summary: " + " | ".join(line for line in result.output.strip().splitlines()[-3:]))
    if result.returncode != 0:
        how = f"killed by signal {-result.returncode}" if result.returncode < 0 else f"exit status {result.returncode}"
        notes.insert(0, f"**the replay did not finish ({how}): rate and projection count mentions it never reached**")
    projected = result.projected_s()
    scaled = shape.mentions != month_drill.GOAL_MENTIONS
    lines = [
        "| measure | value | goal | met |",
        "| --- | ---: | --- | --- |",
        f"| wall time | {result.wall_s:,.1f} s | < {month_drill.GOAL_SECONDS / 60:.0f} min for 20M "
        f"| {'' if scaled else ('yes' if result.wall_s < month_drill.GOAL_SECONDS else '**no**')} |",
        f"| rate | {result.rate:,.0f} mentions/s |  |  |",
        f"| CPU (child, user + sys) | {result.cpu_s:,.1f} s |  |  |",
        f"| projected to 20M mentions (linear) | {projected / 60:,.1f} min | < 20 min "
        f"| {('yes' if projected < month_drill.GOAL_SECONDS else '**no**') if scaled else ''} |",
        f"| peak RSS | {result.peak_rss_kib / 1024:,.0f} MiB |  |  |",
    ]
    for fraction in (0.25, 0.5, 0.75, 1.0):
        lines.append(f"| RSS at {fraction:.0%} of the run | {result.rss_at(fraction) / 1024:,.0f} MiB |  |  |")
    lines.append(
        f"| RSS at 100% / at 25% | {result.flat_ratio:.2f} | <= {month_drill.FLAT_RATIO:.2f} (flat) "
        f"| {'yes' if result.flat else '**no**'} |"
    )
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    entity_scale.file_arguments(p)
    p.add_argument("--skip", action="append", default=[], choices=PARTS, help="leave a part out (repeatable)")
    p.add_argument("--idle-entities", type=int, default=10_000)
    p.add_argument("--idle-minutes", type=int, default=5, help="timed minutes of the idle-entities benchmark")
    p.add_argument("--markdown", type=Path, help="also write the tables and the machine to this file")
    p.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help="where generated files are kept")
    p.add_argument("--month", action="store_true", help="run only the month-long drill")
    p.add_argument("--month-mentions", type=int, default=month_drill.GOAL_MENTIONS)
    p.add_argument("--month-entities", type=int, default=500)
    p.add_argument("--month-days", type=float, default=30.0)
    entity_scale.scale_arguments(p)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    load_before = os.getloadavg()
    phases = Phases()
    rows: list[Row] = []
    notes: list[str] = []
    sections: list[str] = []
    command = "python -m bench.perf " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.month:
        title = "## Month-long drill (issue 19)"
        sections.append(month(args, phases, notes))
    else:
        title = f"## Engine benchmark (issue 19): {args.runs} runs, medians"
        throughput(args, phases, rows, notes)
        if "windows" not in args.skip:
            window_costs(args, phases, rows, notes)
        sections.append(table(rows))
        if "scale" not in args.skip:
            with phases("entity scale (replays in child processes)"):
                scale_rows, scale_notes = entity_scale.rows_and_notes(args)
            sections.append(
                "### Entity scale (issue 23): quiet watched entities, changelog bytes\n\n" + table(scale_rows)
            )
            notes.extend(scale_notes)
    sections.append(phases.table())
    notes_block = "\n".join(f"- {n}" for n in notes)
    text = "\n\n".join([title, f"`{command.strip()}`", machine(load_before, os.getloadavg()), *sections, notes_block])
    print(text, flush=True)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text + "\n", encoding="utf-8")
    return 0
