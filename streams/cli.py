"""The `firestorm` command line: the parser and a dispatcher; each command is a module of streams/commands/."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import logging
import os
import sys
from collections.abc import Sequence
from datetime import tzinfo
from typing import IO, Any, NoReturn, cast

from firestorm.models.sentiment import SENTIMENT_MODES
from firestorm.streams import cli_help
from firestorm.streams.commands import notifier, plan, produce, replay, score, worker
from firestorm.streams.commands.common import EXIT_BAD_LINES, EXIT_BROKEN_PIPE, EXIT_ERROR, EXIT_OK, firestorm_version
from firestorm.streams.config import ConfigError, load_config
from firestorm.streams.formats.base import InputError

__all__ = ["EXIT_BAD_LINES", "EXIT_ERROR", "EXIT_OK", "build_parser", "main"]  # what scripts and tests use


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


def _add_input(parser: argparse.ArgumentParser) -> None:
    """The input file and its format options, shared by replay, produce and score (see streams/formats)."""
    parser.add_argument("file", help=INPUT_HELP)
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
    _repeatable(
        parser,
        "--watch",
        "ENTITY=TERM,...",
        "entity of an export's rows by the terms their text names, e.g. skyway=skyway,@skyway (repeatable)",
    )


def _repeatable(parser: argparse.ArgumentParser, flag: str, metavar: str, help: str) -> None:
    """An option that may be given several times; its values are kept as a list (None when absent)."""
    parser.add_argument(flag, action="append", metavar=metavar, help=help)


def _command(sub: Any, name: str, help: str, description: str) -> argparse.ArgumentParser:
    """A command's parser: its help line, its description, and its epilog (examples, environment)
    (cli_help.py) shown as written."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=cli_help.epilog(name),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="firestorm",
        description="Early warning for social-media firestorms: sentiment, event-time windows, spike alerts.",
        epilog=cli_help.overview(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"firestorm {firestorm_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rep = _command(
        sub,
        "replay",
        help="replay a mentions file through the engine, no broker needed",
        description="Run the real engine on a file of mentions (JSON lines, CSV, X API v2; .gz ok, - for stdin) "
        "and print the alert timeline; optionally write a drill report and compare detector settings.",
    )
    _add_input(rep)
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
    _repeatable(
        rep,
        "--report",
        "PATH",
        "write a drill report: PATH.html (self-contained page) or PATH.png (one picture); repeatable",
    )
    _repeatable(
        rep,
        "--plan",
        "FILE",
        "planned events to rehearse, as `firestorm plan` declares them to workers: JSON objects (one, a list, "
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

    _command(
        sub,
        "worker",
        help="run the Faust worker on Kafka (configured from FIRESTORM_* variables)",
        description="Consume the mentions topic, keep changelogged per-entity state, emit alerts.",
    )

    notifier = _command(
        sub,
        "notifier",
        help="deliver alert events to PagerDuty, webhooks and Slack (configured from FIRESTORM_* variables)",
        description="Consume the alerts topic and page: PagerDuty Events API v2 (dedup_key = incident id), "
        "webhooks, Slack; at-least-once, retried with backoff, rate limited, rejected events dead-lettered.",
    )
    notifier.add_argument(
        "--dry-run",
        metavar="ALERTS",
        help="no Kafka, nothing sent: print each request paging would send (PagerDuty, webhooks, Slack; "
        "secrets [redacted]) for the alert events of ALERTS (JSON lines, as replay --alerts-out writes; - for stdin)",
    )

    prod = _command(
        sub,
        "produce",
        help="load a mentions file into the mentions topic, keyed by entity",
        description="Send each mention of a file (JSON lines, CSV, X API v2; .gz ok) to FIRESTORM_MENTIONS_TOPIC, "
        "keyed by entity, with its event time in the payload.",
    )
    _add_input(prod)
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
    _add_input(score)
    explain = "add the words that moved the score: valences, the model's weights, or the sarcasm rule's cues"
    score.add_argument("--explain", action="store_true", help=explain)
    score.add_argument("--sentiment", choices=SENTIMENT_MODES, help="scorer (default: FIRESTORM_SENTIMENT)")

    plan = _command(
        sub,
        "plan",
        help="declare a planned event (expected uplift or a mute window) to running workers",
        description="Send a planned event to FIRESTORM_CONTROL_TOPIC: between START and END the detector "
        "expects UPLIFT x the normal volume of ENTITY (or, with --mute, raises nothing for it).",
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
            return replay.run(args, config, out, err)
        if args.command == "worker":
            return worker.run(config)
        if args.command == "notifier":
            return notifier.run(args, config, out, err)
        if args.command == "score":
            return score.run(args, config, out, err)
        if args.command == "plan":
            return plan.run(args, config, err)
        if args.command == "ingest":
            from firestorm.streams.ingest.cli import run_ingest

            return run_ingest(args, config, err)
        return produce.run(args, config, err)
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
