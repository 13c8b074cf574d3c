"""The alert event contract: what goes on the alerts topic and into --alerts-out (version 2).

One `Alert` holds times as epoch milliseconds; `to_dict`/`to_json` write them as ISO-8601 (UTC, to
the second) once, at the edge, and `decode_alert` is the one reader (the notifier, `notify
--dry-run`, the tests). Version 2 (this one) adds `version` and `incident_start`, and moves the
detector's own figures under `drivers.detector`; a version-1 event (no `version`) is still read:
its unknown drivers become `drivers.detector` and its incident start is its window start.
`python -m firestorm.streams.schemas` prints the JSON schemas docs/architecture.md carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypedDict, get_args

import orjson

from firestorm.models.field_dict import field_dict
from firestorm.models.timeutil import TimestampError, iso_utc, parse_ts
from firestorm.models.typecheck import conforms, described, hints, json_schema

ALERT_VERSION = 2
Status = Literal["triggered", "escalated", "updated", "resolved"]
Severity = Literal["info", "warning", "critical"]
STATUSES: tuple[str, ...] = get_args(Status)
SEVERITIES: tuple[str, ...] = get_args(Severity)
# The alert's times: the attribute (epoch ms) and the field on the wire (ISO-8601).
_TIMES = (
    ("incident_start_ms", "incident_start"),
    ("window_start_ms", "window_start"),
    ("window_end_ms", "window_end"),
    ("detected_at_ms", "detected_at"),
)


class BadAlert(ValueError):
    """A record that is not an alert event (the reason is one line)."""


class AuthorReach(TypedDict):
    """One of the window's most-followed authors."""

    id: str
    followers: int


class SampleRef(TypedDict):
    """One sample mention of the window: its id and link (null when the source gave none)."""

    id: str
    url: str | None


class NarrativeExample(TypedDict):
    """One post that shows a narrative: why it was chosen (`most reached`, `most typical`, `first`), its id and
    link (null when the source gave none), its text shortened to a line, its reach and language."""

    why: str
    id: str
    url: str | None
    text: str
    reach: int
    lang: str


class NarrativeSummary(TypedDict):
    """One story people told during the incident (models/narrative_groups.py): its label and terms,
    its share of the incident's posts and the posts it stands for (estimated; `sampled` of them in
    the sample), the negative share of its scored posts (null when none was scored), its main and
    all languages, when it started (ISO-8601), its reposts, examples, and its posts per 5-minute
    bucket from `drivers.narrative_sample.bucket_from`."""

    label: str
    terms: list[str]
    share: float
    posts: int
    sampled: int
    negative_share: float | None
    lang: str
    languages: dict[str, int]
    start: str
    reposts: int
    examples: list[NarrativeExample]
    timeline: list[int]


class _SampleCounts(TypedDict):
    sampled: int
    seen: int


class NarrativeSampling(_SampleCounts, total=False):
    """How the narratives were sampled: `sampled` posts kept of the `seen` posts of the incident;
    once any was kept, since when (ISO-8601), the timelines' bucket (minutes) and first bucket, and
    the share of posts in stories too small to list."""

    since: str
    bucket_minutes: int
    bucket_from: str
    other_share: float


@dataclass(frozen=True, slots=True)
class Drivers:
    """Why the alert fired: the window's figures and what people were saying.

    `detector` holds the detector's own figures (its name, the signals that fired, the lines it
    compared, crisis-event figures...): they change with the detector, so they live under one name
    rather than beside the contract's fields. `narratives`/`narrative_sample` are absent (null)
    when the engine runs without narratives; `reopens` counts re-openings of the episode."""

    ratio: float | None = field(
        default=None, metadata=described("The window's volume over its expected volume (null when none was expected).")
    )
    top_terms: list[tuple[str, int]] = field(
        default_factory=list,
        metadata=described("The window's most frequent terms (the entity's own name left out) and their counts."),
    )
    top_hashtags: list[tuple[str, int]] = field(
        default_factory=list, metadata=described("The window's most frequent hashtags and their counts.")
    )
    top_authors: list[AuthorReach] = field(
        default_factory=list, metadata=described("The window's authors with the most followers.")
    )
    samples: list[SampleRef] = field(
        default_factory=list, metadata=described("The window's first mentions (at most five, reposts left out).")
    )
    languages: dict[str, int] = field(
        default_factory=dict, metadata=described("The window's mentions by language (its ten most frequent).")
    )
    unique_authors: int = field(default=0, metadata=described("Distinct authors of the window's mentions."))
    reach: int = field(default=0, metadata=described("The followers of each mention's author, summed over the window."))
    reposts: int = field(default=0, metadata=described("Mentions that repost another post."))
    negative: int = field(default=0, metadata=described("Scored mentions that read negative."))
    scored: int = field(
        default=0, metadata=described("Mentions the sentiment scorer scored (those in a language it reads).")
    )
    distinct_texts: int = field(default=0, metadata=described("Distinct texts among the mentions (copies count once)."))
    detector: dict[str, Any] = field(
        default_factory=dict,
        metadata=described("The detector's own figures: its name, the signals that fired, the lines it compared."),
    )
    narratives: list[NarrativeSummary] | None = field(
        default=None, metadata=described("The stories people told during the incident (absent without narratives).")
    )
    narrative_sample: NarrativeSampling | None = field(
        default=None, metadata=described("How the narratives were sampled (absent without narratives).")
    )
    reopens: int = field(default=0, metadata=described("Re-openings of the incident's episode (absent when 0)."))

    def to_dict(self) -> dict[str, Any]:
        """The wire form (as JSON reads it back): `narratives`, `narrative_sample` left out when null,
        `reopens` when 0."""
        out = field_dict(self)
        out["top_terms"] = [list(pair) for pair in self.top_terms]  # as JSON reads them back
        out["top_hashtags"] = [list(pair) for pair in self.top_hashtags]
        for name in ("narratives", "narrative_sample"):
            if out[name] is None:
                del out[name]
        if not self.reopens:
            del out["reopens"]
        return out

    def crisis_figures(self) -> tuple[float, float, list[str]] | None:
        """A crisis event's 15-minute volume and expected (the figures its rule compared) and its crisis
        words, most frequent first; None for any other alert."""
        d = self.detector
        volume, expected = d.get("volume_15m"), d.get("expected_15m")
        if (
            d.get("crisis_event") is not True
            or not isinstance(volume, int | float)
            or not isinstance(expected, int | float)
        ):
            return None
        found = d.get("crisis_terms")
        words = [str(x[0]) for x in found if isinstance(x, list | tuple) and x] if isinstance(found, list) else []
        return float(volume), float(expected), words


@dataclass(frozen=True, slots=True)
class Alert:
    """One step of one incident's lifecycle; `incident_id` is also the PagerDuty dedup_key.

    Times are epoch milliseconds: `incident_start_ms` (the start of the window that opened the
    incident, kept in its state), the judged window's start and end, and `detected_at_ms` (window
    end + lateness)."""

    incident_id: str
    entity: str
    status: Status
    severity: Severity
    incident_start_ms: int
    window_start_ms: int
    window_end_ms: int
    detected_at_ms: int
    volume: int
    baseline: float
    score: float
    negative_share: float
    mean_compound: float
    drivers: Drivers = field(default_factory=Drivers)
    drill: bool = False
    version: int = ALERT_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The wire form (times as ISO-8601 UTC strings)."""
        out: dict[str, Any] = {"version": self.version}
        for f in fields(self):
            if f.name == "version":
                continue
            value = getattr(self, f.name)
            out[f.name[:-3] if f.name.endswith("_ms") else f.name] = value
        for attr, wire in _TIMES:
            out[wire] = iso_utc(getattr(self, attr))
        out["drivers"] = self.drivers.to_dict()
        return out

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    # The times as the wire writes them (ISO-8601 UTC), for readers that print them.
    @property
    def detected_at(self) -> str:
        return iso_utc(self.detected_at_ms)

    @property
    def window_start(self) -> str:
        return iso_utc(self.window_start_ms)

    @property
    def window_end(self) -> str:
        return iso_utc(self.window_end_ms)

    def timeline_line(self) -> str:
        """A human line for the alert timeline printed by replays."""
        ratio = self.volume / self.baseline if self.baseline else float("inf")
        return (
            f"{self.detected_at}  {self.status.upper():<9} {self.severity:<8} {self.entity:<16} "
            f"volume={self.volume} expected={self.baseline:.1f} (x{ratio:.1f}) "
            f"negative={self.negative_share:.0%} mean={self.mean_compound:+.2f}{self._crossed()}  [{self.incident_id}]"
        )

    def crisis_figures(self) -> tuple[float, float, list[str]] | None:
        """See `Drivers.crisis_figures`."""
        return self.drivers.crisis_figures()

    def _crossed(self) -> str:
        """A crisis event crossed its line on the last 15 minutes: that figure beside the window's."""
        figures = self.crisis_figures()
        if figures is None:
            return ""
        volume, expected, words = figures
        return f" 15m={volume:.0f}/{expected:.1f}" + (f" crisis={','.join(words[:3])}" if words else "")


_REQUIRED = ("incident_id", "entity", "status", "severity", *(wire for _, wire in _TIMES), "volume", "baseline")
_REQUIRED += ("score", "negative_share", "mean_compound", "drivers")
_SCALARS = ("incident_id", "entity", "volume", "baseline", "score", "negative_share", "mean_compound", "drill")
_DRIVER_FIELDS = {f.name for f in fields(Drivers)}
_KIND = {str: "a string", int: "an integer", float: "a number", bool: "a boolean"}


def decode_alert(raw: bytes | str | dict[str, Any] | None) -> Alert:
    """The alert event in a record (JSON bytes/text or its parsed object). Unknown extra fields are
    ignored (the contract may grow); anything else wrong raises BadAlert with a one-line reason."""
    data = _object(raw)
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version not in (1, ALERT_VERSION):
        raise BadAlert(f"unknown alert version {version!r} (this reader knows 1 and {ALERT_VERSION})")
    if version == 1 and "incident_start" not in data:
        data = {**data, "incident_start": data.get("window_start")}
    missing = [name for name in _REQUIRED if name not in data]
    if missing:
        raise BadAlert(f"missing fields {', '.join(missing)}")
    if not isinstance(data["incident_id"], str) or not data["incident_id"] or not isinstance(data["entity"], str):
        raise BadAlert("incident_id and entity must be non-empty strings")
    if data["status"] not in STATUSES:
        raise BadAlert(f"unknown status {data['status']!r}")
    if data["severity"] not in SEVERITIES:
        raise BadAlert(f"unknown severity {data['severity']!r}")
    start, window_start, window_end, detected = (_ms(data[wire], wire) for _, wire in _TIMES)
    types = hints(Alert)
    for name in _SCALARS:
        if name in data and not conforms(data[name], types[name]):
            raise BadAlert(f"{name} must be {_KIND[types[name]]}")
    return Alert(
        incident_id=data["incident_id"],
        entity=data["entity"],
        status=data["status"],
        severity=data["severity"],
        incident_start_ms=start,
        window_start_ms=window_start,
        window_end_ms=window_end,
        detected_at_ms=detected,
        volume=data["volume"],
        baseline=float(data["baseline"]),
        score=float(data["score"]),
        negative_share=float(data["negative_share"]),
        mean_compound=float(data["mean_compound"]),
        drivers=_drivers(data["drivers"], version),
        drill=data.get("drill", False),
    )


def _object(raw: bytes | str | dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if not raw:
        raise BadAlert("empty record")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadAlert(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadAlert("not a JSON object")
    return data


def _ms(value: Any, name: str) -> int:
    if not isinstance(value, str):
        raise BadAlert(f"{name} must be an ISO-8601 string")
    try:
        return parse_ts(value)
    except TimestampError as exc:
        raise BadAlert(f"{name}: {exc}") from None


def _drivers(data: Any, version: int) -> Drivers:
    if not isinstance(data, dict):
        raise BadAlert("drivers must be an object")
    known = {k: v for k, v in data.items() if k in _DRIVER_FIELDS}
    if version == 1:  # the detector's figures (its name under "detector") sat beside the drivers
        known["detector"] = {k: v for k, v in data.items() if k not in _DRIVER_FIELDS or k == "detector"}
    types = hints(Drivers)
    for name, value in known.items():
        if not conforms(value, types[name]):
            raise BadAlert(f"drivers.{name} has the wrong type")
    for name in ("top_terms", "top_hashtags"):
        if name in known:
            known[name] = [(str(t), int(n)) for t, n in known[name]]
    if isinstance(known.get("ratio"), int):
        known["ratio"] = float(known["ratio"])
    return Drivers(**known)


def alert_schema() -> dict[str, Any]:
    """The JSON schema of the alert event on the wire (docs/architecture.md carries it)."""
    names = dict(_TIMES)
    required = [names.get(f.name, f.name) for f in fields(Alert) if f.name not in ("drill", "version")]
    schema = json_schema(Alert, required=("version", *required, "drill"), names=names)
    props = schema["properties"]
    props["version"] = {"const": ALERT_VERSION}
    for _, wire in _TIMES:
        props[wire] = {"type": "string", "format": "date-time"}
    props["drivers"]["required"] = [f.name for f in fields(Drivers) if f.name not in _OPTIONAL_DRIVERS]
    schema["properties"] = {"version": props.pop("version"), **props}
    return schema


_OPTIONAL_DRIVERS = ("narratives", "narrative_sample", "reopens")
