"""The `firestorm` command: replay (embedded, no broker), worker (Faust on Kafka), produce, score."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import logging
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, tzinfo
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn, cast

from firestorm.models.alerts import Alert
from firestorm.models.sentiment import SENTIMENT_MODES
from firestorm.streams import cli_help
from firestorm.streams.config import Config, ConfigError, load_config
from firestorm.streams.formats.base import InputError, InputSpec
from firestorm.streams.heap import settle_heap

if TYPE_CHECKING:
    from firestorm.streams.metrics import Metrics
    from firestorm.streams.notifier.drill import DrillPager
    from firestorm.streams.notifier.paging import Paging

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left
EXIT_BAD_LINES = 3  # the replay finished, but some lines were dead-lettered


def _version() -> str:
    try:
        return version("firestorm")
    except PackageNotFoundError:
        return "0+unknown"


DURATION_OPTIONS = ("--window", "--lateness")


class Parser(argparse.ArgumentParser):
    """argparse, with one-line option errors and a suggestion when an option is mistyped
    (`--no-lables`: did you mean --no-labels?)."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            unknown = [word for word in message.split(":", 1)[1].split() if word.startswith("-")]
            options = [o for action in self._active()._actions for o in action.option_strings if o.startswith("--")]
            for word in unknown:
                close = difflib.get_close_matches(word.split("=", 1)[0], options, n=1, cutoff=0.6)
                if close:
                    message += f" (did you mean {close[0]}?)"
        # one line, not the usage block before it: the error is what the reader needs, --help the rest
        prog = self._active().prog
        self.exit(2, f"{prog}: error: {message}; see {prog} --help\n")

    def _active(self) -> argparse.ArgumentParser:
        """The subcommand's parser when one was named (its options are the ones to suggest)."""
        chosen = getattr(self, "chosen_command", None)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and chosen in action.choices:
                return cast(argparse.ArgumentParser, action.choices[chosen])
        return self


def duration(text: str) -> str:
    """A duration option's value: a number with a unit (30s, 1m, 5m, 1h), checked here."""
    from firestorm.models.timeutil import parse_duration_ms

    if text.strip().replace(".", "", 1).isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} has no unit: write {text}s, {text}m or {text}h")
    if text.strip().startswith("-"):
        raise argparse.ArgumentTypeError(f"{text!r} is negative: a duration is positive, e.g. 1m")
    try:
        parse_duration_ms(text, allow_zero=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def time_zone(text: str) -> tzinfo:
    from firestorm.streams.zones import ZoneError, zone

    try:
        return zone(text)
    except ZoneError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _glue_negative_values(argv: list[str]) -> list[str]:
    """`--window -1m` as `--window=-1m`, so it reaches the value check instead of reading as an option."""
    out: list[str] = []
    for word in argv:
        if out and out[-1] in DURATION_OPTIONS and word[:1] == "-" and word[1:2].isdigit():
            out[-1] = f"{out[-1]}={word}"
        else:
            out.append(word)
    return out


INPUT_HELP = (
    "mentions file: JSON lines (the mention contract), CSV (with --csv-map), or an X API v2 export; "
    "gzip accepted; - for standard input"
)


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    """Input format options shared by replay and produce (see streams/formats)."""
    parser.add_argument(
        "--format",
        choices=("auto", "jsonl", "csv", "x-v2"),
        default="auto",
        help="input format (default auto: by extension, then by the first line)",
    )
    parser.add_argument(
        "--csv-map",
        metavar="MAP",
        help="CSV columns for mention fields: id=tweet_id,entity=brand,ts=created_at,text=body,"
        "author.id=user,author.followers=followers,... or a JSON/TOML file with that object",
    )
    parser.add_argument("--entity", help="entity of every row of an export that has no entity column (CSV, X)")
    parser.add_argument(
        "--tz",
        type=time_zone,
        metavar="ZONE",
        help="time zone (IANA name, e.g. Europe/Paris) of input times written without an offset (JSON lines, CSV)",
    )
    parser.add_argument(
        "--watch",
        action="append",
        metavar="ENTITY=TERM,...",
        help="entity of an export's rows by the terms their text names, e.g. skyway=skyway,@skyway (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="firestorm",
        description="Early warning for social-media firestorms: sentiment, event-time windows, spike alerts.",
        epilog=cli_help.overview(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"firestorm {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rep = sub.add_parser(
        "replay",
        help="replay a mentions file through the engine, no broker needed",
        description="Run the real engine on a file of mentions (JSON lines, CSV, X API v2; .gz ok, - for stdin) "
        "and print the alert timeline; optionally write a drill report and compare detector settings.",
        epilog=cli_help.epilog("replay"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rep.add_argument("file", help=INPUT_HELP)
    _add_input_options(rep)
    rep.add_argument("--window", type=duration, help="tumbling window size: 30s, 1m, 5m, 1h (default: 1m)")
    rep.add_argument("--lateness", type=duration, help="allowed lateness: 0s, 30s, 2m (default: 30s)")
    rep.add_argument(
        "--min-volume",
        type=int,
        help="minimum effective mentions (copies discounted) in a window, or in a 15/60-minute sum for a span "
        "or crisis event, to alert (default: 10)",
    )
    rep.add_argument("--alerts-out", metavar="PATH", help="also write alert events as JSON lines to PATH")
    rep.add_argument(
        "--drill",
        action="store_true",
        help="mark every alert as a drill; page with FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY (never the production key) "
        "and drill-enabled webhooks, if configured",
    )
    rep.add_argument("--metrics-port", type=int, help="serve /metrics (and /healthz) on this port while replaying")
    rep.add_argument(
        "--hold",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="with --metrics-port: keep serving the final metrics this long after the replay (Ctrl-C ends it)",
    )
    rep.add_argument(
        "--speed",
        type=float,
        default=0.0,
        metavar="X",
        help="replay event time X times faster than real time, e.g. 60 (default 0: as fast as possible)",
    )
    rep.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    rep.add_argument(
        "--display-tz",
        type=time_zone,
        metavar="ZONE",
        help="show the times of the timeline, the summary and the reports in this IANA zone, with its offset "
        "(default: UTC)",
    )
    rep.add_argument(
        "--report",
        action="append",
        metavar="PATH",
        help="write a drill report: PATH.html (self-contained page) or PATH.png (one picture); repeatable",
    )
    rep.add_argument(
        "--plan",
        action="append",
        metavar="FILE",
        help="planned events to rehearse, as `firestorm plan` declares them to workers: JSON objects (one, a list, "
        "or JSON lines) with entity, start, end, and uplift, mute, name; repeatable",
    )
    rep.add_argument("--labels", metavar="PATH", help="drill labels (default: <name>.labels.json next to the input)")
    rep.add_argument("--no-labels", action="store_true", help="ignore a labels sidecar next to the input")
    rep.add_argument(
        "--compare",
        nargs="+",
        metavar="VARIANT",
        help="also replay with each variant of the detector settings (EngineSettings fields), e.g. "
        "'min_volume=5' 'min_volume=20,trigger_score=8', and print a comparison table",
    )
    rep.add_argument("--no-progress", action="store_true", help="no progress bar (drawn only on a terminal anyway)")

    sub.add_parser(
        "worker",
        help="run the Faust worker on Kafka (configured from FIRESTORM_* variables)",
        description="Consume the mentions topic, keep changelogged per-entity state, emit alerts.",
        epilog=cli_help.epilog("worker"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    notifier = sub.add_parser(
        "notifier",
        help="deliver alert events to PagerDuty, webhooks and Slack (configured from FIRESTORM_* variables)",
        description="Consume the alerts topic and page: PagerDuty Events API v2 (dedup_key = incident id), "
        "webhooks, Slack; at-least-once, retried with backoff, rate limited, rejected events dead-lettered.",
        epilog=cli_help.epilog("notifier"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    notifier.add_argument(
        "--dry-run",
        metavar="ALERTS",
        help="no Kafka, nothing sent: print each request paging would send (PagerDuty, webhooks, Slack; "
        "secrets [redacted]) for the alert events of ALERTS (JSON lines, as replay --alerts-out writes; - for stdin)",
    )

    prod = sub.add_parser(
        "produce",
        help="load a mentions file into the mentions topic, keyed by entity",
        description="Send each mention of a file (JSON lines, CSV, X API v2; .gz ok) to FIRESTORM_MENTIONS_TOPIC, "
        "keyed by entity, with its event time in the payload.",
        epilog=cli_help.epilog("produce"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    prod.add_argument("file", help=INPUT_HELP)
    _add_input_options(prod)
    prod.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="replay event-time gaps X times faster (default 0: as fast as possible)",
    )

    score = sub.add_parser(
        "score",
        help="print the sentiment of each mention of a file, one JSON line each",
        description="Score each mention of a file (JSON lines, CSV, X API v2; .gz ok, - for stdin): "
        "one JSON line with id, lang, compound and label (negative <= -0.05 < neutral < 0.05 <= positive). "
        "Rows need only id and text; the model mode adds complaint (English).",
        epilog=cli_help.epilog("score") + "See docs/sentiment.md.\n",
    )
    score.add_argument("file", help=INPUT_HELP)
    _add_input_options(score)
    score.add_argument(
        "--explain", action="store_true", help="add the words that moved the score, with valences (the model: weights)"
    )
    score.add_argument("--sentiment", choices=SENTIMENT_MODES, help="scorer (default: FIRESTORM_SENTIMENT)")

    plan = sub.add_parser(
        "plan",
        help="declare a planned event (expected uplift or a mute window) to running workers",
        description="Send a planned event to FIRESTORM_CONTROL_TOPIC: between START and END the detector "
        "expects UPLIFT x the normal volume of ENTITY (or, with --mute, raises nothing for it).",
        epilog=cli_help.epilog("plan"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.add_argument("entity", help="the entity (lowercase slug)")
    plan.add_argument("--start", required=True, help="ISO-8601 time with zone, e.g. 2026-03-10T09:00:00Z")
    plan.add_argument("--end", required=True, help="ISO-8601 time with zone")
    plan.add_argument("--uplift", type=float, default=1.0, help="expected volume as a multiple of normal")
    plan.add_argument("--mute", action="store_true", help="raise no alert for the entity in this window")
    plan.add_argument("--name", default="", help="what it is (a launch, a campaign), shown in alerts")
    from firestorm.streams.ingest.cli import add_ingest_parser

    add_ingest_parser(sub)
    return parser


def _run_score(args: argparse.Namespace, config: Config, out: IO[str], err: IO[str]) -> int:
    from firestorm.models.sentiment import SentimentScorer
    from firestorm.streams.drills.score import ScoreTally, score_records, to_line
    from firestorm.streams.formats import InputFile, read_records

    scorer = SentimentScorer(args.sentiment or config.sentiment)
    tally = ScoreTally()
    with InputFile(args.file) as source:
        _fmt, records = read_records(source, _input_spec(args))
        for result in score_records(records, scorer, explain=args.explain, tally=tally):
            print(to_line(result), file=out)
    if tally.bad and not tally.scored and not tally.unscored:
        print(f"firestorm: {nothing_usable(source.name, tally.bad_lines, tally.reasons)}", file=err)
        return EXIT_ERROR
    print(
        f"scored {tally.scored} mentions ({scorer.mode}); {tally.unscored} unscored; {tally.bad} bad rows"
        + (f"; {tally.unmatched} rows named no watched entity" if tally.unmatched else ""),
        file=err,
    )
    _print_bad_lines(err, tally.bad_lines, tally.bad)
    return EXIT_BAD_LINES if tally.bad else EXIT_OK


def _run_plan(args: argparse.Namespace, config: Config, err: IO[str]) -> int:
    from firestorm.models.planned import PlannedEventError, planned_event_from_obj
    from firestorm.streams.kafka.topics import ensure_topics
    from firestorm.streams.worker.control import publish_planned_event

    obj = {"entity": args.entity, "start": args.start, "end": args.end, "uplift": args.uplift, "mute": args.mute}
    try:
        event = planned_event_from_obj({**obj, "name": args.name})
    except PlannedEventError as exc:
        print(f"firestorm: {exc}", file=err)
        return EXIT_ERROR
    ensure_topics(config)
    publish_planned_event(config, event)
    print(f"planned event sent to {config.control_topic}: {event.describe()}", file=err)
    return EXIT_OK


def _input_spec(args: argparse.Namespace) -> InputSpec:
    from firestorm.streams.formats import InputSpec, WatchList, parse_csv_map

    return InputSpec(
        format=args.format,
        csv_map=parse_csv_map(args.csv_map) if args.csv_map else {},
        entity=args.entity,
        watch=WatchList.parse(args.watch or []),
        tz=args.tz,
    )


def nothing_usable(name: str, bad_lines: Sequence[tuple[int, str]], reasons: Mapping[str, int]) -> str:
    """One line for a file where every row failed: how many, why, the first one, and what to do."""
    total = sum(reasons.values())
    if len(reasons) == 1:
        why = f"all {total} rows failed with {next(iter(reasons))}"
    else:
        why = f"all {total} rows failed: {', '.join(f'{r} {n}' for r, n in Counter(reasons).most_common())}"
    first = f" (first, line {bad_lines[0][0]}: {bad_lines[0][1].split(': ', 1)[-1]})" if bad_lines else ""
    detail = bad_lines[0][1] if bad_lines else ""
    hint = ""
    if "no time zone" in detail:
        hint = ": the times have no offset: give their zone with --tz, e.g. --tz Europe/Paris"
    elif "not_object" in detail or "not_json" in detail:
        hint = ": is it JSON lines (one mention object per line)? see docs/drills.md#your-own-exports"
    return f"no usable row in {name}: {why}{first}{hint}"


def _print_bad_lines(err: IO[str], bad_lines: list[tuple[int, str]], total: int) -> None:
    for number, reason in bad_lines:
        print(f"  line {number}: {reason}", file=err)
    if total > len(bad_lines):
        print(f"  ... and {total - len(bad_lines)} more bad lines", file=err)


def _run_replay(args: argparse.Namespace, config: Config, out: IO[str], err: IO[str]) -> int:
    from firestorm.models.narratives import top_narrative_line
    from firestorm.models.pipeline import MentionProcessor
    from firestorm.streams.drills.compare import CachingScorer, format_table, run_variants, variant_settings
    from firestorm.streams.drills.plan_file import load_plan_file
    from firestorm.streams.drills.progress import Progress
    from firestorm.streams.drills.replay import Pacer, replay
    from firestorm.streams.drills.report import (
        ReportCollector,
        build_report,
        check_report_path,
        find_sidecar,
        fmt_duration,
        load_labels,
        write_report,
    )
    from firestorm.streams.drills.timeline import timeline_line
    from firestorm.streams.formats import InputFile, read_records
    from firestorm.streams.metrics import Metrics

    spec = _input_spec(args)
    shown_tz: tzinfo = args.display_tz or UTC
    for path in args.report or []:
        check_report_path(path)
    labels = None
    if args.labels:
        labels = load_labels(args.labels)
    elif not args.no_labels:
        sidecar = find_sidecar(args.file)
        labels = load_labels(sidecar) if sidecar else None
    settings = config.engine_settings(drill=args.drill)
    if args.report:  # the report's per-minute series: every window of every entity, dormant or not
        settings = dataclasses.replace(settings, every_window=True)
    rehearsed = [event for path in args.plan or [] for event in load_plan_file(path)]
    planned = (*config.planned_events(), *(labels.planned if labels else ()), *rehearsed)
    for variant in args.compare or []:
        variant_settings(settings, variant)  # a typo fails now, not after the first replay
    metrics = None
    if args.metrics_port:
        metrics = Metrics(
            config.entity_label_cap, settings=settings, role="replay", driver_terms=bool(config.metrics_driver_terms)
        )
        metrics.serve(config.metrics_host, args.metrics_port)
    collector = ReportCollector(settings, labels) if args.report else None
    processor = MentionProcessor(CachingScorer(config.sentiment) if args.compare else config.scorer())
    with contextlib.ExitStack() as stack:
        pager = _drill_pager(config, err, stack) if args.drill else None
        source = stack.enter_context(InputFile(args.file))
        fmt, records = read_records(source, spec)
        if args.compare:
            records = iter(kept := list(records))  # replayed once more per variant
        progress = Progress(
            err,
            position=source.position,
            total_bytes=source.total_bytes,
            enabled=False if (args.quiet or args.no_progress) else None,
        )
        sink = None
        if args.alerts_out:
            Path(args.alerts_out).parent.mkdir(parents=True, exist_ok=True)
            sink = stack.enter_context(Path(args.alerts_out).open("wb"))

        def on_alert(alert: Alert) -> None:
            if not args.quiet:
                progress.close()
                print(timeline_line(alert, shown_tz), file=out, flush=True)
                story = top_narrative_line(alert.drivers.narratives)
                if story is not None:
                    print(f"    {story}", file=out, flush=True)
            if sink is not None:
                sink.write(alert.to_json() + b"\n")
            if pager is not None:
                pager.submit(alert)

        settle_heap()
        try:
            result = replay(
                records,
                settings,
                on_alert=on_alert,
                metrics=metrics,
                processor=processor,
                on_window=collector.on_window if collector else None,
                on_processed=collector.on_processed if collector else None,
                on_progress=progress.update,
                planned=planned,
                pacer=Pacer(args.speed) if args.speed > 0 else None,
            )
        finally:
            progress.close()
    tally = result.tally
    if tally.consumed and not tally.outcomes["accepted"] and tally.outcomes["dead_letter"] == tally.consumed:
        print(f"firestorm: {nothing_usable(source.name, result.bad_lines, tally.dead_letter_reasons)}", file=err)
        return EXIT_ERROR
    if not tally.consumed and not result.unmatched:
        what = "is empty" if source.total_bytes == 0 else "holds no mentions"
        print(f"firestorm: warning: {source.name} {what}: nothing to replay", file=err)
    unmatched = f"; {result.unmatched} rows named no watched entity" if result.unmatched else ""
    print(
        f"replayed {tally.consumed} mentions in {result.elapsed_s:.2f}s ({result.rate:,.0f}/s): "
        f"{tally.outcomes['accepted']} accepted, {tally.outcomes['duplicate']} duplicates, "
        f"{tally.outcomes['late']} late, {tally.outcomes['dead_letter']} bad; "
        f"{tally.unscored} unscored; {result.windows_closed} windows closed; {len(result.alerts)} alert events"
        f"{unmatched}",
        file=err,
    )
    _print_bad_lines(err, result.bad_lines, tally.outcomes["dead_letter"])
    for event in rehearsed:
        print(f"planned event (--plan): {event.describe()}", file=err)
    if labels is not None and labels.onset_ms is not None:
        from firestorm.streams.drills.compare import evaluate
        from firestorm.streams.zones import zone_label, zoned_clock_time

        drill = evaluate("", settings, result.alerts, labels, result.elapsed_s)
        quiet = ", ".join(labels.quiet_entities)
        first = drill.first_alert_ms
        print(
            f"labels {labels.path}: {labels.entity} onset {zoned_clock_time(labels.onset_ms, shown_tz)}"
            + ("" if shown_tz is UTC else f" ({zone_label(shown_tz)})")
            + ", "
            + (
                f"first alert {zoned_clock_time(first, shown_tz)} "
                f"(time to detect {fmt_duration(drill.time_to_detect_ms)})"
                if first is not None
                else "NOT DETECTED"
            )
            + (f"; quiet entities ({quiet}): {drill.quiet_alerts} alert events" if quiet else ""),
            file=err,
        )
    if args.compare:
        results = run_variants(kept, settings, args.compare, labels, processor, base_result=result, planned=planned)
        print(format_table(results, labels), file=out)
    if collector is not None:
        report = build_report(
            collector,
            title=labels.incident if labels and labels.incident else Path(source.name).name,
            input_name=source.name,
            input_format=fmt,
            summary={
                "input": f"{source.name} ({fmt}{', gzip' if source.compressed else ''})",
                "mentions read": f"{tally.consumed:,}",
                "accepted": f"{tally.outcomes['accepted']:,}",
                "duplicates / late": f"{tally.outcomes['duplicate']:,} / {tally.outcomes['late']:,}",
                "bad lines (skipped)": f"{tally.outcomes['dead_letter']:,}"
                + (
                    f" ({', '.join(f'{k} {v}' for k, v in tally.dead_letter_reasons.most_common())})"
                    if tally.dead_letter_reasons
                    else ""
                ),
                "rows for no watched entity": f"{result.unmatched:,}",
                "not scored (other languages)": f"{tally.unscored:,}",
                "replay": f"{result.elapsed_s:.2f} s, {result.rate:,.0f} mentions/s",
                "drill": "yes: alerts are marked drill" if settings.drill else "no",
            },
            bad_lines=result.bad_lines,
            version=_version(),
        )
        for path in args.report:
            write_report(report, path, shown_tz)
            print(f"report written to {path}", file=err)
    if metrics is not None:
        _hold_metrics(metrics, config.metrics_host, args.metrics_port, args.hold, err)
    if pager is not None and not pager.report.ok:
        return EXIT_ERROR
    return EXIT_BAD_LINES if tally.outcomes["dead_letter"] else EXIT_OK


def _hold_metrics(metrics: Metrics, host: str, port: int, hold_s: float, err: IO[str]) -> None:
    """replay --hold: keep the final metrics scrapeable for a while, then stop serving."""
    import time

    if hold_s > 0:
        print(f"serving http://{host}:{port}/metrics for {hold_s:g}s (Ctrl-C to stop)", file=err, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            time.sleep(hold_s)
    metrics.close()


def _run_worker(config: Config) -> int:
    from firestorm.streams.kafka.app import create_app
    from firestorm.streams.kafka.faust_compat import BoundedWorker
    from firestorm.streams.kafka.topics import ensure_topics, resolve_replication
    from firestorm.streams.metrics import Metrics
    from firestorm.streams.worker.service import install_worker

    config = resolve_replication(config)
    ensure_topics(config)
    fapp = create_app(config)
    metrics = Metrics(
        config.entity_label_cap,
        settings=config.engine_settings(),
        role="worker",
        driver_terms=bool(config.metrics_driver_terms),
    )
    metrics.serve(config.metrics_host, config.metrics_port)
    install_worker(fapp, config, metrics)
    worker = BoundedWorker(
        fapp.app, loglevel=config.log_level, quiet=True, shutdown_timeout_s=config.shutdown_timeout_s
    )
    worker.execute_from_commandline()
    return EXIT_OK


def _run_produce(args: argparse.Namespace, config: Config, err: IO[str]) -> int:
    from firestorm.streams.drills.progress import Progress
    from firestorm.streams.formats import InputFile, Record, Rejected, read_records
    from firestorm.streams.kafka.produce import produce
    from firestorm.streams.kafka.topics import ensure_topics

    spec = _input_spec(args)
    ensure_topics(config)
    bad: list[tuple[int, str]] = []
    skipped = {"bad": 0, "unmatched": 0}
    reasons: Counter[str] = Counter()
    with InputFile(args.file) as source:
        fmt, records = read_records(source, spec)

        def sendable(items: Iterable[Record]) -> Iterator[tuple[int, bytes]]:
            for number, item in items:
                if isinstance(item, Rejected):
                    skipped["bad" if item.error else "unmatched"] += 1
                    if item.error:
                        reasons[item.reason] += 1
                    if item.error and len(bad) < 50:
                        bad.append((number, f"{item.reason}: {item.detail}"))
                    continue
                yield number, item

        progress = Progress(err, position=source.position, total_bytes=source.total_bytes, noun="sent")
        try:
            result = produce(
                config,
                sendable(records),
                speed=args.speed,
                on_progress=None
                if progress.enabled
                else (lambda n: print(f"  sent {n:,} mentions", file=err, flush=True)),
                on_sent=progress.update,
            )
        finally:
            progress.close()
    if skipped["bad"] and not result.sent:
        print(f"firestorm: {nothing_usable(source.name, bad, reasons)}", file=err)
        return EXIT_ERROR
    print(
        f"sent {result.sent} mentions ({fmt}) to {config.mentions_topic} in {result.elapsed_s:.2f}s"
        + (f" ({result.unkeyed} without a readable entity)" if result.unkeyed else "")
        + (f"; skipped {skipped['bad']} bad rows" if skipped["bad"] else "")
        + (f"; {skipped['unmatched']} rows named no watched entity" if skipped["unmatched"] else ""),
        file=err,
    )
    _print_bad_lines(err, bad, skipped["bad"])
    return EXIT_BAD_LINES if skipped["bad"] else EXIT_OK


def _drill_pager(config: Config, err: IO[str], stack: contextlib.ExitStack) -> DrillPager | None:
    """replay --drill pages through the notifier's delivery code, with the drill routing key only."""
    from firestorm.streams.notifier.drill import DrillPager
    from firestorm.streams.notifier.paging import load_paging
    from firestorm.streams.notifier.secrets import install_redaction

    paging = load_paging(config, drill_only=True)
    install_redaction(paging.secrets())
    pager = DrillPager(paging)
    if not pager.has_destinations:
        pager.discard()
        print("drill: not paging (no FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY, no webhook with drills = true)", file=err)
        return None
    print(f"drill: paging {paging.describe()}", file=err)

    def finish() -> None:
        for line in pager.finish().lines():
            print(line, file=err)

    pager.start()
    stack.callback(finish)
    return pager


def _run_notifier(args: argparse.Namespace, config: Config, out: IO[str], err: IO[str]) -> int:
    from firestorm.streams.notifier.metrics import NotifierMetrics
    from firestorm.streams.notifier.paging import load_paging
    from firestorm.streams.notifier.secrets import install_redaction
    from firestorm.streams.notifier.service import ensure_notifier_topics, serve

    paging = load_paging(config)
    install_redaction(paging.secrets())
    if args.dry_run:
        return _notifier_dry_run(args.dry_run, paging, out, err)
    ensure_notifier_topics(config)
    metrics = NotifierMetrics()
    metrics.serve(config.metrics_host, config.notifier_metrics_port)
    serve(config, paging, metrics)
    return EXIT_OK


def _notifier_dry_run(source: str, paging: Paging, out: IO[str], err: IO[str]) -> int:
    """notifier --dry-run: the requests the real sinks would send for a file of alert events."""
    from firestorm.streams.notifier.dry_run import AlertsFileError, dry_run, print_dry_run, read_alerts

    try:
        lines = sys.stdin.buffer.read().splitlines() if source == "-" else Path(source).read_bytes().splitlines()
        alerts = list(read_alerts(lines, "standard input" if source == "-" else source))
    except OSError as exc:
        print(f"firestorm: cannot read {source}: {exc.strerror or exc}", file=err)
        return EXIT_ERROR
    except AlertsFileError as exc:
        print(f"firestorm: {exc}", file=err)
        return EXIT_ERROR
    print(f"# dry run: {len(alerts)} alert events, paging {paging.describe()}", file=out)
    print_dry_run(dry_run(paging, alerts), paging, out)
    return EXIT_OK


class _TransientMetadata(logging.Filter):
    """kafka-python logs an ERROR when a topic created a moment ago is not in its metadata yet; it retries."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "not found in cluster metadata" not in record.getMessage()


def _quiet_kafka_client() -> None:
    """kafka-python narrates every connection at INFO: keep its warnings and errors only (debug shows all)."""
    client = logging.getLogger("kafka")
    client.setLevel(max(client.getEffectiveLevel(), logging.WARNING))
    logging.getLogger("kafka.cluster").addFilter(_TransientMetadata())


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    words = _glue_negative_values(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    parser.chosen_command = next((w for w in words if not w.startswith("-")), None)  # type: ignore[attr-defined]
    args = parser.parse_args(words)
    try:
        overrides = {}
        if args.command == "replay":
            overrides = {"window": args.window, "allowed_lateness": args.lateness, "min_volume": args.min_volume}
        config = load_config(**overrides)
    except ConfigError as exc:
        print(f"firestorm: configuration error: {exc}", file=err)
        return EXIT_ERROR
    logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if config.log_level.lower() != "debug":
        _quiet_kafka_client()
    try:
        if args.command == "replay":
            return _run_replay(args, config, out, err)
        if args.command == "worker":
            return _run_worker(config)
        if args.command == "notifier":
            return _run_notifier(args, config, out, err)
        if args.command == "score":
            return _run_score(args, config, out, err)
        if args.command == "plan":
            return _run_plan(args, config, err)
        if args.command == "ingest":
            from firestorm.streams.ingest.cli import run_ingest

            return run_ingest(args, config, err)
        return _run_produce(args, config, err)
    except ConfigError as exc:  # paging settings are checked when a command needs them
        print(f"firestorm: configuration error: {exc}", file=err)
        return EXIT_ERROR
    except (FileNotFoundError, InputError) as exc:
        print(f"firestorm: {exc}", file=err)
        return EXIT_ERROR
    except (PermissionError, IsADirectoryError) as exc:
        print(f"firestorm: cannot read {exc.filename}: {exc.strerror}", file=err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away(out)


def _reader_went_away(out: IO[str]) -> int:
    """Stop quietly when the reader of our output (head, less) closed the pipe, as Unix tools do.

    Python flushes stdout again at exit; pointing it at /dev/null first keeps that flush from
    printing a second BrokenPipeError traceback.
    """
    with contextlib.suppress(OSError, ValueError):  # a stream with no file behind it has nothing to flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
