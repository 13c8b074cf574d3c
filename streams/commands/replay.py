"""`firestorm replay`: a file through the real engine, no broker (with --compare, --report, --drill)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
from datetime import UTC, tzinfo
from pathlib import Path
from typing import IO, TYPE_CHECKING

from firestorm.models.alerts import Alert
from firestorm.streams.config import Config
from firestorm.streams.heap import settle_heap

if TYPE_CHECKING:
    from firestorm.streams.metrics import Metrics
    from firestorm.streams.notifier.drill import DrillPager

from firestorm.streams.commands.common import (
    EXIT_BAD_LINES,
    EXIT_ERROR,
    EXIT_OK,
    firestorm_version,
    input_spec,
    nothing_usable,
    print_bad_lines,
)


def run(args: argparse.Namespace, config: Config, out: IO[str], err: IO[str]) -> int:
    from firestorm.models.narrative_text import top_narrative_line
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

    spec = input_spec(args)
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
    print_bad_lines(err, result.bad_lines, tally.outcomes["dead_letter"])
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
            version=firestorm_version(),
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
