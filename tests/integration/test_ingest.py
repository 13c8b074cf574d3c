"""`firestorm ingest` on the real broker: Jetstream frames in -> mentions topic -> worker -> alerts.

The frames are built from the synthetic incident of storms.py in Jetstream's documented v1 shape.
The connector is stopped half way and restarted with a rewind (so the source replays), and the
mentions topic must still hold every mention exactly once; then a worker raises the incident of
the watched entity and nothing for a storm of posts that only match an exclusion.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from firestorm.models.timeutil import parse_ts
from firestorm.streams.config import load_config
from firestorm.streams.ingest.jetstream import JetstreamConnector
from firestorm.streams.ingest.runner import Runner
from firestorm.streams.ingest.sink import KafkaSink
from firestorm.streams.ingest.state import StateStore
from firestorm.streams.ingest.watchlist import LiveWatchList
from firestorm.streams.kafka.topics import ensure_topics
from tests.integration.services import wait_for
from tests.integration.storms import storm_lines
from tests.integration.test_worker import wait_for_alerts
from tests.integration.worker_process import Stack, WorkerProcess
from tests.streams.ingest.servers import JetstreamServer

WATCH = """\
[watch.acme]
terms = ["acme"]
[watch.calm]
terms = ["calm"]
[watch.nova]
terms = ["nova"]
exclude = ["nova scotia"]
"""


def jetstream_frame(number: int, ts_ms: int, text: str) -> str:
    did = f"did:plc:author{number % 300:04d}"
    rkey = f"3lc{number:010d}"
    return orjson.dumps(
        {
            "did": did,
            "time_us": ts_ms * 1000 + number % 1000,
            "kind": "commit",
            "commit": {
                "rev": rkey,
                "operation": "create",
                "collection": "app.bsky.feed.post",
                "rkey": rkey,
                "record": {
                    "$type": "app.bsky.feed.post",
                    "createdAt": "2026-01-05T06:00:00Z",
                    "langs": ["en"],
                    "text": text,
                },
                "cid": f"bafy{number}",
            },
        }
    ).decode()


def incident_frames() -> tuple[list[str], Counter[str]]:
    """The storm of acme (and calm's quiet posts) as frames, plus a nova scotia storm that is excluded."""
    rng = random.Random(3)
    rows: list[tuple[int, str]] = []
    for line in storm_lines(entity="acme", quiet_entity="calm"):
        obj: dict[str, Any] = orjson.loads(line)
        rows.append((parse_ts(obj["ts"]), obj["text"]))
    expected = Counter(orjson.loads(line)["entity"] for line in storm_lines(entity="acme", quiet_entity="calm"))
    start = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)  # the same minutes as acme's storm
    for n in range(600):
        ts = start + timedelta(minutes=n // 40, seconds=rng.randint(0, 59))
        rows.append((int(ts.timestamp() * 1000), f"Nova Scotia ferry cancelled again, awful, furious passengers ({n})"))
    rows.sort()
    return [jetstream_frame(i, ts, text) for i, (ts, text) in enumerate(rows)], expected


async def ingest(stack: Stack, frames: list[str], state: Path, watch: Path, rewind_s: float = 0.0) -> float:
    """Run the connector until every frame is acked; the number of replayed posts it dropped."""
    config = load_config(stack.env())
    async with JetstreamServer(frames) as server:
        source = JetstreamConnector(server.url, batch_size=500, batch_wait_s=0.1, rewind_s=rewind_s)
        runner = Runner([source], LiveWatchList(str(watch)), KafkaSink(config), StateStore(state))
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        last = orjson.loads(frames[-1])["time_us"]
        while StateStore(state).load("bluesky")[0] != last:  # every frame read and its mentions acked
            if task.done():
                task.result()
            await asyncio.sleep(0.1)
        stop.set()
        await task
        return float(runner.metrics.duplicates.labels("bluesky")._value.get())


def test_jetstream_to_alerts_across_a_connector_restart(
    stack: Stack, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    ensure_topics(load_config(stack.env()))
    frames, expected = incident_frames()
    watch = tmp_path / "entities.toml"
    watch.write_text(WATCH, encoding="utf-8")
    state = tmp_path / "ingest-state"
    half = len(frames) // 2
    assert asyncio.run(ingest(stack, frames[:half], state, watch)) == 0
    replayed = asyncio.run(ingest(stack, frames, state, watch, rewind_s=120.0))  # a restart that replays 2 minutes
    assert replayed > 0

    def all_mentions() -> list[dict[str, Any]] | None:
        got = [orjson.loads(v) for _k, v, _h in stack.read_topic(stack.mentions, idle_s=1.0)]
        return got if len(got) >= sum(expected.values()) else None

    mentions = wait_for(all_mentions, 60, what="the mentions on the topic")
    ids = Counter((m["id"], m["entity"]) for m in mentions)
    assert max(ids.values()) == 1, "a mention was produced twice across the restart"
    assert Counter(m["entity"] for m in mentions) == expected  # none lost, none for nova
    assert all(m["source"] == "bluesky" and m["id"].startswith("at://did:plc:") for m in mentions)

    worker = WorkerProcess(stack)
    workers.append(worker)
    seen = wait_for_alerts(stack, worker, 2)
    assert [(a["entity"], a["status"]) for a in seen] == [("acme", "triggered"), ("acme", "resolved")]
    assert not [a for a in stack.alerts_seen() if a["entity"] in ("nova", "calm")]
