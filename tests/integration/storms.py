"""A small synthetic incident for integration tests: quiet baseline, a negative burst, a quiet tail."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

CALM_TEXTS = [
    "Flew with {e} today, smooth boarding and friendly crew",
    "Anyone know if {e} has a lounge in Lyon?",
    "{e} app update looks nice, easy check-in",
    "Booked my summer trip with {e}, good price",
    "Short delay on the {e} flight but they kept us informed",
]
ANGRY_TEXTS = [
    "{e} cancelled every flight, stuck for hours, this is a disgrace #{e}fail",
    "Worst airline ever, {e} lost my bags and nobody helps. Awful!",
    "Terrible service from {e}, angry and exhausted, never again #boycott{e}",
    "{e} outage is a total disaster, furious passengers everywhere",
]
# Lines that break the contract, each for a different dead-letter reason.
BAD_LINES: list[tuple[bytes, str]] = [
    (b"this is not json", "not_json"),
    (b'{"id": "x1", "ts": "2026-01-05T10:00:00Z", "text": "no entity"}', "missing_field"),
    (b'{"id": "x2", "entity": "acme", "ts": "last tuesday", "text": "hi"}', "bad_timestamp"),
    (b'{"id": "x3", "entity": "acme", "ts": "2026-01-05T10:00:00Z", "text": "\xff\xfe"}', "invalid_utf8"),
    (b'{"id": "x4", "entity": "acme", "ts": "2026-01-05T10:00:00Z", "text": 42}', "bad_type"),
]


def storm_lines(
    entity: str = "acme",
    quiet_entity: str = "calm",
    start: datetime = datetime(2026, 1, 5, 6, 0, tzinfo=UTC),
    baseline_minutes: int = 150,
    storm_minutes: int = 15,
    tail_minutes: int = 45,
    storm_rate: int = 40,
    seed: int = 7,
    with_bad_lines: bool = False,
) -> list[bytes]:
    """JSON lines sorted by event time; the burst for `entity` starts after the baseline."""
    rng = random.Random(seed)
    rows: list[tuple[datetime, dict[str, Any]]] = []
    total = baseline_minutes + storm_minutes + tail_minutes
    counter = 0
    for minute in range(total):
        in_storm = baseline_minutes <= minute < baseline_minutes + storm_minutes
        for name in (entity, quiet_entity):
            rate = storm_rate if (in_storm and name == entity) else 2
            for _ in range(rng.randint(0, rate) if not in_storm or name != entity else rate):
                counter += 1
                ts = start + timedelta(minutes=minute, seconds=rng.randint(0, 59))
                angry = in_storm and name == entity
                # Real posts differ: a flight number makes each text its own voice, not a copy.
                text = rng.choice(ANGRY_TEXTS if angry else CALM_TEXTS).format(e=name) + f" (flight {counter})"
                rows.append(
                    (
                        ts,
                        {
                            "id": f"{name}-{counter}",
                            "entity": name,
                            "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "text": text,
                            "lang": "en",
                            "author": {"id": f"u{rng.randint(1, 400)}", "followers": rng.randint(0, 5000)},
                            "source": "x",
                            "url": f"https://example.org/{name}/{counter}",
                        },
                    )
                )
    rows.sort(key=lambda r: (r[0], r[1]["id"]))
    lines = [orjson.dumps(obj) for _, obj in rows]
    if with_bad_lines:
        step = max(1, len(lines) // (len(BAD_LINES) + 1))
        for i, (raw, _reason) in enumerate(BAD_LINES):
            lines.insert((i + 1) * step, raw)
    return lines


def storm_onset(start: datetime = datetime(2026, 1, 5, 6, 0, tzinfo=UTC), baseline_minutes: int = 150) -> datetime:
    return start + timedelta(minutes=baseline_minutes)
