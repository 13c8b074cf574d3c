"""Tweet-like mentions for the benchmarks: the text banks of examples/generate.py, 80% English.

Texts are rendered from every (phase, language) bank of the two bundled incidents, with the
same decorations as the sample generator (hashtags, emojis; news and forum titles), so they
look like the samples but are not copies of them. Everything is seeded: the same arguments
give the same bytes.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[2]
GENERATE = ROOT / "examples" / "generate.py"
EPOCH_MS = 1_772_409_600_000  # 2026-03-02T00:00:00Z
SOURCES = (("x", 0.55), ("bluesky", 0.15), ("mastodon", 0.1), ("news", 0.12), ("forum", 0.08))


@cache
def generate_module() -> ModuleType:
    """examples/generate.py, loaded from its path (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("firestorm_examples_generate", GENERATE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {GENERATE}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


class TextMaker:
    """Renders tweet-like texts in English or French from the sample generator's banks."""

    def __init__(self, seed: int = 7) -> None:
        gen = generate_module()
        self.rng = random.Random(seed)
        self.banks: dict[str, list[tuple[Any, Any]]] = {"en": [], "fr": []}
        self.generators = {}
        for incident in gen.INCIDENTS:
            generator = gen.Generator(incident, seed)
            generator.rng = self.rng  # one stream of randomness for every bank
            self.generators[incident.name] = generator
            for spec in incident.entities:
                for (_phase, lang), bank in spec.banks.items():
                    self.banks[lang].append((generator, bank))

    def text(self, lang: str) -> str:
        generator, bank = self.rng.choice(self.banks[lang])
        source = self.rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
        return str(generator.render(bank, source))

    def texts(self, lang: str, count: int) -> list[str]:
        return [self.text(lang) for _ in range(count)]


@dataclass(frozen=True)
class Workload:
    """What to generate: how many mentions, over how many entities, how fast in event time."""

    mentions: int
    entities: int = 200
    english_share: float = 0.8
    per_second: float = 50.0  # event-time rate: mentions per second of event time, all entities
    seed: int = 11
    start_ms: int = EPOCH_MS


def entity_names(count: int) -> list[str]:
    return [f"brand-{i:05d}" for i in range(count)]


def iter_mentions(work: Workload) -> Iterator[dict[str, Any]]:
    """Mention objects sorted by event time, round-robin-ish over entities, lang always present."""
    rng = random.Random(work.seed)
    maker = TextMaker(work.seed)
    names = entity_names(work.entities)
    step_ms = 1000.0 / work.per_second
    ts = float(work.start_ms)
    for n in range(work.mentions):
        ts += rng.expovariate(1.0) * step_ms
        lang = "en" if rng.random() < work.english_share else "fr"
        source = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
        author = f"user{rng.randint(1, 50_000)}"
        obj: dict[str, Any] = {
            "id": f"{source}:{work.seed}-{n}",
            "entity": names[int(len(names) * rng.random() ** 1.5)],
            "ts": int(ts),
            "text": maker.text(lang),
            "lang": lang,
            "author": {"id": author, "followers": int(25 * rng.paretovariate(1.1))},
            "source": source,
            "url": f"https://example.invalid/{source}/{n}",
        }
        yield obj


def encoded(work: Workload) -> list[bytes]:
    """The workload as Kafka message values (orjson)."""
    return [orjson.dumps(obj) for obj in iter_mentions(work)]


def write_jsonl(work: Workload, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("wb") as out:
        for value in encoded(work):
            out.write(value + b"\n")
            count += 1
    return count
