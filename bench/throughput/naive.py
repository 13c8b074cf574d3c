"""The naive Faust pipeline the issue compares against: one stream event per mention, stock VADER,
and a Table write per mention (each one a changelog record). Run: python -m bench.throughput.naive
with FIRESTORM_BROKER, FIRESTORM_APP_ID, FIRESTORM_MENTIONS_TOPIC and FIRESTORM_DATA_DIR set.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import faust
import orjson

WINDOW_MS = 60_000


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as English
        from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer as French
    stock = {"en": English(), "fr": French()}
    app_id = os.environ["FIRESTORM_APP_ID"]
    data_dir = Path(os.environ.get("FIRESTORM_DATA_DIR", ".run/bench-naive"))
    data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        app_id,
        broker=os.environ["FIRESTORM_BROKER"],
        store="memory://",
        datadir=str(data_dir / app_id),
        topic_partitions=int(os.environ.get("FIRESTORM_PARTITIONS", "4")),
        topic_replication_factor=1,
        web_enabled=False,
        broker_session_timeout=10.0,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
    )
    mentions = app.topic(os.environ["FIRESTORM_MENTIONS_TOPIC"], key_serializer="raw", value_serializer="raw")
    counts = app.Table("naive-windows", default=int, partitions=int(os.environ.get("FIRESTORM_PARTITIONS", "4")))

    @app.agent(mentions)
    async def process(stream: Any) -> None:
        async for value in stream:
            obj = orjson.loads(value)
            compound = stock[obj.get("lang") or "en"].polarity_scores(obj["text"])["compound"]
            key = f"{obj['entity']}:{obj['ts'] - obj['ts'] % WINDOW_MS}:{int(compound <= -0.05)}"
            counts[key] += 1

    app.main()


if __name__ == "__main__":
    import sys

    sys.argv = [sys.argv[0], "worker", "-l", "info", "--without-web"]
    main()
