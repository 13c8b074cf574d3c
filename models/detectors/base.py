"""The detector interface: score a closed window (pure), then learn from it; state kept by the caller.

As online-learning libraries split it (river's `score_one` / `learn_one`): `score` judges a window
against the state without touching it, `learn` teaches the state that window, `learn_idle_run`
teaches it a run of empty windows at once (the same arithmetic, for an entity that cannot fire:
`can_fire`), and `dump`/`load` are its changelog form. `assess` is score-then-learn.
"""

from __future__ import annotations

import base64
import sys
from array import array
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Severity = Literal["info", "warning", "critical"]
_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}


def severity_rank(severity: str) -> int:
    """Order severities so the lifecycle can tell an escalation."""
    return _RANK[severity]


@dataclass(slots=True)
class Assessment:
    """What a detector concluded about one window of one entity (read-only by convention: one
    is built per closed window, and a frozen dataclass costs several times as much to build)."""

    expected: float  # the baseline count for this window
    score: float  # strength of evidence for a spike (detector-specific scale)
    anomalous: bool  # crosses the line for raising or keeping an incident
    normal: bool  # back near the baseline (counts towards resolving)
    severity: Severity  # meaningful when anomalous
    warm: bool  # enough history to be trusted
    details: dict[str, Any] = field(default_factory=dict)  # detector-specific figures for the drivers
    # The detector's own working from `score`, which its `learn` applies (opaque to everyone else):
    # learning reuses what scoring computed instead of computing it twice.
    plan: Any = None


class Detector(Protocol):
    """Swap-in point for detection logic; the caller keeps and persists the state (`dump` gives its
    JSON form), and hands a restored one to `load`."""

    name: str

    def initial_state(self) -> Any: ...

    def load(self, data: Any) -> Any:
        """The working form of a restored state (older formats migrated); cheap when already so."""
        ...

    def dump(self, state: Any) -> dict[str, Any]:
        """The state's JSON-able changelog form (the inverse of `load`)."""
        ...

    def score(
        self, state: Any, window: Any, uplift: float = 1.0, muted: bool = False, explain: bool = True
    ) -> Assessment:
        """Judge `window` (a WindowStats) against `state`, which it does not change.

        `uplift` scales the expected volume for a planned event; `muted` forbids alerting.
        `details` may be left empty unless the window is anomalous or `explain` is true.
        """
        ...

    def learn(self, state: Any, window: Any, assessment: Assessment) -> None:
        """Teach `state` the window that `score` just judged on it (`assessment` is what it returned)."""
        ...

    def learn_idle_run(self, state: Any, first_window_start: int, count: int) -> None:
        """Teach `state` `count` empty, unplanned windows from `first_window_start` on, with exactly
        the arithmetic of score-then-learn on each; only for a state on which `can_fire` is false."""
        ...

    def can_fire(self, state: Any) -> bool:
        """Whether an empty, unplanned window could be anomalous on this state or after a run of them
        (false: an idle run changes no verdict, and `learn_idle_run` may take it at once)."""
        ...

    def assess(
        self, state: Any, window: Any, uplift: float = 1.0, muted: bool = False, explain: bool = True
    ) -> Assessment:
        """`score`, then `learn` from the window (mutates state)."""
        ...


class OnlineDetector:
    """`assess` for detectors that `score` and `learn` (see Detector)."""

    def score(
        self, state: Any, window: Any, uplift: float = 1.0, muted: bool = False, explain: bool = True
    ) -> Assessment:
        raise NotImplementedError

    def learn(self, state: Any, window: Any, assessment: Assessment) -> None:
        raise NotImplementedError

    def assess(
        self, state: Any, window: Any, uplift: float = 1.0, muted: bool = False, explain: bool = True
    ) -> Assessment:
        """Judge the window, then learn from it."""
        assessment = self.score(state, window, uplift, muted, explain)
        self.learn(state, window, assessment)
        return assessment


# A detector keeps its long per-slot profiles as typed arrays (8 bytes a float, 4 a count) rather
# than lists of Python objects (32 bytes a float). In the serialized state a float array is the
# base64 of its little-endian doubles (exact, and far shorter than decimal text), a count array a
# list of ints. A state written before arrays (plain lists) still reads: the detector compacts it.
_FLOATS = "f64"
_COUNTS = "u32"


def _le_bytes(values: array[Any]) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def state_to_json(state: dict[str, Any]) -> dict[str, Any]:
    """A detector state with its typed arrays in JSON-able form (other values as they are)."""
    out: dict[str, Any] = {}
    for key, value in state.items():
        if isinstance(value, array):
            if value.typecode == "d":
                value = {_FLOATS: base64.b64encode(_le_bytes(value)).decode("ascii")}
            else:
                value = {_COUNTS: value.tolist()}
        out[key] = value
    return out


def state_from_json(data: dict[str, Any]) -> dict[str, Any]:
    """The inverse of state_to_json; plain lists (the format before arrays) stay lists."""
    state: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and len(value) == 1:
            if isinstance(floats := value.get(_FLOATS), str):
                value = array("d", base64.b64decode(floats))
                if sys.byteorder == "big":
                    value.byteswap()
            elif isinstance(counts := value.get(_COUNTS), list):
                value = array("I", counts)
        state[key] = value
    return state
