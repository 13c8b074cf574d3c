"""One raw message through decode, sentiment and the engine: the path every runner shares."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from models.engine import ClosedWindow, Engine, Outcome
from models.records import DecodeError, Mention, decode_mention
from models.sentiment import Sentiment, SentimentScorer

DEAD_LETTER = "dead_letter"


@dataclass(frozen=True, slots=True)
class Processed:
    """The fate of one raw message and the windows its event time closed."""

    outcome: str  # an Outcome value, or DEAD_LETTER
    mention: Mention | None = None
    sentiment: Sentiment | None = None
    error: DecodeError | None = None
    closed: tuple[ClosedWindow, ...] = ()


@dataclass(slots=True)
class Tally:
    """Counts that must add up: consumed = accepted + duplicates + late + dead-lettered."""

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


class MentionProcessor:
    """Decodes, scores and ingests; never raises on bad input, it reports it."""

    def __init__(self, scorer: SentimentScorer | None = None) -> None:
        self.scorer = scorer or SentimentScorer()

    def process(self, engine: Engine, raw: bytes | str) -> Processed:
        try:
            mention = decode_mention(raw)
        except DecodeError as exc:
            return Processed(outcome=DEAD_LETTER, error=exc)
        sentiment = self.scorer.score(mention.text, mention.lang)
        outcome, closed = engine.ingest(mention, sentiment)
        if outcome is Outcome.ENTITY_CAP:
            # Kept on the dead-letter topic, not in state: one more entity than the engine may track.
            error = DecodeError(
                "entity_cap",
                f"entity {mention.entity[:80]!r} not tracked: this engine already tracks "
                f"{engine.settings.max_entities} entities (FIRESTORM_MAX_ENTITIES)",
            )
            return Processed(outcome=DEAD_LETTER, mention=mention, error=error, closed=tuple(closed))
        return Processed(outcome=outcome.value, mention=mention, sentiment=sentiment, closed=tuple(closed))


__all__ = ["DEAD_LETTER", "MentionProcessor", "Outcome", "Processed", "Tally"]
