"""Fixtures for the replay/drill tests: a small synthetic incident in every input format."""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from firestorm.models.engine import EngineSettings
from firestorm.models.timeutil import iso_utc
from firestorm.streams.cli import main
from firestorm.streams.drills.replay import ReplayResult, replay
from firestorm.streams.drills.report import ReportCollector, load_labels
from firestorm.streams.formats import InputFile, InputSpec, read_records

T0 = 1_772_409_600_000  # 2026-03-02T00:00:00Z
MINUTE = 60_000
ONSET = T0 + 120 * MINUTE  # 02:00, after two quiet hours (the detector warms up for one)
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

QUIET = ("Flying acme again next week, good value", "Nice lounge, thanks acme", "The acme app was quick today")
STORM = (
    "This is a disgrace, @acme cancelled everything. Worst service ever #acmefail",
    "Stuck for five hours, acme is a total disaster, terrible and awful",
    "Furious with acme. Angry, stranded and ignored, horrible #acmefail",
)
CALM = ("Opened a calm savings account, easy", "calm bank app works well", "Good chat with calm support")


def synthetic_incident(seed: int = 7) -> list[dict[str, Any]]:
    """acme: quiet, then a 20-minute negative storm at ONSET; calm: quiet throughout. Sorted by ts."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    n = 0
    for minute in range(180):
        start = T0 + minute * MINUTE
        storm = 0 <= (start - ONSET) // MINUTE < 20
        plan = [("acme", QUIET)] * rng.choice((0, 0, 1)) + [("calm", CALM)] * rng.choice((0, 1))
        plan += [("acme", STORM)] * (30 if storm else 0)
        for entity, texts in plan:
            n += 1
            author = f"user{rng.randrange(400)}"
            out.append(
                {
                    "id": str(1_000_000 + n),
                    "entity": entity,
                    "ts": iso_utc(start + rng.randrange(59_000)),
                    "text": f"{rng.choice(texts)} {n}",  # each post its own text: copies are discounted
                    "lang": "en",
                    "author": {"id": author, "followers": rng.randrange(5_000)},
                    "source": "x",
                }
            )
    out.sort(key=lambda o: (o["ts"], o["id"]))
    return out


def labels_obj() -> dict[str, Any]:
    return {
        "incident": "acme-synthetic",
        "entity": "acme",
        "onset": iso_utc(ONSET),
        "end": iso_utc(ONSET + 20 * MINUTE),
        "quiet_entities": ["calm"],
        "description": "synthetic storm for tests",
    }


def to_jsonl(objs: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(o) + b"\n" for o in objs)


def to_csv(objs: list[dict[str, Any]]) -> bytes:
    """Export-like column names, so a --csv-map is needed."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["tweet_id", "brand", "created_at", "body", "language", "user", "followers"])
    for o in objs:
        writer.writerow(
            [o["id"], o["entity"], o["ts"], o["text"], o["lang"], o["author"]["id"], o["author"]["followers"]]
        )
    return buf.getvalue().encode()


CSV_MAP = "id=tweet_id,entity=brand,ts=created_at,text=body,lang=language,author.id=user,author.followers=followers"


def to_x_pages(objs: list[dict[str, Any]], per_page: int = 50) -> bytes:
    """X API v2 search response pages, one per line (as twarc2 writes them); no entity field."""
    lines = []
    for i in range(0, len(objs), per_page):
        chunk = objs[i : i + per_page]
        users = {o["author"]["id"]: o["author"]["followers"] for o in chunk}
        page = {
            "data": [
                {
                    "id": o["id"],
                    "text": o["text"],
                    "created_at": o["ts"].replace("Z", ".000Z"),
                    "lang": o["lang"],
                    "author_id": "9" + o["author"]["id"][4:],
                    "edit_history_tweet_ids": [o["id"]],
                }
                for o in chunk
            ],
            "includes": {
                "users": [
                    {
                        "id": "9" + u[4:],
                        "username": u,
                        "name": u.title(),
                        "public_metrics": {"followers_count": f, "following_count": 10, "tweet_count": 99},
                    }
                    for u, f in users.items()
                ]
            },
            "meta": {"result_count": len(chunk), "newest_id": chunk[-1]["id"], "oldest_id": chunk[0]["id"]},
        }
        lines.append(json.dumps(page))
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="session")
def incident() -> list[dict[str, Any]]:
    return synthetic_incident()


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def _write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        return path

    return _write


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def replay_file(path: Path | str, spec: InputSpec | None = None, **kwargs: Any) -> ReplayResult:
    with InputFile(str(path)) as source:
        _fmt, records = read_records(source, spec or InputSpec())
        return replay(records, kwargs.pop("settings", EngineSettings()), **kwargs)


@pytest.fixture(scope="session")
def skyway_collected() -> tuple[ReportCollector, ReplayResult]:
    """The English example replayed once with a report collector (about 3 s)."""
    labels = load_labels(EXAMPLES / "skyway-outage-en.labels.json")
    settings = EngineSettings(drill=True)
    collector = ReportCollector(settings, labels)
    result = replay_file(
        EXAMPLES / "skyway-outage-en.jsonl",
        settings=settings,
        on_window=collector.on_window,
        on_processed=collector.on_processed,
    )
    return collector, result
