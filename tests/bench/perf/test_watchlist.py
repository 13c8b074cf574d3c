"""bench/perf/watchlist.py (issue 23): the watch-list workload and the worker log it reads."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from bench.perf.watchlist import MINUTE_MS, main, resumed_entities, warm_minutes, watch_list


def test_the_speaking_entities_take_turns_until_every_watched_one_has_spoken_then_go_on() -> None:
    end = 1_772_409_600_000
    records = watch_list(watched=50, speaking=7, minutes=6, end_ms=end)
    objs = [orjson.loads(value) for _key, value in records]
    assert [key.decode() for key, _ in records] == [o["entity"] for o in objs]  # keyed by entity
    assert [o["ts"] for o in objs] == sorted(o["ts"] for o in objs)
    warm = warm_minutes(50, 7)
    assert warm == 8
    t0 = end - (warm + 6) * MINUTE_MS
    minute = Counter((o["ts"] - t0) // MINUTE_MS for o in objs)
    assert minute == {**dict.fromkeys(range(7), 7), 7: 1, **dict.fromkeys(range(8, 14), 7)}
    first = [o["entity"] for o in objs if o["ts"] < t0 + warm * MINUTE_MS]
    assert sorted(first) == [f"watched-{n:06d}" for n in range(50)]  # each once
    assert len({o["id"] for o in objs}) == len(objs)
    assert watch_list(50, 7, 6, end) == records  # seeded


def test_the_restart_is_read_from_the_workers_log(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    assert resumed_entities(log) == (0, 0)
    log.write_bytes(
        b"INFO partition 0: resumed 12 entities, clock {}\n"
        b"INFO other\n"
        b"INFO partition 3: resumed 30 entities, clock {}\n"
    )
    assert resumed_entities(log) == (2, 42)


def test_too_short_a_run_is_refused() -> None:
    with pytest.raises(SystemExit, match="--minutes must be at least 5"):
        main(["--minutes", "2"])
