"""`firestorm ingest`: the subcommand's options, and building the connectors from them."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from pathlib import Path
from typing import IO, Any

from firestorm.streams.config import Config, ConfigError
from firestorm.streams.ingest.connector import Connector

log = logging.getLogger("firestorm.ingest")

DESCRIPTION = """\
Watch public sources for the entities of the watch list and produce a mention (the mention
contract) per entity a post names to FIRESTORM_MENTIONS_TOPIC, until Ctrl-C.

sources:
  bluesky   Bluesky's public firehose through Jetstream (WebSocket, no account): --bluesky
  mastodon  public or hashtag streams of Mastodon instances, token optional: --mastodon INSTANCE[#TAG]
  rss       RSS/Atom feeds polled with conditional GET: --rss URL
  webhook   an HTTP endpoint for mentions from any tool, shared secret or HMAC: --webhook HOST:PORT
"""

EPILOG = """\
watch list: [watch.<entity>] tables of the entities file (FIRESTORM_ENTITIES_FILE or --entities):
  [watch.skyway]
  terms = ["SkyWay", "sky way"]   handles = ["@skyway.bsky.social"]   hashtags = ["#skywayfail"]
  exclude = ["skyway bridge"]     languages = ["en", "fr"]
  the file is reloaded when it changes; --watch ENTITY=TERM,@HANDLE,#TAG adds entries.

secrets (environment, or the --*-file options):
  FIRESTORM_INGEST_WEBHOOK_SECRET       the webhook's shared secret (Authorization: Bearer ...)
  FIRESTORM_INGEST_WEBHOOK_HMAC_SECRET  key of the X-Firestorm-Signature: sha256=<HMAC of the body>
  FIRESTORM_INGEST_MASTODON_TOKEN       access token for instances whose streams need one

metrics on --metrics-port: firestorm_ingest_* on /metrics, /healthz, /readyz (ready: every source connected).
"""


def add_ingest_parser(sub: Any) -> None:
    ing = sub.add_parser(
        "ingest",
        help="watch Bluesky, Mastodon, RSS feeds and a webhook for the watched entities, produce mentions",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ing.add_argument(
        "--bluesky",
        nargs="?",
        const="wss://jetstream2.us-east.bsky.network/subscribe",
        metavar="URL",
        help="read Bluesky through Jetstream (default URL: the public jetstream2.us-east instance)",
    )
    ing.add_argument(
        "--mastodon",
        action="append",
        default=[],
        metavar="INSTANCE[#TAG]",
        help="stream an instance's public timeline, or one hashtag with #TAG, e.g. mastodon.social#skyway (repeatable)",
    )
    ing.add_argument("--mastodon-token-file", metavar="PATH", help="file holding a Mastodon access token")
    ing.add_argument("--rss", action="append", default=[], metavar="URL", help="poll an RSS or Atom feed (repeatable)")
    ing.add_argument("--rss-interval", type=float, default=300.0, metavar="SECONDS", help="between polls (default 300)")
    ing.add_argument("--webhook", metavar="HOST:PORT", help="accept mentions on http://HOST:PORT/mentions")
    ing.add_argument("--webhook-secret-file", metavar="PATH", help="file holding the webhook's shared secret")
    ing.add_argument("--webhook-hmac-secret-file", metavar="PATH", help="file holding the webhook's HMAC key")
    ing.add_argument(
        "--webhook-max-bytes", type=int, default=1024 * 1024, metavar="N", help="largest body accepted (default 1 MiB)"
    )
    ing.add_argument(
        "--entities", metavar="PATH", help="entities file with the watch list (default FIRESTORM_ENTITIES_FILE)"
    )
    ing.add_argument(
        "--watch",
        action="append",
        default=[],
        metavar="ENTITY=TERM,...",
        help="watch an entity by terms, @handles, #hashtags, e.g. skyway=skyway,@skyway.bsky.social (repeatable)",
    )
    ing.add_argument(
        "--state-dir", default=".run/ingest", metavar="DIR", help="connector cursors (default .run/ingest)"
    )
    ing.add_argument(
        "--metrics-port", type=int, default=9110, help="port of /metrics, /healthz, /readyz (default 9110, -1: off)"
    )


def _secret(path: str | None, env: str) -> str:
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
    return os.environ.get(env, "").strip()


def build_connectors(args: argparse.Namespace) -> list[Connector]:
    from firestorm.streams.ingest.jetstream import JetstreamConnector
    from firestorm.streams.ingest.mastodon import MastodonConnector
    from firestorm.streams.ingest.rss import FeedConnector
    from firestorm.streams.ingest.webhook import WebhookConnector

    connectors: list[Connector] = []
    if args.bluesky:
        connectors.append(JetstreamConnector(args.bluesky))
    token = _secret(args.mastodon_token_file, "FIRESTORM_INGEST_MASTODON_TOKEN") if args.mastodon else ""
    for spec in args.mastodon:
        instance, _, tag = spec.partition("#")
        connectors.append(MastodonConnector(instance, hashtag=tag, token=token))
    for url in args.rss:
        connectors.append(FeedConnector(url, interval_s=args.rss_interval))
    if args.webhook:
        host, _, port = args.webhook.rpartition(":")
        if not port.isdigit():
            raise ConfigError(f"--webhook wants HOST:PORT, got {args.webhook!r}")
        secret = _secret(args.webhook_secret_file, "FIRESTORM_INGEST_WEBHOOK_SECRET")
        hmac_secret = _secret(args.webhook_hmac_secret_file, "FIRESTORM_INGEST_WEBHOOK_HMAC_SECRET")
        if not secret and not hmac_secret:
            raise ConfigError(
                "--webhook needs a secret: FIRESTORM_INGEST_WEBHOOK_SECRET / --webhook-secret-file, "
                "or FIRESTORM_INGEST_WEBHOOK_HMAC_SECRET / --webhook-hmac-secret-file"
            )
        connectors.append(
            WebhookConnector(host or "127.0.0.1", int(port), secret, hmac_secret, max_body_bytes=args.webhook_max_bytes)
        )
    return connectors


def run_ingest(args: argparse.Namespace, config: Config, err: IO[str]) -> int:
    from firestorm.streams.ingest.metrics import IngestMetrics
    from firestorm.streams.ingest.runner import Runner
    from firestorm.streams.ingest.sink import KafkaSink
    from firestorm.streams.ingest.state import StateStore
    from firestorm.streams.ingest.watchlist import LiveWatchList, WatchListError, parse_watch_specs
    from firestorm.streams.kafka.topics import ensure_topics

    try:
        watch = LiveWatchList(args.entities or config.entities_file, parse_watch_specs(args.watch))
    except WatchListError as exc:
        print(f"firestorm: {exc}", file=err)
        return 1
    connectors = build_connectors(args)
    if not connectors:
        print("firestorm: no source: give --bluesky, --mastodon, --rss or --webhook (see --help)", file=err)
        return 1
    if not watch.matcher.entities and any(c.kind != "webhook" for c in connectors):
        print("firestorm: the watch list is empty: add [watch.<entity>] tables or --watch", file=err)
        return 1
    ensure_topics(config)
    metrics = IngestMetrics()
    runner = Runner(connectors, watch, KafkaSink(config), StateStore(args.state_dir), metrics)
    port = metrics.serve(config.metrics_host, args.metrics_port)
    print(
        f"ingest: {', '.join(c.name for c in connectors)} -> {config.mentions_topic}; watching "
        f"{len(watch.matcher.entities)} entities ({watch.matcher.size} terms)"
        + (f"; metrics on http://{config.metrics_host}:{port}/metrics" if port else ""),
        file=err,
        flush=True,
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await runner.run(stop)

    try:
        asyncio.run(main())
    finally:
        metrics.close()
    return 0
