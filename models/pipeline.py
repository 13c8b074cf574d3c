"""One raw message through decode, sentiment and the engine: the path every runner shares."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from firestorm.models.engine import ClosedWindow, Engine, Outcome, Released
from firestorm.models.records import DecodeError, Mention, decode_mention
from firestorm.models.sentiment import Sentiment, SentimentScorer

DEAD_LETTER = "dead_letter"


@dataclass(frozen=True, slots=True)
class Processed:
    """The fate of one raw message and the windows its event time closed."""

    outcome: str  # an Outcome value, or DEAD_LETTER
    mention: Mention | None = None
    sentiment: Sentiment | None = None
    error: DecodeError | None = None
    closed: tuple[ClosedWindow, ...] = ()
    # Earlier HELD mentions decided while this one was processed (counted, or dead-lettered as
    # future_timestamp), each with the `ref` its caller gave when it came.
    released: tuple[Processed, ...] = ()
    ref: Any = None


@dataclass(slots=True)
class Tally:
    """Counts that must add up: consumed = accepted + duplicates + late + dead-lettered + held
    (held: mentions beyond the jump bound not decided yet; none once the input is finished)."""

    consumed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    dead_letter_reasons: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    unscored: int = 0

    def add(self, processed: Processed) -> None:
        self.consumed += 1
        self.outcomes[processed.outcome] += 1
        if processed.error is not None:
            self.dead_letter_reasons[processed.error.reason] += 1
        if processed.sentiment is not None:
            self.languages[processed.sentiment.lang] += 1
            if not processed.sentiment.scored:
                self.unscored += 1
        for released in processed.released:
            self.release(released)

    def release(self, processed: Processed) -> None:
        """A held mention (already consumed) is decided: move it to its outcome."""
        self.outcomes[Outcome.HELD.value] -= 1
        if not self.outcomes[Outcome.HELD.value]:
            del self.outcomes[Outcome.HELD.value]
        self.outcomes[processed.outcome] += 1
        if processed.error is not None:
            self.dead_letter_reasons[processed.error.reason] += 1


class MentionProcessor:
    """Decodes, scores and ingests; never raises on bad input, it reports it."""

    def __init__(self, scorer: SentimentScorer | None = None) -> None:
        self.scorer = scorer or SentimentScorer()

    def process(self, engine: Engine, raw: bytes | str, ref: Any = None) -> Processed:
        """`ref` (JSON-serializable) comes back with the mention if it is held and decided later."""
        try:
            mention = decode_mention(raw)
        except DecodeError as exc:
            return Processed(outcome=DEAD_LETTER, error=exc, ref=ref)
        sentiment = self.scorer.score(mention.text, mention.lang)
        outcome, closed = engine.ingest(mention, sentiment, ref)
        released = self.released(engine)
        if outcome is Outcome.ENTITY_CAP:
            return Processed(DEAD_LETTER, mention, None, _entity_cap(engine, mention), tuple(closed), released, ref)
        return Processed(outcome.value, mention, sentiment, None, tuple(closed), released, ref)

    @staticmethod
    def released(engine: Engine) -> tuple[Processed, ...]:
        """The engine's held mentions decided since the last call, as processed messages (the
        end of a replay and the worker's idle advance call it after Engine.finish/advance_to)."""
        decided = engine.take_released()
        return tuple([_settled(engine, r) for r in decided]) if decided else ()


def _entity_cap(engine: Engine, mention: Mention) -> DecodeError:
    # Kept on the dead-letter topic, not in state: one more entity than the engine may track.
    return DecodeError(
        "entity_cap",
        f"entity {mention.entity[:80]!r} not tracked: this engine already tracks "
        f"{engine.settings.max_entities} entities (FIRESTORM_MAX_ENTITIES)",
    )


def _settled(engine: Engine, released: Released) -> Processed:
    if released.outcome is Outcome.ENTITY_CAP:
        error: DecodeError | None = _entity_cap(engine, released.mention)
    else:
        error = released.error()
    if error is not None:
        return Processed(DEAD_LETTER, released.mention, None, error, ref=released.ref)
    return Processed(released.outcome.value, released.mention, released.sentiment, ref=released.ref)


__all__ = ["DEAD_LETTER", "MentionProcessor", "Outcome", "Processed", "Tally"]
