"""The records the engine keeps and emits: what happened to a mention (`Outcome`), one entity's state
(`EntityState`, one changelogged table value), a held mention and its fate (`Held`, `Released`) and
a closed window (`ClosedWindow`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from firestorm.models import frozen
from firestorm.models.alerts import Alert
from firestorm.models.detectors.base import Assessment, state_from_json, state_to_json
from firestorm.models.detectors.seasonal_state import KIND as SEASONAL_KIND
from firestorm.models.detectors.seasonal_state import SeasonalState
from firestorm.models.incidents import IncidentState
from firestorm.models.narratives import NarrativeState
from firestorm.models.records import DecodeError, Mention, mention_from_obj, mention_to_obj
from firestorm.models.sentiment import Sentiment
from firestorm.models.timeutil import iso_utc
from firestorm.models.windows import WINDOW_FORM, WindowAccumulator, WindowStats


class Outcome(StrEnum):
    """What happened to one valid mention."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    LATE = "late"
    ENTITY_CAP = "entity_cap"  # a new entity beyond max_entities: not tracked (the pipeline dead-letters it)
    HELD = "held"  # beyond the jump bound: waits, in no window, for a jump to confirm it (then released)
    FUTURE_TIMESTAMP = "future_timestamp"  # a held mention no jump confirmed (the pipeline dead-letters it)


@dataclass(slots=True)
class EntityState:
    """Everything the engine keeps for one entity; one changelogged table value."""

    entity: str
    closed_until_ms: int  # every window starting before this has been closed
    open: dict[int, WindowAccumulator] = field(default_factory=dict)
    detector: Any = field(default_factory=dict)  # the detector's own state (SeasonalState, or a dict)
    incident: IncidentState = field(default_factory=IncidentState)
    # No window judged yet: a slightly earlier mention may still open an earlier window. Once one is
    # judged, a mention before closed_until_ms is late whatever the clock says; this holds even when
    # a restarted worker restores this state with an older clock (its clock write was lost in a crash).
    fresh: bool = True
    # Dormant (see Engine; not serialized: a restore works it out): its record is written compressed.
    dormant: bool = False
    # The open incident's sample of posts (and the ramp's before it): its narratives.
    narrative: NarrativeState = field(default_factory=NarrativeState)

    def to_dict(self, plain: bool = False) -> dict[str, Any]:
        """The changelog form; a dormant entity's detector state stays compressed (models/frozen.py)
        unless `plain` asks for the detector's own form (the same values: what the fingerprint pins)."""
        detector = self.detector
        if isinstance(detector, frozen.Frozen):
            detector_json = frozen.plain(detector) if plain else frozen.to_json(detector)
        else:
            detector_json = detector.to_json() if type(detector) is SeasonalState else state_to_json(detector)
            if self.dormant and not plain:  # not frozen in memory yet: its record is, all the same
                detector_json = frozen.to_json(frozen.pack(detector_json))
        data = {
            "entity": self.entity,
            "closed_until_ms": self.closed_until_ms,
            "open": list(map(WINDOW_FORM.encode, self.open.values())),
            "detector": detector_json,
            "incident": self.incident.to_dict(),
            "fresh": self.fresh,
        }
        if not self.narrative.empty:
            data["narrative"] = self.narrative.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EntityState:
        accs = [WindowAccumulator.from_dict(d) for d in data["open"]]
        return cls(
            entity=data["entity"],
            closed_until_ms=int(data["closed_until_ms"]),
            open={acc.start_ms: acc for acc in accs},
            detector=_detector_state(data["detector"]),
            incident=IncidentState.from_dict(data["incident"]),
            fresh=bool(data.get("fresh", False)),
            narrative=NarrativeState.from_dict(data.get("narrative") or {}),
        )


def _detector_state(data: dict[str, Any]) -> Any:
    """A stored detector state: the seasonal detector's typed record when it says so, else a dict
    (the Poisson detector's, or a seasonal one from before version 2: the detector migrates it), or a
    dormant entity's compressed state, kept as it is."""
    packed = frozen.from_json(data)
    if packed is not None:
        return packed
    if data.get("kind") == SEASONAL_KIND:
        return SeasonalState.from_json(data)
    return state_from_json(data)


@dataclass(slots=True)
class Held:
    """A mention beyond the jump bound, kept out of every window until a jump confirms it.

    `ref` is the caller's and opaque: JSON-serializable, or an object whose `to_json()` returns
    that (built only when a mention is held). The worker keeps the record's topic, offset and
    bytes there, to dead-letter it later. `waited` counts the mentions since it came.
    Only held mentions in a row confirm a jump: a mention within the bound between them (a source
    whose clock runs hours ahead, interleaved with an accurate one) breaks the row.
    """

    mention: Mention
    sentiment: Sentiment
    ref: Any = None
    waited: int = 0
    in_row: bool = True  # no mention within the jump bound came since: it may still confirm a jump

    def to_dict(self) -> dict[str, Any]:
        return {
            "mention": mention_to_obj(self.mention),
            "sentiment": [self.sentiment.lang, self.sentiment.compound],
            "ref": self.ref.to_json() if hasattr(self.ref, "to_json") else self.ref,
            "waited": self.waited,
            "in_row": self.in_row,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Held:
        lang, compound = data["sentiment"]
        return cls(
            mention=mention_from_obj(dict(data["mention"])),
            sentiment=Sentiment(lang=str(lang), compound=None if compound is None else float(compound)),
            ref=data.get("ref"),
            waited=int(data.get("waited", 0)),
            in_row=bool(data.get("in_row", True)),
        )


@dataclass(frozen=True, slots=True)
class Released:
    """A held mention whose fate is now known: counted (an Outcome of ingest) or FUTURE_TIMESTAMP."""

    mention: Mention
    sentiment: Sentiment
    ref: Any
    outcome: Outcome

    def error(self) -> DecodeError | None:
        """Why the pipeline dead-letters it, if it does."""
        if self.outcome is Outcome.FUTURE_TIMESTAMP:
            return DecodeError(
                "future_timestamp",
                f"ts {iso_utc(self.mention.ts_ms)} is beyond the clock by more than the jump bound "
                "(FIRESTORM_MAX_CLOCK_JUMP) and no other mention confirmed it",
            )
        return None


@dataclass(slots=True)
class ClosedWindow:
    """One window the watermark closed, what the detector made of it, and any alert (read-only
    by convention: not frozen, as one is built per entity per window)."""

    window: WindowStats
    assessment: Assessment
    incident_open: bool
    severity: str
    alert: Alert | None
