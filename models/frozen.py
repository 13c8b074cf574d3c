"""A dormant entity's detector state, kept compressed: most of a watch list sleeps, and is read rarely.

A dormant entity (models/engine.py) has nothing that can happen to it until it speaks again, so
its detector state is not read window by window: once it has slept for a while (ten windows: most
sleeps of a sparse entity are shorter, and would pay a freeze and a thaw for nothing) the engine
keeps it as `Frozen`, the zlib of its plain JSON form (the detector's `dump`), a few hundred bytes
instead of the 7 kB of its working form (slot profiles, burst tails, the crisis-event ring). It is
thawed (`thaw`, the detector's `load`: the same values, bit for bit) when the entity speaks again
or is caught up.

The changelog writes a dormant entity's state compressed from its first sleep on, as
`{"frozen": <base64 of the same bytes>}` (`to_json`), so its record is small, and a restore keeps
it frozen without decoding it.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

import orjson

from firestorm.models.detectors.base import Detector

KEY = "frozen"
LEVEL = 1  # the fastest: a sleep and a wake-up cost a freeze and a thaw (about 30 us each); 6 saves 8% of the bytes


class Frozen(bytes):
    """The zlib of a detector state's JSON form (a bytes subclass: it says what the bytes are)."""

    __slots__ = ()


def freeze(detector: Detector, state: Any) -> Frozen:
    """The compressed form of `state` (a working or a plain-JSON state of `detector`)."""
    if isinstance(state, Frozen):
        return state
    return pack(state if isinstance(state, dict) else detector.dump(state))


def pack(plain_json: dict[str, Any]) -> Frozen:
    """The compressed form of a detector state's JSON form (what `dump` gives)."""
    return Frozen(zlib.compress(orjson.dumps(plain_json), LEVEL))


def thaw(detector: Detector, state: Any) -> Any:
    """The working form of a state, frozen or not (the detector's `load`, which also migrates)."""
    if isinstance(state, Frozen):
        return detector.load(orjson.loads(zlib.decompress(state)))
    return detector.load(state)


def to_json(state: Frozen) -> dict[str, str]:
    """The changelog form of a frozen state."""
    return {KEY: base64.b64encode(state).decode("ascii")}


def plain(state: Frozen) -> dict[str, Any]:
    """The detector's own JSON form of a frozen state (what `dump` gave when it was frozen)."""
    return dict(orjson.loads(zlib.decompress(state)))


def from_json(data: dict[str, Any]) -> Frozen | None:
    """A frozen state from its changelog form, or None if `data` is another form."""
    value = data.get(KEY)
    if len(data) != 1 or not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
        zlib.decompress(raw)  # a corrupt record fails here, at restore, not at the entity's wake-up
    except (ValueError, zlib.error) as exc:
        raise ValueError(f"corrupt frozen detector state: {exc}") from None
    return Frozen(raw)
