"""The detector interface: one closed window in, one assessment out, state kept by the caller."""

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


class Detector(Protocol):
    """Swap-in point for detection logic; the caller keeps and persists the state (a dict through
    state_to_json, or a record with its own to_json), and hands a restored one to `load`."""

    name: str

    def initial_state(self) -> Any: ...

    def load(self, data: Any) -> Any:
        """The working form of a restored state (older formats migrated); cheap when already so."""
        ...

    def assess(
        self, state: Any, window: Any, uplift: float = 1.0, muted: bool = False, explain: bool = True
    ) -> Assessment:
        """Judge `window` (a WindowStats) against `state`, then learn from it (mutates state).

        `uplift` scales the expected volume for a planned event; `muted` forbids alerting.
        `details` may be left empty unless the window is anomalous or `explain` is true.
        """
        ...


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
