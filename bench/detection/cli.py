"""Detection benchmark: the real engine and two simple baselines, on labelled synthetic scenarios and on real data.

Synthetic track: generates, per seed, `--entities` regular entities (busy, medium and quiet ones),
`--high-negative` steady entities whose usual mentions are 20/40/60% negative (0.3-30 mentions/min,
no event) and `--bursty` entities with Hawkes-like cascades (3-15x for 5-30 min, usual sentiment),
over `--weeks` weeks of per-minute mentions with daily/weekly seasonality and injected, labelled
events (sudden storms, storms with long tails and a second wave, slow burns, negative shifts,
positive spikes, campaigns, bot bursts); feeds them to `firestorm.models.engine.Engine` with its default
settings; runs a static threshold and a "last hour vs previous 12 hours" rule over the same counts
(their knobs tuned on `--tune-seeds` only); and prints one table per detector and scenario kind:
recall, detection delay (median, p90), pages per episode, pages on events that must not page, info
alerts, and false pages per entity per 4 weeks (overall and per entity group). Reported seeds
(`--seeds`) and tuning seeds are separate sets.

Crisis-event track (bench/detection/crisis_track.py): real tweets of the CrisisLexT6 tuning events
(Sandy, Alberta floods, Oklahoma tornado, Queensland floods), one entity each, scored by the real
sentiment scorer and fed to the engine, beside a naive rule (15-minute sum >= 5x the 24-hour mean);
it runs when a CrisisLex checkout is given (`--crisislex-dir PATH` or FIRESTORM_CRISISLEX_DIR), or
alone with `--track crisis`.

Real-data track (bench/detection/nab_track.py): NAB realTweets AAPL, AMZN, CRM, CVS and FB replayed
with the `firestorm replay --window 5m` settings, scored with NAB's standard profile; it runs when
a NAB checkout is given (`--nab-dir PATH` or FIRESTORM_NAB_DIR), or alone with `--track real`.

Usage: python -m bench.detection [--weeks 4] [--entities 8] [--high-negative 3] [--bursty 1]
                                 [--seeds 201-205] [--tune-seeds 1,2,3] [--detector default|all|NAME,...]
                                 [--events-per-kind 1] [--jobs N] [--by-tier] [--json OUT]
                                 [--track synthetic|real|crisis|all] [--nab-dir PATH] [--nab-series AAPL,...]
                                 [--crisislex-dir PATH] [--crisis-events NAME,...]
Quicker, for iteration (development seeds, not held out): --weeks 2 --seeds 1-3
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any

from bench.detection import crisis_data, crisis_track, nab_loo
from bench.detection.baselines import (
    FALSE_PAGE_BUDGET,
    Tuned,
    hourly_candidates,
    score_baseline,
    static_candidates,
    tune,
)
from bench.detection.engine_feed import (
    EntityRun,
    default_detector,
    detector_label,
    engine_detectors,
    planned_mode,
    run_engines,
    settings_for,
)
from bench.detection.nab_data import (
    HOW_TO_GET,
    NAB_DIR_ENV,
    TUNING_SERIES,
    NabDataError,
    check_nab_dir,
    resolve_nab_dir,
)
from bench.detection.nab_track import (
    TARGET_NAB_STANDARD,
    SeriesResult,
    overall_score,
    replay_settings,
    run_track,
    untouched_warning,
)
from bench.detection.nab_track import table as nab_table
from bench.detection.nab_track import target_lines as nab_target_lines
from bench.detection.scenarios import (
    BOT_BURST,
    BURSTY,
    CAMPAIGN,
    EVENT_KINDS,
    GROUPS,
    HIGH_NEGATIVE,
    NEG_SHIFT,
    PAGE_KINDS,
    POSITIVE_SPIKE,
    REGULAR,
    SLOW_BURN,
    STORM,
    SUDDEN,
    TIERS,
    EntitySeries,
    bursty_tier,
    generate_entity,
    high_negative_rate,
    tier_of,
)
from bench.detection.scoring import EventOutcome, KindSummary, Score, labels_of, nearest_rank, score

# The seasonal detector was developed looking at seeds 1-3 and 101-105; 201-205 are held out.
DEFAULT_SEEDS = "201-205"
DEFAULT_TUNE_SEEDS = "1,2,3"
TARGET_RECALL = 0.95
TARGET_MEDIAN_DELAY = 3.0
STORM_MIN_MAGNITUDE = 5.0
TARGET_SLOW_RECALL = 0.90  # slow burns and negative shifts
STORM_KINDS = (SUDDEN, STORM)
QUIET_KINDS_ORDER = (POSITIVE_SPIKE, CAMPAIGN, BOT_BURST)
TIER_RATE = {"busy": 6.0, "medium": 2.0, "quiet": 0.2}  # rough mean mentions/min, to schedule heavy entities first


def parse_seeds(text: str) -> list[int]:
    """'1,2,3', '101-105' or '101..105' (and mixes of them) to a sorted list without repeats."""
    seeds: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        for sep in ("..", "-"):
            if sep in part.lstrip("-"):
                lo, hi = part.split(sep, 1)
                seeds.update(range(int(lo), int(hi) + 1))
                break
        else:
            seeds.add(int(part))
    if not seeds:
        raise argparse.ArgumentTypeError(f"no seeds in {text!r}")
    return sorted(seeds)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.detection", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--weeks", type=float, default=4.0, help="weeks of event time per entity (default 4)")
    parser.add_argument(
        "--entities", type=int, default=8, help="entities per seed (default 8: 2 busy, 3 medium, 3 quiet)"
    )
    parser.add_argument(
        "--seeds", type=parse_seeds, default=parse_seeds(DEFAULT_SEEDS), help="report seeds (default 201-205, held out)"
    )
    parser.add_argument(
        "--tune-seeds",
        type=parse_seeds,
        default=parse_seeds(DEFAULT_TUNE_SEEDS),
        help="baseline tuning seeds (default 1,2,3)",
    )
    parser.add_argument(
        "--high-negative",
        type=int,
        default=3,
        help="steady high-negative entities per seed (usual negative share 20/40/60%%, 0.3-30/min, no event; "
        "default 3)",
    )
    parser.add_argument(
        "--bursty",
        type=int,
        default=1,
        help="bursty entities per seed (the regular events plus Hawkes-like cascades that must not page; default 1)",
    )
    parser.add_argument(
        "--events-per-kind", type=int, default=1, help="injected events of each kind per entity (default 1)"
    )
    parser.add_argument(
        "--detector",
        default="default",
        help=f"engine detector(s): 'default' (the engine's own default, {default_detector()}), 'all', or a "
        f"comma-separated list of {', '.join(engine_detectors())}; each adds about 1.5 minutes to a full run",
    )
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: the number of CPUs)")
    parser.add_argument("--by-tier", action="store_true", help="also print recall and false pages per entity tier")
    parser.add_argument("--json", dest="json_out", type=Path, help="write machine-readable results here")
    parser.add_argument(
        "--track",
        choices=("synthetic", "real", "crisis", "all"),
        default="all",
        help="synthetic scenarios, the NAB real-data track, the CrisisLexT6 crisis-event track, or all (default: "
        f"all; the real-data track runs when a NAB directory is given by --nab-dir or {NAB_DIR_ENV}, the "
        f"crisis-event track when a CrisisLex directory is given by --crisislex-dir or "
        f"{crisis_data.CRISISLEX_DIR_ENV})",
    )
    parser.add_argument(
        "--crisislex-dir",
        help="a CrisisLex checkout (data/CrisisLexT6/<event>/<event>-ontopic_offtopic.csv); default: "
        f"{crisis_data.CRISISLEX_DIR_ENV}",
    )
    parser.add_argument(
        "--crisis-events",
        default=",".join(crisis_data.TUNING_NAMES),
        help="CrisisLexT6 events to replay (default: the tuning set; the two held-out events only by name, "
        "with a warning)",
    )
    parser.add_argument(
        "--nab-dir",
        "--real-data",
        dest="nab_dir",
        help=f"a NAB checkout (data/realTweets/, labels/combined_windows.json); default: {NAB_DIR_ENV}",
    )
    parser.add_argument(
        "--nab-series",
        default=",".join(TUNING_SERIES),
        help=f"realTweets series to replay (default: the tuning set {','.join(TUNING_SERIES)}; others warn)",
    )
    return parser


@dataclass(frozen=True, slots=True)
class Task:
    seed: int
    index: int
    weeks: float
    events_per_kind: int
    detectors: tuple[str, ...]
    group: str = REGULAR

    @property
    def cost(self) -> float:
        """Rough mean mentions per minute: the heavy entities are scheduled first."""
        if self.group == HIGH_NEGATIVE:
            return high_negative_rate(self.seed, self.index)
        if self.group == BURSTY:
            return TIER_RATE[bursty_tier(self.seed, self.index)]
        return TIER_RATE[tier_of(self.index)]


def run_task(task: Task) -> tuple[Task, EntitySeries, EntityRun]:
    """One entity of one report seed: generate it and feed it to the engines (in a worker process)."""
    series = generate_entity(task.seed, task.index, task.weeks, task.events_per_kind, group=task.group)
    return task, series, run_engines(series, run_key(task.seed, series), task.detectors)


def entity_plan(args: argparse.Namespace) -> list[tuple[str, int]]:
    """(group, index) of every entity of one seed."""
    return (
        [(REGULAR, i) for i in range(args.entities)]
        + [(HIGH_NEGATIVE, i) for i in range(args.high_negative)]
        + [(BURSTY, i) for i in range(args.bursty)]
    )


def parse_detectors(text: str) -> tuple[str, ...]:
    available = engine_detectors()
    if text.strip() == "all":
        return available
    if text.strip() == "default":
        return (default_detector(),)
    chosen = tuple(d.strip() for d in text.split(",") if d.strip())
    unknown = [d for d in chosen if d not in available]
    if unknown or not chosen:
        raise ValueError(f"unknown detector(s) {unknown or text!r}: choose from {', '.join(available)} or 'all'")
    return chosen


def run_key(seed: int, series: EntitySeries) -> str:
    return f"s{seed}/{series.profile.name}"


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


GROUP_LABEL = {REGULAR: "bg:regular", HIGH_NEGATIVE: "bg:high_negative", BURSTY: "bg:bursty"}


def table_rows(name: str, result: Score) -> list[list[str]]:
    rows = []
    for kind in EVENT_KINDS:
        k = result.kinds.get(kind)
        if k is None:
            continue
        should = kind in PAGE_KINDS
        rows.append(
            [
                name,
                kind,
                str(k.events),
                _fmt(k.recall * 100 if k.recall is not None else None, ".0f") + ("%" if should else ""),
                _fmt(k.median_delay_min if should else None, ".1f"),
                _fmt(k.p90_delay_min if should else None, ".1f"),
                f"{k.paged}/{k.events}",
                _fmt(k.pages_per_episode if should else None, ".2f"),
                str(k.critical),
                str(k.info_only),
                "",
            ]
        )
    background = [("background", result.false_pages, result.false_incidents, result.false_pages_per_entity_4wk)]
    if len(result.entity_runs_by_group) > 1:
        for group in GROUPS:
            rate = result.false_pages_per_entity_4wk_in(group)
            if rate is None:
                continue
            incidents = [a for a in result.false_incidents if result.group_of(a.entity) == group]
            background.append((GROUP_LABEL[group], len(incidents), incidents, rate))
    for label, pages, incidents, rate in background:
        rows.append(
            [
                name,
                label,
                "-",
                "-",
                "-",
                "-",
                str(pages),
                "-",
                str(sum(a.severity == "critical" for a in incidents)),
                str(result.background_info)
                if label == "background"
                else str(result.info_by_group.get(label.removeprefix("bg:"), 0)),
                f"{rate:.2f}",
            ]
        )
    return rows


HEADER = [
    "detector",
    "scenario",
    "events",
    "recall",
    "med_delay",
    "p90_delay",
    "paged",
    "pages/ep",
    "critical",
    "info",
    "false/ent/4wk",
]


def render(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = []
    previous = None
    for row in [HEADER, *rows]:
        if previous is not None and row[0] != previous and previous != HEADER[0]:
            lines.append("")
        previous = row[0]
        cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def sudden_storms(result: Score) -> list[EventOutcome]:
    """Sudden negative storms (sudden and storm events) of at least 5x the normal level."""
    return [o for o in result.outcomes if o.label.kind in STORM_KINDS and o.label.magnitude >= STORM_MIN_MAGNITUDE]


def storm_recall(result: Score) -> tuple[int, int]:
    """Paged / total over sudden negative storms of at least 5x the normal level."""
    storms = sudden_storms(result)
    return sum(o.paged for o in storms), len(storms)


def target_lines(result: Score) -> list[str]:
    """The issue's targets, each with ok or MISSED and by how much."""
    lines = []

    def verdict(ok: bool, miss: str) -> str:
        return "ok" if ok else f"MISSED by {miss}"

    paged, total = storm_recall(result)
    if total:
        recall = paged / total
        delays = [o.delay_min for o in sudden_storms(result) if o.delay_min is not None]
        lines.append(
            f"  sudden storms >= 5x (sudden, storm): recall >= 95%: {recall:.0%} ({paged}/{total}) "
            f"{verdict(recall >= TARGET_RECALL, f'{(TARGET_RECALL - recall) * 100:.0f} points')}"
        )
        if delays:
            med, p90 = statistics.median(delays), nearest_rank(delays, 0.9)
            lines.append(
                f"  sudden storms >= 5x: median delay <= 3 min: {med:.1f} "
                f"{verdict(med <= TARGET_MEDIAN_DELAY, f'{med - TARGET_MEDIAN_DELAY:.1f} min')} "
                f"(p90 {p90:.1f}, no target)"
            )
        else:
            lines.append("  sudden storms >= 5x: median delay <= 3 min: no storm was paged MISSED")
    for kind in (SLOW_BURN, NEG_SHIFT):
        k = result.kinds.get(kind)
        if k is not None and k.recall is not None:
            lines.append(
                f"  {kind} recall >= 90%: {k.recall:.0%} ({k.paged}/{k.events}) "
                f"{verdict(k.recall >= TARGET_SLOW_RECALL, f'{(TARGET_SLOW_RECALL - k.recall) * 100:.0f} points')}"
            )
    episodes = [o for o in result.outcomes if o.label.kind in PAGE_KINDS and o.paged]
    if episodes:
        per = sum(o.incidents for o in episodes) / len(episodes)
        extra = [o for o in episodes if o.incidents > 1]
        by_kind = ", ".join(
            f"{k.kind} {k.pages_per_episode:.2f}"
            for k in result.kinds.values()
            if k.kind in PAGE_KINDS and k.pages_per_episode is not None
        )
        lines.append(
            f"  pages per episode = 1.0: {per:.2f} ({by_kind}; {len(extra)} episode(s) paged more than once) "
            f"{verdict(not extra, f'{per - 1.0:.2f} ({sum(o.incidents - 1 for o in extra)} extra pages)')}"
        )
    rate = result.false_pages_per_entity_4wk
    lines.append(
        f"  false pages <= 0.5 per entity per 4 weeks: {rate:.2f} "
        f"{verdict(rate <= FALSE_PAGE_BUDGET, f'{rate - FALSE_PAGE_BUDGET:.2f} per entity per 4 weeks')}"
    )
    for group in GROUPS:
        group_rate = result.false_pages_per_entity_4wk_in(group)
        if group_rate is None or len(result.entity_runs_by_group) < 2:
            continue
        lines.append(
            f"    {group} entities ({result.entity_runs_by_group[group]} runs): {group_rate:.2f} "
            f"{verdict(group_rate <= FALSE_PAGE_BUDGET, f'{group_rate - FALSE_PAGE_BUDGET:.2f}')}"
        )
    for kind in QUIET_KINDS_ORDER:
        k = result.kinds.get(kind)
        if k is not None:
            lines.append(
                f"  0 pages on {kind}: {k.paged} paged of {k.events} {verdict(k.paged == 0, f'{k.paged} pages')}"
            )
    return lines


def tier_lines(name: str, result: Score) -> list[str]:
    lines = []
    for tier in TIERS:
        kinds = result.by_tier.get(tier, {})
        runs = result.entity_runs_by_tier.get(tier, 0)
        if not runs:
            continue
        parts = []
        for kind in EVENT_KINDS:
            k = kinds.get(kind)
            if k is not None:
                parts.append(f"{kind} {k.paged}/{k.events}")
        false_rate = result.false_by_tier.get(tier, 0) / (runs * result.weeks / 4.0)
        lines.append(f"  {name:<12} {tier:<6} paged: {', '.join(parts)}; false/ent/4wk {false_rate:.2f}")
    return lines


def code_version() -> str:
    """The repository commit, and whether models/ has uncommitted changes (the detector under test)."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "models"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit}{' + uncommitted changes in models/' if dirty else ''}"


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def score_json(result: Score) -> dict[str, Any]:
    def kind_json(k: KindSummary) -> dict[str, Any]:
        return _jsonable(k)  # type: ignore[no-any-return]

    paged, total = storm_recall(result)
    return {
        "kinds": {name: kind_json(k) for name, k in result.kinds.items()},
        "storm_recall_5x": {"paged": paged, "events": total},
        "false_pages": result.false_pages,
        "false_pages_per_entity_4wk": round(result.false_pages_per_entity_4wk, 4),
        "background_info": result.background_info,
        "background_info_per_entity_4wk": round(result.background_info_per_entity_4wk, 4),
        "by_tier": {t: {n: kind_json(k) for n, k in ks.items()} for t, ks in result.by_tier.items()},
        "false_by_tier": result.false_by_tier,
        "false_by_group": result.false_by_group,
        "entity_runs_by_group": result.entity_runs_by_group,
        "false_pages_per_entity_4wk_by_group": {
            g: round(r, 4) for g in GROUPS if (r := result.false_pages_per_entity_4wk_in(g)) is not None
        },
        "entity_runs_by_tier": result.entity_runs_by_tier,
        "false_incidents": _jsonable(result.false_incidents),
        "events": [
            {
                "entity": o.label.entity,
                "tier": o.label.tier,
                "kind": o.label.kind,
                "magnitude": o.label.magnitude,
                "onset_ms": o.label.onset_ms,
                "end_ms": o.label.end_ms,
                "paged": o.paged,
                "delay_min": o.delay_min,
                "max_severity": o.max_severity,
                "info_only": o.info_only,
                "incidents_paged": o.incidents,
            }
            for o in result.outcomes
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.weeks <= 0 or args.entities < 0 or args.events_per_kind <= 0:
        print("--weeks and --events-per-kind must be positive, --entities not negative", file=sys.stderr)
        return 2
    if args.high_negative < 0 or args.bursty < 0 or args.entities + args.high_negative + args.bursty == 0:
        print("--entities, --high-negative and --bursty must not be negative, and not all 0", file=sys.stderr)
        return 2
    try:
        detectors = parse_detectors(args.detector)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    nab_dir = resolve_nab_dir(args.nab_dir)
    nab_names = [n.strip().upper() for n in args.nab_series.split(",") if n.strip()]
    real = args.track == "real" or (args.track == "all" and nab_dir is not None)
    if real:
        if nab_dir is None:
            print(f"error: the real-data track needs NAB data: {HOW_TO_GET}", file=sys.stderr)
            return 2
        try:
            check_nab_dir(nab_dir)
        except NabDataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if not nab_names:
            print("error: --nab-series names no series", file=sys.stderr)
            return 2
        warning = untouched_warning(nab_names)
        if warning:
            print(f"\n{'!' * 100}\n{warning}\n{'!' * 100}\n", file=sys.stderr)
    crisis_dir = crisis_data.resolve_crisis_dir(args.crisislex_dir)
    crisis = args.track == "crisis" or (args.track == "all" and crisis_dir is not None)
    crisis_events: list[crisis_data.EventInfo] = []
    if crisis:
        try:
            if crisis_dir is None:
                raise crisis_data.CrisisDataError(f"the crisis-event track needs CrisisLex: {crisis_data.HOW_TO_GET}")
            crisis_data.check_crisis_dir(crisis_dir)
            crisis_events = crisis_data.parse_event_names(args.crisis_events)
        except crisis_data.CrisisDataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        warning = crisis_data.untouched_warning([e.folder for e in crisis_events])
        if warning:
            print(f"\n{'!' * 100}\n{warning}\n{'!' * 100}\n", file=sys.stderr)
    document: dict[str, Any] = {}
    if crisis and crisis_dir is not None:
        try:
            document["crisis_events"] = run_crisis(args, crisis_dir, crisis_events)
        except crisis_data.CrisisDataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if args.track != "crisis":
            print()
    elif args.track == "all":
        print(
            f"# crisis-event track (CrisisLexT6) not run: no CrisisLex directory. To run it, {crisis_data.HOW_TO_GET}"
        )
        print()
    if args.track in ("synthetic", "all"):
        synthetic = run_synthetic(args, detectors)
        if synthetic is None:
            return 2
        document.update(synthetic)
    if real and nab_dir is not None:
        if args.track == "all":
            print()
        try:
            document["real_data"] = run_real(args, nab_dir, nab_names)
        except NabDataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    elif args.track == "all":
        print()
        print(f"# real-data track (NAB realTweets) not run: no NAB directory. To run it, {HOW_TO_GET}")
    if args.json_out is not None:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(document, indent=1))
        print(f"results written to {args.json_out}")
    return 0


def run_crisis(args: argparse.Namespace, root: Path, events: Sequence[crisis_data.EventInfo]) -> dict[str, Any]:
    """The crisis-event track: replay, compare with the naive rule, print; returns its JSON section."""
    started = time.perf_counter()
    jobs = args.jobs or os.cpu_count() or 1
    results = crisis_track.run_track(root, events, jobs)
    elapsed = time.perf_counter() - started
    warning = crisis_data.untouched_warning([e.folder for e in events])
    print(
        f"# crisis-event track: CrisisLexT6 {', '.join(e.folder for e in events)} from {root}; each event's "
        "collection (on- and off-topic) is one entity, one author per tweet, texts scored by "
        "firestorm.models.sentiment (default mode)"
    )
    if warning:
        print(f"# {warning}")
    print(
        "# engine: firestorm.models.engine.Engine, EngineSettings() defaults (1-minute windows); "
        f"code: {code_version()}"
    )
    print(
        f"# naive: page when the last {crisis_track.RULE_SPAN_MIN} min hold >= {crisis_track.NAIVE_FACTOR:g}x the "
        f"mean {crisis_track.RULE_SPAN_MIN}-min count of the history before them (>= 6 h, <= 24 h); rise: the same "
        f"at {crisis_track.RISE_FACTOR:g}x, first minute at or after the onset"
    )
    print()
    print(crisis_track.table(results))
    print()
    print(
        "minutes from the onset (public record, below): rise, naive = the two rules; fs_info = firestorm's first "
        "alert, "
        "fs_page = its first\nwarning/critical; severity = its highest; early_pages = incidents paged before the "
        "onset; flaps = most resolve/re-open\ncycles of one incident; history_h = hours of tweets before the onset "
        "(negative: the collection starts after it)."
    )
    print("onsets:")
    for line in crisis_track.onset_lines(results):
        print(line)
    print()
    print(
        f"targets (crisis events): paged within {crisis_track.TARGET_AFTER_RISE_MIN:g} min of the rise and no later "
        "than naive, nothing paged before the onset, <= 1 resolve/re-open cycle:"
    )
    for line in crisis_track.target_lines(results):
        print(line)
    tweets = sum(r.tweets for r in results)
    print()
    print(f"{tweets:,} tweets in {elapsed:.1f}s wall; Python {platform.python_version()}")
    return {
        "root": str(root),
        "events": [
            {
                "event": r.info.folder,
                "entity": r.info.entity,
                "onset_utc": r.info.onset_utc,
                "onset_source": r.info.source,
                "tweets": r.tweets,
                "on_topic": r.on_topic,
                "negative_share": round(r.negative_share, 4),
                "rise_min": r.minutes_after_onset(r.rise_ms),
                "naive_min": r.minutes_after_onset(r.naive_ms),
                "first_alert_min": r.minutes_after_onset(r.first_info.minute_ms if r.first_info else None),
                "first_page_min": r.minutes_after_onset(r.first_page.minute_ms if r.first_page else None),
                "max_severity": r.max_severity,
                "pages_before_onset": r.pages_before_onset,
                "flaps": r.flaps,
                "verdict": r.verdict(),
                "alerts": [
                    {"minute": r.minutes_after_onset(a.minute_ms), "status": a.status, "severity": a.severity}
                    for a in r.alerts
                ],
            }
            for r in results
        ],
        "elapsed_s": round(elapsed, 2),
    }


def run_real(args: argparse.Namespace, nab_dir: Path, names: Sequence[str]) -> dict[str, Any]:
    """The real-data track: replay, score, print; returns its JSON section."""
    started = time.perf_counter()
    jobs = args.jobs or os.cpu_count() or 1
    # Every series at every leave-one-out grid point (the defaults are the grid's first point).
    grid = nab_loo.replay_grid(nab_dir, names, jobs) if len(names) >= 2 else None
    results: list[SeriesResult] = (
        [grid[nab_loo.GRID[0]][n] for n in names] if grid is not None else run_track(nab_dir, names, jobs)
    )
    elapsed = time.perf_counter() - started
    settings = replay_settings()
    warning = untouched_warning(names)
    print(
        f"# real-data track: NAB realTweets {', '.join(names)} from {nab_dir}; each 5-minute count expanded to "
        "that many mentions (distinct neutral texts and authors)"
    )
    if warning:
        print(f"# {warning}")
    print(
        f"# engine: firestorm.models.engine.Engine with the settings of `firestorm replay --window 5m` (window "
        f"{settings.window_ms // 60_000} min, lateness {settings.lateness_ms // 1000} s, detector "
        f"{settings.detector}, other settings default); code: {code_version()}"
    )
    print(
        "# detections: triggered alerts of any severity, at their window's row; NAB standard profile "
        "(A_tp 1, A_fp 0.11, A_fn 1), threshold fixed"
    )
    print()
    print(nab_table(results))
    print()
    print(
        "windows: labelled anomaly windows (NAB combined_windows.json); detected: windows with a triggered alert; "
        "triggered: triggered alerts\n(in_windows / outside every window); outside/day: triggered alerts outside "
        "windows per day of the series outside windows;\nescalated: escalated alerts (counted apart, not scored); "
        "NAB_standard: 100 x (raw - null) / (perfect - null), overall over the sums."
    )
    print()
    print(f"targets (real data, {', '.join(names)}):")
    for line in nab_target_lines(results):
        print(line)
    found = nab_loo.folds(grid, names) if grid is not None else []
    if found:
        loo = nab_loo.loo_score(found)
        print()
        print(
            "# NAB leave-one-series-out: for each held-out series, (trigger_score, min_ratio) chosen among "
            f"{', '.join(f'({a:g}, {b:g})' for a, b in nab_loo.GRID)}\n# by the NAB standard score on the other "
            "four, then the held-out series scored with them"
        )
        print()
        print(nab_loo.table(found, overall_score(results).normalised))
        print()
        verdict = "ok" if loo >= TARGET_NAB_STANDARD else f"MISSED by {TARGET_NAB_STANDARD - loo:.2f} points"
        print(f"  NAB leave-one-out >= {TARGET_NAB_STANDARD:g}: {loo:.2f} {verdict}")
    mentions = sum(r.alerts.mentions for r in results)
    engine_s = sum(r.alerts.seconds for r in results)
    print()
    print(
        f"{mentions:,} mentions ({len(nab_loo.GRID) if grid else 1} grid point(s)) in {elapsed:.1f}s wall on "
        f"{max(1, min(jobs, len(names)))} process(es) "
        f"({engine_s:.1f}s summed expanding and inside the engine, {mentions / max(engine_s, 1e-9):,.0f}/s); "
        f"Python {platform.python_version()}"
    )
    return {
        "nab_dir": str(nab_dir),
        "series": list(names),
        "engine_settings": _jsonable(settings),
        "per_series": [
            {
                "name": r.name,
                "rows": r.rows,
                "days": round(r.days, 3),
                "days_outside_windows": round(r.days_outside, 3),
                "mentions": r.alerts.mentions,
                "windows": r.score.windows,
                "detected_windows": r.score.detected_windows,
                "nab_standard": round(r.score.normalised, 3),
                "raw_score": round(r.score.raw, 4),
                "triggered": len(r.alerts.triggered_rows),
                "triggered_in_windows": r.triggered_inside,
                "triggered_outside_windows": r.triggered_outside,
                "alerts_per_day_outside": round(r.alerts_per_day_outside, 4),
                "escalated": len(r.alerts.escalated_rows),
                "triggered_rows": list(r.alerts.triggered_rows),
                "triggered_severities": list(r.alerts.triggered_severities),
                "escalated_rows": list(r.alerts.escalated_rows),
            }
            for r in results
        ],
        "leave_one_out": {
            "grid": [list(p) for p in nab_loo.GRID],
            "nab_standard": round(nab_loo.loo_score(found), 3) if found else None,
            "folds": [
                {
                    "held_out": f.held_out,
                    "trigger_score": f.chosen[0],
                    "min_ratio": f.chosen[1],
                    "nab_on_other_four": round(f.tuning_score, 3),
                    "nab_held_out": round(f.result.score.normalised, 3),
                }
                for f in found
            ],
        },
        "elapsed_s": round(elapsed, 2),
    }


def run_synthetic(args: argparse.Namespace, detectors: tuple[str, ...]) -> dict[str, Any] | None:
    """The synthetic scenarios: tune the baselines, feed the engines, score, print; returns the JSON document."""
    started = time.perf_counter()
    version = code_version()
    report_seeds: list[int] = args.seeds
    tune_seeds: list[int] = args.tune_seeds
    overlap = sorted(set(report_seeds) & set(tune_seeds))

    # 1. Baselines: tuned on the tuning seeds' counts (cheap, numpy only).
    try:
        tune_runs = [
            (run_key(seed, s), s)
            for seed in tune_seeds
            for s in (generate_entity(seed, i, args.weeks, args.events_per_kind, group=g) for g, i in entity_plan(args))
        ]
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    tuned: dict[str, Tuned] = {
        "static": tune(static_candidates(), tune_runs, args.weeks),
        "hour_vs_12h": tune(hourly_candidates(), tune_runs, args.weeks),
    }
    tuned_at = time.perf_counter()

    # 2. The engine(s) on the report seeds, one entity per task, spread over the CPUs.
    tasks = sorted(
        (
            Task(seed, i, args.weeks, args.events_per_kind, detectors, group)
            for seed in report_seeds
            for group, i in entity_plan(args)
        ),
        key=lambda t: (-t.cost, t.seed, t.group, t.index),
    )
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, len(tasks)))
    if jobs == 1:
        results = [run_task(t) for t in tasks]
    else:
        with multiprocessing.Pool(jobs) as pool:
            results = list(pool.imap_unordered(run_task, tasks))
    results.sort(key=lambda r: (r[0].seed, GROUPS.index(r[0].group), r[0].index))
    engine_at = time.perf_counter()

    # 3. Scores: every detector against the same labels.
    runs = [(run_key(task.seed, series), series) for task, series, _ in results]
    tiers = {key: series.profile.tier for key, series in runs}
    groups = {key: series.profile.group for key, series in runs}
    labels = [label for key, series in runs for label in labels_of(series, key)]
    names = {d: detector_label(d) for d in detectors}
    scores: dict[str, Score] = {}
    for d in detectors:
        alerts = [a for _, _, run in results for a in run.engines[d].alerts]
        scores[names[d]] = score(labels, alerts, len(runs), args.weeks, tiers, groups)
    for name, t in tuned.items():
        scores[name] = score_baseline(t.detector, runs, args.weeks)
    elapsed = time.perf_counter() - started

    # 4. Report.
    mentions = sum(run.mentions.unique for _, _, run in results)
    resent = sum(run.mentions.resent_duplicates for _, _, run in results)
    feed_seconds = sum(run.seconds for _, _, run in results)
    engine_seconds = {d: sum(run.engines[d].seconds for _, _, run in results) for d in detectors}
    outcomes: dict[str, dict[str, int]] = {d: {} for d in detectors}
    for _, _, run in results:
        for d in detectors:
            for k, v in run.engines[d].outcomes.items():
                outcomes[d][k] = outcomes[d].get(k, 0) + v

    print(
        f"# firestorm detection benchmark: {len(runs)} entity runs = {len(report_seeds)} report seed(s) x "
        f"({args.entities} regular + {args.high_negative} high-negative + {args.bursty} bursty entities) x "
        f"{args.weeks:g} weeks, 1-minute windows, {args.events_per_kind} event(s) of each kind per regular and "
        "bursty entity"
    )
    print(
        "# high-negative: steady, usual negative share 20/40/60%, daily mean 0.3/1/3/10/30 per min (each share "
        "meets each rate once over 5 seeds), no event; bursty: Hawkes-like cascades 3-15x for 5-30 min, usual "
        "sentiment (must not page)"
    )
    print(
        f"# REPORTED ON SEEDS {','.join(map(str, report_seeds))}; "
        f"baselines tuned on seeds {','.join(map(str, tune_seeds))} (held out from the report)"
    )
    if overlap:
        print(f"# WARNING: seeds {overlap} are both tuning and report seeds: these numbers are not held out")
    print(
        "# engine: firestorm.models.engine.Engine, EngineSettings() defaults except the detector "
        f"({', '.join(names.values())}); this benchmark tunes none of its settings"
    )
    print(f"# code: {version}; planned events: {planned_mode()}")
    static: Any = tuned["static"].detector
    hourly: Any = tuned["hour_vs_12h"].detector
    missed_budget = {
        n: "" if t.within_budget else " (no grid point met the false-page budget)" for n, t in tuned.items()
    }
    print(
        f"# static: page when a minute has >= max(3, ceil({static.factor} x p99.9 of the entity's per-minute counts "
        f"in its learning period)) mentions{missed_budget['static']}"
    )
    print(
        f"# hour_vs_12h: page when the last 60 min have >= {hourly.min_volume} mentions and >= {hourly.ratio}x "
        f"the hourly mean of the 12 h before{missed_budget['hour_vs_12h']}"
    )
    print()
    print(render([row for name, result in scores.items() for row in table_rows(name, result)]))
    print()
    print(
        "recall: paged events / events (page = triggered or escalated at warning/critical, between onset and "
        "end + 30 min);\nmed/p90_delay: minutes of event time from onset to the first page (paged events only); "
        "paged: events with a page (target 0 for positive_spike,\ncampaign and bot_burst); pages/ep: distinct "
        "incidents paged per paged event (target 1.00; a storm is one episode:\nits tail, aftershocks and second "
        "wave within 6 h included); critical: events whose highest page was critical; info: events with\ninfo "
        "alerts only; background: paged = false pages (paged incidents outside every event), critical = of them "
        "critical,\ninfo = info incidents outside events; bg:<group>: the false pages of that entity group."
    )
    for d in detectors:
        name = names[d]
        print()
        print(f"targets ({name}):")
        for line in target_lines(scores[name]):
            print(line)
        bot = scores[name].kinds.get("bot_burst")
        if bot is not None:
            print(
                f"  bot bursts: {bot.paged}/{bot.events} paged ({bot.critical} critical, {bot.info_only} info only); "
                f"the engine discarded {outcomes[d].get('duplicate', 0):,} of {resent:,} re-sent duplicate ids "
                f"({outcomes[d].get('late', 0):,} mentions late)"
            )
    if args.by_tier:
        print()
        print("by entity tier (paged/events per kind; false pages per entity per 4 weeks):")
        for name, result in scores.items():
            for line in tier_lines(name, result):
                print(line)
    print()
    per_engine = ", ".join(
        f"{names[d]} {engine_seconds[d]:.1f}s ({mentions / max(engine_seconds[d], 1e-9):,.0f}/s)" for d in detectors
    )
    print(
        f"{mentions:,} mentions (+{resent:,} re-sent duplicates) in {elapsed:.1f}s wall on {jobs} process(es): "
        f"tuning {tuned_at - started:.1f}s, feeding {engine_at - tuned_at:.1f}s wall / {feed_seconds:.1f}s summed "
        f"over processes, of which inside the engines: {per_engine}; Python {platform.python_version()}"
    )

    return {
        "report_seeds": report_seeds,
        "tune_seeds": tune_seeds,
        "weeks": args.weeks,
        "entities": args.entities,
        "high_negative_entities": args.high_negative,
        "bursty_entities": args.bursty,
        "events_per_kind": args.events_per_kind,
        "detectors": names,
        "code": version,
        "planned_events": planned_mode(),
        "engine_settings": {names[d]: _jsonable(settings_for(d)) for d in detectors},
        "baselines": {
            name: {
                "params": t.detector.params(),
                "tune_false_pages_per_entity_4wk": round(t.false_pages_per_entity_4wk, 4),
                "tune_recall": round(t.recall, 4),
                "within_budget": t.within_budget,
                "grid": t.grid,
            }
            for name, t in tuned.items()
        },
        "results": {name: score_json(result) for name, result in scores.items()},
        "entity_runs": [
            {
                "key": run.key,
                "profile": _jsonable(series.profile),
                "mentions": _jsonable(run.mentions),
                "events": _jsonable(series.events),
                "bursts": _jsonable(series.bursts),
                "engines": {
                    names[d]: {
                        "outcomes": run.engines[d].outcomes,
                        "seconds": round(run.engines[d].seconds, 3),
                        "alerts": run.engines[d].details,
                    }
                    for d in detectors
                },
            }
            for _, series, run in results
        ],
        "mentions": mentions,
        "elapsed_s": round(elapsed, 2),
    }
