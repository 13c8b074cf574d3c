"""The `firestorm` command: replay (embedded, no broker), worker (Faust on Kafka), produce."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO

from models.alerts import Alert
from streams.config import Config, ConfigError, load_config

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_BAD_LINES = 3  # the replay finished, but some lines were dead-lettered

CONFIG_HELP = """\
configuration (environment; a TOML file named by FIRESTORM_CONFIG may set the same keys in lowercase):
  FIRESTORM_BROKER           Kafka URL, e.g. kafka://127.0.0.1:9092
  FIRESTORM_MENTIONS_TOPIC   topic to read mentions from (default: mentions)
  FIRESTORM_ALERTS_TOPIC     topic to write alert events to (default: alerts)
  FIRESTORM_DLQ_TOPIC        dead-letter topic (default: <mentions>.dlq)
  FIRESTORM_PARTITIONS       partitions of the topics and state tables (default: 4)
  FIRESTORM_WINDOW           tumbling window size (default: 1m)
  FIRESTORM_ALLOWED_LATENESS how far the watermark trails event time (default: 30s)
  FIRESTORM_MIN_VOLUME       never alert below this many mentions in a window (default: 10)
  FIRESTORM_METRICS_PORT     port of /metrics on FIRESTORM_METRICS_HOST (default: 9108, 0: off)
  FIRESTORM_APP_ID           Faust app id: consumer group and state table prefix (default: firestorm)
"""


def _version() -> str:
    try:
        return version("firestorm")
    except PackageNotFoundError:
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="firestorm",
        description="Early warning for social-media firestorms: sentiment, event-time windows, spike alerts.",
        epilog=CONFIG_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"firestorm {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rep = sub.add_parser(
        "replay",
        help="replay a mentions file through the engine, no broker needed",
        description="Run the real engine on a JSON-lines file of mentions (.gz ok, - for stdin) "
        "and print the alert timeline.",
    )
    rep.add_argument("file", help="JSON-lines mentions file, .jsonl or .jsonl.gz, or - for standard input")
    rep.add_argument("--window", help="tumbling window size (default: FIRESTORM_WINDOW or 1m)")
    rep.add_argument("--lateness", help="allowed lateness (default: FIRESTORM_ALLOWED_LATENESS or 30s)")
    rep.add_argument("--min-volume", type=int, help="minimum mentions in a window to alert (default: 10)")
    rep.add_argument("--alerts-out", metavar="PATH", help="also write alert events as JSON lines to PATH")
    rep.add_argument("--drill", action="store_true", help="mark every alert as a drill")
    rep.add_argument("--metrics-port", type=int, help="serve /metrics on this port while replaying")
    rep.add_argument("-q", "--quiet", action="store_true", help="print only the summary")

    sub.add_parser(
        "worker",
        help="run the Faust worker on Kafka (configured from FIRESTORM_* variables)",
        description="Consume the mentions topic, keep changelogged per-entity state, emit alerts.",
        epilog=CONFIG_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    prod = sub.add_parser(
        "produce",
        help="load a mentions file into the mentions topic, keyed by entity",
        description="Send each line of a JSON-lines file to FIRESTORM_MENTIONS_TOPIC, keyed by entity.",
    )
    prod.add_argument("file", help="JSON-lines mentions file, .jsonl or .jsonl.gz, or - for standard input")
    prod.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="replay event-time gaps X times faster (default 0: as fast as possible)",
    )
    return parser


def _run_replay(args: argparse.Namespace, config: Config, out: IO[str], err: IO[str]) -> int:
    from streams.embedded import replay
    from streams.metrics import Metrics
    from streams.sources import iter_lines

    settings = config.engine_settings(drill=args.drill)
    metrics = None
    if args.metrics_port:
        metrics = Metrics(config.entity_label_cap)
        metrics.serve(config.metrics_host, args.metrics_port)
    with contextlib.ExitStack() as stack:
        sink = None
        if args.alerts_out:
            Path(args.alerts_out).parent.mkdir(parents=True, exist_ok=True)
            sink = stack.enter_context(Path(args.alerts_out).open("wb"))

        def on_alert(alert: Alert) -> None:
            if not args.quiet:
                print(alert.timeline_line(), file=out, flush=True)
            if sink is not None:
                sink.write(alert.to_json() + b"\n")

        result = replay(iter_lines(args.file), settings, on_alert=on_alert, metrics=metrics)
    tally = result.tally
    print(
        f"replayed {tally.consumed} mentions in {result.elapsed_s:.2f}s ({result.rate:,.0f}/s): "
        f"{tally.outcomes['accepted']} accepted, {tally.outcomes['duplicate']} duplicates, "
        f"{tally.outcomes['late']} late, {tally.outcomes['dead_letter']} bad; "
        f"{tally.unscored} unscored; {result.windows_closed} windows closed; {len(result.alerts)} alert events",
        file=err,
    )
    for number, reason in result.bad_lines:
        print(f"  line {number}: {reason}", file=err)
    if tally.outcomes["dead_letter"] > len(result.bad_lines):
        print(f"  ... and {tally.outcomes['dead_letter'] - len(result.bad_lines)} more bad lines", file=err)
    return EXIT_BAD_LINES if tally.outcomes["dead_letter"] else EXIT_OK


def _run_worker(config: Config) -> int:
    import faust

    from streams.app import create_app
    from streams.metrics import Metrics
    from streams.topics import ensure_topics
    from streams.worker import install_agent

    ensure_topics(config)
    fapp = create_app(config)
    metrics = Metrics(config.entity_label_cap)
    metrics.build.info({"version": _version()})
    metrics.serve(config.metrics_host, config.metrics_port)
    from models.timeutil import parse_duration_ms

    install_agent(
        fapp, config.engine_settings(), metrics, config.batch_size, parse_duration_ms(config.batch_wait) / 1000
    )
    worker = faust.Worker(fapp.app, loglevel=config.log_level, quiet=True)
    worker.execute_from_commandline()
    return EXIT_OK


def _run_produce(args: argparse.Namespace, config: Config, err: IO[str]) -> int:
    from streams.produce import produce
    from streams.sources import iter_lines
    from streams.topics import ensure_topics

    ensure_topics(config)
    result = produce(
        config,
        iter_lines(args.file),
        speed=args.speed,
        on_progress=lambda n: print(f"  sent {n:,} mentions", file=err, flush=True),
    )
    print(
        f"sent {result.sent} mentions to {config.mentions_topic} in {result.elapsed_s:.2f}s"
        + (f" ({result.unkeyed} without a readable entity)" if result.unkeyed else ""),
        file=err,
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        overrides = {}
        if args.command == "replay":
            overrides = {"window": args.window, "allowed_lateness": args.lateness, "min_volume": args.min_volume}
        config = load_config(**overrides)
    except ConfigError as exc:
        print(f"firestorm: configuration error: {exc}", file=err)
        return EXIT_ERROR
    logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "replay":
            return _run_replay(args, config, out, err)
        if args.command == "worker":
            return _run_worker(config)
        return _run_produce(args, config, err)
    except FileNotFoundError as exc:
        print(f"firestorm: {exc}", file=err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
