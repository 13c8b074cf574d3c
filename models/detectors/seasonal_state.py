"""The seasonal detector's per-entity state: one typed, versioned record, and the migration of older ones.

It is the changelogged part of an entity's value, so its serialized form is a contract: `to_json`
writes version 2; `SeasonalState.from_json` reads version 2 and migrates anything older (the plain
dicts of version 1, with lists or typed arrays for the slot profiles) in one function.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from firestorm.models.detectors import bursts
from firestorm.models.detectors.base import state_from_json, state_to_json
from firestorm.models.field_codec import FieldCodec, stored

VERSION = 2
KIND = "seasonal"
HOURS_PER_DAY = 24
HOURS_PER_WEEK = 168
SPANS = ("short", "long")
# The crisis-event sums: effective volume and expected of the last ~15 minutes, every window's
# full volume (loud ones too): how large a surge has been lately (models/detectors/seasonal.py).
EVENT_SPAN = "event"
EVENT_SUMS = 5  # volume, expected, compound sum, scored mentions, crisis words (then a ring of each)
# A version-1 state's usual negative share carries the weight of this many scored mentions once
# migrated: enough to start from, little enough that the unbiased sums take over within hours.
MIGRATED_NEGATIVE_WEIGHT = 10.0


def _floats(n: int) -> array[float]:
    return array("d", bytes(8 * n))


def _counts(n: int) -> array[int]:
    return array("I", bytes(4 * n))


def _as_floats(values: Any) -> array[float]:
    return values if isinstance(values, array) and values.typecode == "d" else array("d", values)


def _as_counts(values: Any) -> array[int]:
    return values if isinstance(values, array) and values.typecode == "I" else array("I", values)


def _float_list(values: Any) -> list[float]:
    return [float(x) for x in values]


def _spans(stored: dict[str, Any]) -> dict[str, list[float]]:
    """The span sums; a version-2 state written before the crisis-event sum starts it at zero."""
    return {name: _float_list(stored.get(name, [0.0] * 4)) for name in (*SPANS, EVENT_SPAN)}


def _spread_bursts(tails: dict[str, array[float]]) -> dict[str, array[float]]:
    return {f"bursts_{k}": v for k, v in tails.items()}


def _gather_bursts(flat: Mapping[str, Any]) -> dict[str, array[float]]:
    return {k: _as_floats(flat.get(f"bursts_{k}") or bursts.empty()) for k in bursts.SCALES}


_FLOATS = stored(decode=_as_floats)
_COUNTS = stored(decode=_as_counts)


@dataclass(slots=True)
class SeasonalState:
    """What the seasonal detector knows of one entity (see models/detectors/seasonal.py for each use)."""

    n: int = 0  # windows seen
    level: float = 0.0  # overall expected volume per window
    # Slot profiles as typed arrays: 8 bytes a float and 4 a count, not a Python object each.
    daily: array[float] = field(default_factory=lambda: _floats(HOURS_PER_DAY), metadata=_FLOATS)
    daily_n: array[int] = field(default_factory=lambda: _counts(HOURS_PER_DAY), metadata=_COUNTS)
    weekly: array[float] = field(default_factory=lambda: _floats(HOURS_PER_WEEK), metadata=_FLOATS)
    weekly_n: array[int] = field(default_factory=lambda: _counts(HOURS_PER_WEEK), metadata=_COUNTS)
    dispersion: float = 1.0  # variance / mean of normal windows' volume
    # Decayed sums over normal windows of negative and of scored mentions: their ratio is the usual
    # negative share, unbiased at any volume (a per-window share is 0 or 1 on a sparse entity).
    negatives: float = 0.0
    scored: float = 0.0
    # Decayed sum of compound over the same scored mentions: the usual tone (neutral in a state
    # written before it).
    compound: float = field(default=0.0, metadata=stored(missing=0.0))
    terms: dict[str, float] = field(default_factory=dict)  # usual share of windows' mentions per term
    reach: float = 0.0  # usual reach (sum of followers) per window
    authors: list[float] = field(  # decayed distinct authors, effective mentions
        default_factory=lambda: [0.0, 0.0], metadata=stored(decode=_float_list)
    )
    # Decayed sums per span: [effective volume, expected, negatives, expected negatives].
    spans: dict[str, list[float]] = field(
        default_factory=lambda: {name: [0.0] * 4 for name in (*SPANS, EVENT_SPAN)}, metadata=stored(decode=_spans)
    )
    # The entity's own burstiness: decayed tails of its volume ratios, per window and per span.
    bursts: dict[str, array[float]] = field(  # stored as one key a scale: bursts_<scale>
        default_factory=lambda: {k: bursts.empty() for k in bursts.SCALES},
        metadata=stored(spread=_spread_bursts, gather=_gather_bursts),
    )

    def to_json(self) -> dict[str, Any]:
        """The changelog form (JSON-able; float arrays as base64 of little-endian doubles)."""
        return state_to_json(_STORED.encode(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SeasonalState:
        """Read any stored version: version 2 as is, older ones through `migrate_v1`."""
        flat = state_from_json(data)  # idempotent: arrays already decoded stay as they are
        if flat.get("version") != VERSION:
            return migrate_v1(flat)
        return _STORED.decode(flat)


_STORED = FieldCodec(SeasonalState, head={"kind": KIND, "version": VERSION})


def migrate_v1(old: dict[str, Any]) -> SeasonalState:
    """A version-1 state (a plain dict; slot profiles as lists or arrays) as a version-2 one.

    Version 1 kept the usual negative share as a per-window average learned only from windows
    below it (biased towards 0 on sparse entities); it becomes decayed sums with a small weight,
    so the unbiased estimate replaces it quickly. It had no burst tails: they start empty.
    """
    share = float(old.get("negative_share", 0.1))
    weight = MIGRATED_NEGATIVE_WEIGHT if int(old.get("negative_n", 0)) else 0.0
    spans = old.get("spans") or {}
    return SeasonalState(
        n=int(old.get("n", 0)),
        level=float(old.get("level", 0.0)),
        daily=_as_floats(old.get("daily") or _floats(HOURS_PER_DAY)),
        daily_n=_as_counts(old.get("daily_n") or _counts(HOURS_PER_DAY)),
        weekly=_as_floats(old.get("weekly") or _floats(HOURS_PER_WEEK)),
        weekly_n=_as_counts(old.get("weekly_n") or _counts(HOURS_PER_WEEK)),
        dispersion=float(old.get("dispersion", 1.0)),
        negatives=share * weight,
        scored=weight,
        terms=dict(old.get("terms") or {}),
        reach=float(old.get("reach", 0.0)),
        authors=[float(x) for x in (old.get("authors") or [0.0, 0.0])],
        spans={name: [float(x) for x in spans.get(name, [0.0] * 4)] for name in (*SPANS, EVENT_SPAN)},
    )


def load(data: SeasonalState | dict[str, Any]) -> SeasonalState:
    """The working form of a state restored from the changelog (or already in it)."""
    if isinstance(data, SeasonalState):
        return data
    return SeasonalState.from_json(data)
