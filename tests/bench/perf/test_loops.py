"""The naive and raw loops count what the issue says they count."""

from __future__ import annotations

import orjson

from bench.perf.loops import FastScorers, naive_loop, raw_loop, stock_vader

MINUTE = 60_000
T0 = 1_772_409_600_000


def line(entity: str, ts: int, text: str, lang: str | None = None) -> bytes:
    obj = {"id": f"{entity}-{ts}", "entity": entity, "ts": ts, "text": text}
    if lang:
        obj["lang"] = lang
    return orjson.dumps(obj)


LINES = [
    line("skyway", T0 + 1_000, "This is terrible, awful service", "en"),
    line("skyway", T0 + 59_000, "Great flight, loved it"),
    line("skyway", T0 + MINUTE + 5, "Great flight, loved it"),
    line("maison", T0 + 2_000, "C'est nul, vraiment nul", "fr"),
]


def test_naive_loop_counts_mentions_and_negatives_per_entity_minute_with_the_english_lexicon() -> None:
    windows = naive_loop(LINES, stock_vader())
    minute = T0 // MINUTE
    # stock English VADER does not know the French "nul": not negative for the naive loop
    assert windows == {("skyway", minute): [2, 1], ("skyway", minute + 1): [1, 0], ("maison", minute): [1, 0]}


def test_raw_loop_scores_french_with_the_french_lexicon() -> None:
    assert raw_loop(LINES, FastScorers()) == (4, 2)
    assert raw_loop(LINES[1:3], FastScorers()) == (2, 0)
    assert raw_loop([], FastScorers()) == (0, 0)
