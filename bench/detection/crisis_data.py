"""CrisisLexT6 events as the mentions of one entity each, read from a local CrisisLex checkout.

CrisisLexT6 (github.com/sajao/CrisisLex, Olteanu et al., ICWSM 2014) holds about 10,000 real,
sampled tweets per event (`tweet id, tweet, label`, labelled on-topic/off-topic). It is third-party
data: never committed here. The crisis-event track reads it from `--crisislex-dir` or
`FIRESTORM_CRISISLEX_DIR`, a directory laid out like a CrisisLex checkout
(`data/CrisisLexT6/<event>/<event>-ontopic_offtopic.csv`).

A tweet's time comes from its id (a Twitter snowflake: `(id >> 22) + 1288834974657` ms since the
epoch). Each event's whole collection (on- and off-topic: what a keyword tracker would have
received) is the mentions of one entity. The onset of each event is taken from its public record
(the source is written beside it), never from the data.

Four events are the tuning set. The other two CrisisLexT6 events (2013_Boston_Bombings,
2013_West_Texas_Explosion) judge generalisation later: they are refused unless asked for by
name, and then only with a loud warning (as bench/detection/nab_data.py does for NAB).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

CRISISLEX_DIR_ENV = "FIRESTORM_CRISISLEX_DIR"
T6_DIR = "data/CrisisLexT6"
SNOWFLAKE_EPOCH_MS = 1_288_834_974_657
HOW_TO_GET = (
    "get CrisisLex with `git clone https://github.com/sajao/CrisisLex` (only data/CrisisLexT6/<event>/ of the "
    f"four tuning events is read) and pass its directory with --crisislex-dir PATH or {CRISISLEX_DIR_ENV}=PATH"
)


def _utc_ms(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class EventInfo:
    """One CrisisLexT6 event: its folder, an entity name, its onset (UTC) and where the onset comes from."""

    folder: str
    entity: str
    onset_utc: str  # "YYYY-MM-DD HH:MM"
    source: str

    @property
    def onset_ms(self) -> int:
        return _utc_ms(self.onset_utc)

    @property
    def relative_path(self) -> str:
        return f"{T6_DIR}/{self.folder}/{self.folder}-ontopic_offtopic.csv"


# Onsets from the public record, never from the tweets.
TUNING_EVENTS: tuple[EventInfo, ...] = (
    EventInfo(
        "2012_Sandy_Hurricane",
        "sandy",
        "2012-10-29 23:30",
        "landfall near Brigantine, New Jersey, about 2330 UTC 29 October 2012 (NHC Tropical Cyclone Report "
        "AL182012, Blake et al. 2013)",
    ),
    EventInfo(
        "2013_Alberta_Floods",
        "alberta",
        "2013-06-20 16:00",
        "City of Calgary declares a state of local emergency and orders the first evacuations, about 10:00 MDT "
        "20 June 2013 (City of Calgary; Government of Alberta flood recovery report)",
    ),
    EventInfo(
        "2013_Oklahoma_Tornado",
        "oklahoma",
        "2013-05-20 19:56",
        "the Moore EF5 tornado touches down, 2:56 pm CDT 20 May 2013 (NWS Norman, 'The Moore, Oklahoma "
        "tornado of May 20, 2013')",
    ),
    EventInfo(
        "2013_Queensland_Floods",
        "queensland",
        "2013-01-27 00:00",
        "ex-Tropical Cyclone Oswald's floods reach south-east Queensland: Bundaberg and Gladstone flood warnings "
        "and evacuations from 27 January 2013 (10:00 AEST = 00:00 UTC; Bureau of Meteorology, Queensland "
        "Government flood reports)",
    ),
)
TUNING_NAMES: tuple[str, ...] = tuple(e.folder for e in TUNING_EVENTS)
# Held out: their onsets are written here from the public record only, so they can be judged later
# by name (with a warning); their files are never read by default.
HELD_OUT: tuple[EventInfo, ...] = (
    EventInfo(
        "2013_Boston_Bombings",
        "boston",
        "2013-04-15 18:49",
        "the first bomb explodes at the Boston Marathon finish line, 2:49 pm EDT 15 April 2013 (FBI)",
    ),
    EventInfo(
        "2013_West_Texas_Explosion",
        "west_texas",
        "2013-04-18 00:50",
        "the West Fertilizer Company plant explodes, 7:50 pm CDT 17 April 2013 (US Chemical Safety Board report "
        "2016-01-I-TX)",
    ),
)
HELD_OUT_EVENTS: tuple[str, ...] = tuple(e.folder for e in HELD_OUT)


class CrisisDataError(ValueError):
    """The CrisisLex directory or an event file cannot be used; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Tweet:
    id: int
    ts_ms: int
    text: str
    on_topic: bool


@dataclass(frozen=True, slots=True)
class CrisisEvent:
    """One event's collection, in time order, and its public-record onset."""

    info: EventInfo
    tweets: tuple[Tweet, ...]

    @property
    def first_ms(self) -> int:
        return self.tweets[0].ts_ms

    @property
    def last_ms(self) -> int:
        return self.tweets[-1].ts_ms


def resolve_crisis_dir(flag: str | Path | None, environ: dict[str, str] | None = None) -> Path | None:
    """The CrisisLex directory from the flag, else from FIRESTORM_CRISISLEX_DIR, else None (track not run)."""
    env = os.environ if environ is None else environ
    raw = str(flag) if flag is not None else env.get(CRISISLEX_DIR_ENV, "")
    return Path(raw).expanduser() if raw else None


def check_crisis_dir(root: Path) -> None:
    if not (root / T6_DIR).is_dir():
        raise CrisisDataError(f"{root} has no {T6_DIR}/: {HOW_TO_GET}")


def snowflake_ms(tweet_id: int) -> int:
    """When a tweet was posted, from its id (Twitter snowflake ids, November 2010 onwards)."""
    return (tweet_id >> 22) + SNOWFLAKE_EPOCH_MS


def event_info(name: str) -> EventInfo:
    """The event of that folder name (any case): a tuning event, or a held-out one asked for by name."""
    for info in (*TUNING_EVENTS, *HELD_OUT):
        if info.folder.lower() == name.lower():
            return info
    raise CrisisDataError(f"unknown CrisisLexT6 event {name!r}: choose from {', '.join(TUNING_NAMES)}")


def parse_event_names(text: str) -> list[EventInfo]:
    """A comma-separated list of event folder names (default: the tuning set)."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise CrisisDataError("no CrisisLexT6 event named")
    return [event_info(n) for n in names]


def untouched_warning(names: list[str]) -> str | None:
    outside = [n for n in names if n.lower() not in (t.lower() for t in TUNING_NAMES)]
    if not outside:
        return None
    return (
        f"WARNING: {', '.join(outside)} {'is' if len(outside) == 1 else 'are'} NOT in the tuning set "
        f"({', '.join(TUNING_NAMES)}). The other CrisisLexT6 events judge generalisation: do not tune on them."
    )


def load_event(root: Path, info: EventInfo) -> CrisisEvent:
    """Read one event's CSV (`tweet id, tweet, label`; ids quoted like '3369...'), sorted by time."""
    path = root / info.relative_path
    if not path.exists():
        raise CrisisDataError(f"no event {info.folder}: {path} is missing; {HOW_TO_GET}")
    tweets: list[Tweet] = []
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or len(header) < 3:
            raise CrisisDataError(f"{path}: expected the columns 'tweet id, tweet, label'")
        for line, row in enumerate(reader, start=2):
            if len(row) < 3:
                raise CrisisDataError(f"{path}:{line}: expected 3 fields, got {len(row)}")
            raw_id = row[0].strip().strip("'\"")
            if not raw_id.isdigit():
                raise CrisisDataError(f"{path}:{line}: tweet id {row[0]!r} is not a number")
            tweet_id = int(raw_id)
            tweets.append(Tweet(tweet_id, snowflake_ms(tweet_id), row[1], row[2].strip() == "on-topic"))
    if not tweets:
        raise CrisisDataError(f"{path}: no tweets")
    tweets.sort(key=lambda t: (t.ts_ms, t.id))
    return CrisisEvent(info, tuple(tweets))
