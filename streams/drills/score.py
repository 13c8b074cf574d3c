"""`firestorm score FILE`: the sentiment of each mention of a file, one JSON line each.

Analysts use it to check a sample ("does the scorer read these complaints as negative?"), and
bench/sentiment_quality.py scores its labelled corpus through `score_records`. The file is read
by streams/formats like a replay (JSON lines, CSV, X API v2 export); bad rows are reported,
not scored, and never stop the others. Only `id` and `text` are needed: a file of labelled texts
has no entity or time, and the score does not depend on them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from firestorm.models.records import DecodeError, Mention, decode_mention, mention_from_obj
from firestorm.models.sentiment import MODEL, SARCASM, SentimentScorer, label_of
from firestorm.streams.formats.base import Record, Rejected

Row = Literal["scored", "unscored", "bad", "unmatched"]  # what became of a row, one of these


@dataclass(slots=True)
class ScoreTally:
    """What a score run read: rows by what became of them (scored; unscored: other languages,
    empty; bad; unmatched), the first bad lines and the count of each reason (as the replay's
    `Tally` counts its mentions by outcome)."""

    rows: Counter[Row] = field(default_factory=Counter)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    def reject(self, number: int, reason: str) -> None:
        self.rows["bad"] += 1
        self.reasons[reason.split(":", 1)[0]] += 1
        if len(self.bad_lines) < 50:
            self.bad_lines.append((number, reason))


NO_ENTITY = "-"  # what a row without an entity or time is read as (neither is printed)
NO_TS = "2000-01-01T00:00:00Z"


def scorable_mention(raw: bytes) -> Mention:
    """The mention of a row, where `entity` and `ts` may be missing or empty (the scorer reads
    neither); every other rule of the mention contract holds."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return decode_mention(raw)  # raises with the contract's own reason
    if isinstance(obj, dict):
        if obj.get("entity") in (None, ""):
            obj["entity"] = NO_ENTITY
        if obj.get("ts") in (None, ""):
            obj["ts"] = NO_TS
    return mention_from_obj(obj)


def score_records(
    records: Iterable[Record], scorer: SentimentScorer, explain: bool = False, tally: ScoreTally | None = None
) -> Iterator[dict[str, Any]]:
    """One result per mention: id, lang, compound, label (None for an unscored mention), in the
    `model` mode whether it reads as a complaint (English), and, with `explain`, the words that
    moved the score: with their valence and lexicon (VADER modes) or their weight (`model`)."""
    tally = tally if tally is not None else ScoreTally()
    for number, item in records:
        if isinstance(item, Rejected):
            if item.error:
                tally.reject(number, f"{item.reason}: {item.detail}")
            else:
                tally.rows["unmatched"] += 1
            continue
        try:
            mention = scorable_mention(item)
        except DecodeError as exc:
            tally.reject(number, f"{exc.reason}: {exc.detail}")
            continue
        sentiment = scorer.score(mention.text, mention.lang)
        out: dict[str, Any] = {"id": mention.id, "lang": sentiment.lang, "compound": sentiment.compound}
        if sentiment.compound is None:
            tally.rows["unscored"] += 1
            out["label"] = None
        else:
            tally.rows["scored"] += 1
            out["label"] = label_of(sentiment.compound)
            complaint = scorer.complaint(mention.text, sentiment.lang)
            if complaint is not None:
                out["complaint"] = complaint
        if explain:
            words = scorer.explain(mention.text, sentiment.lang) if sentiment.compound is not None else []
            out["explain"] = [_reason(w, v, lex) for w, v, lex in words]
        yield out


def _reason(word: str, value: float, lexicon: str) -> dict[str, Any]:
    if lexicon == SARCASM:  # the model mode's label came from the sarcasm rule (models/sarcasm.py)
        return {"word": word, "rule": SARCASM}
    if lexicon == MODEL:
        return {"word": word, "weight": round(value, 4)}
    return {"word": word, "valence": round(value, 4), "lexicon": lexicon}


def to_line(result: dict[str, Any]) -> str:
    return orjson.dumps(result).decode("utf-8")


__all__ = ["ScoreTally", "score_records", "to_line"]
