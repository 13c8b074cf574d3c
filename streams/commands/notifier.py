"""`firestorm notifier`: the alerts topic in, pages out (or --dry-run on a file)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

from firestorm.streams.config import Config

if TYPE_CHECKING:
    from firestorm.streams.notifier.paging import Paging

from firestorm.streams.commands.common import EXIT_ERROR, EXIT_OK


def run(args: argparse.Namespace, config: Config, out: IO[str], err: IO[str]) -> int:
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
