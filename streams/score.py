"""`firestorm score FILE`: the sentiment of each mention of a file, one JSON line each.

Analysts use it to check a sample ("does the scorer read these complaints as negative?"), and
bench/sentiment_quality.py scores its labelled corpus through `score_records`. The file is read
by streams/formats like a replay (JSON lines, CSV, X API v2 export); bad rows are reported,
not scored, and never stop the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from firestorm.models.records import DecodeError, decode_mention
from firestorm.models.sentiment import SentimentScorer, label_of
from firestorm.streams.formats.base import Record, Rejected


@dataclass(slots=True)
class ScoreTally:
    """What a score run read: scored, unscored (other languages, empty), bad rows, unmatched rows."""

    scored: int = 0
    unscored: int = 0
    bad: int = 0
    unmatched: int = 0
    bad_lines: list[tuple[int, str]] = field(default_factory=list)

    def reject(self, number: int, reason: str) -> None:
        self.bad += 1
        if len(self.bad_lines) < 50:
            self.bad_lines.append((number, reason))


def score_records(
    records: Iterable[Record], scorer: SentimentScorer, explain: bool = False, tally: ScoreTally | None = None
) -> Iterator[dict[str, Any]]:
    """One result per mention: id, lang, compound, label (None for an unscored mention) and, with
    `explain`, the words that moved the score with their valence and lexicon."""
    tally = tally if tally is not None else ScoreTally()
    for number, item in records:
        if isinstance(item, Rejected):
            if item.error:
                tally.reject(number, f"{item.reason}: {item.detail}")
            else:
                tally.unmatched += 1
            continue
        try:
            mention = decode_mention(item)
        except DecodeError as exc:
            tally.reject(number, f"{exc.reason}: {exc.detail}")
            continue
        sentiment = scorer.score(mention.text, mention.lang)
        out: dict[str, Any] = {"id": mention.id, "lang": sentiment.lang, "compound": sentiment.compound}
        if sentiment.compound is None:
            tally.unscored += 1
            out["label"] = None
        else:
            tally.scored += 1
            out["label"] = label_of(sentiment.compound)
        if explain:
            words = scorer.explain(mention.text, sentiment.lang) if sentiment.compound is not None else []
            out["explain"] = [{"word": w, "valence": round(v, 4), "lexicon": lex} for w, v, lex in words]
        yield out


def to_line(result: dict[str, Any]) -> str:
    return orjson.dumps(result).decode("utf-8")


__all__ = ["ScoreTally", "score_records", "to_line"]
