"""NAB realTweets series and their labelled anomaly windows, read from a local NAB checkout.

The Numenta Anomaly Benchmark (github.com/numenta/NAB, MIT licence) is third-party data: it is
never committed here. The real-data track reads it from `--nab-dir` or `FIRESTORM_NAB_DIR`, a
directory laid out like a NAB checkout (`data/realTweets/Twitter_volume_<NAME>.csv` with
`timestamp,value` 5-minute tweet counts, and `labels/combined_windows.json`).

Only five series are the tuning set (AAPL, AMZN, CRM, CVS, FB); the other five realTweets
series judge generalisation later and are left alone unless asked for by name (with a warning).
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

NAB_DIR_ENV = "FIRESTORM_NAB_DIR"
TUNING_SERIES: tuple[str, ...] = ("AAPL", "AMZN", "CRM", "CVS", "FB")
HELD_OUT_SERIES: tuple[str, ...] = ("GOOG", "IBM", "KO", "PFE", "UPS")
SERIES_DIR = "data/realTweets"
LABELS_FILE = "labels/combined_windows.json"
HOW_TO_GET = (
    "get NAB with `git clone https://github.com/numenta/NAB` (only data/realTweets/ and "
    "labels/combined_windows.json are read) and pass its directory with --nab-dir PATH or "
    f"{NAB_DIR_ENV}=PATH"
)


class NabDataError(ValueError):
    """The NAB directory, a series or its labels cannot be used; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class NabSeries:
    """One realTweets file: row timestamps (ms, UTC), counts, and labelled windows as (first, last) row indices."""

    name: str  # e.g. "AAPL"
    timestamps_ms: tuple[int, ...]
    counts: tuple[int, ...]
    windows: tuple[tuple[int, int], ...]

    @property
    def rows(self) -> int:
        return len(self.timestamps_ms)

    @property
    def entity(self) -> str:
        return self.name.lower()

    @property
    def relative_path(self) -> str:
        return f"realTweets/Twitter_volume_{self.name}.csv"


def resolve_nab_dir(flag: str | Path | None, environ: dict[str, str] | None = None) -> Path | None:
    """The NAB directory from the flag, else from FIRESTORM_NAB_DIR, else None (track not run)."""
    env = os.environ if environ is None else environ
    raw = str(flag) if flag is not None else env.get(NAB_DIR_ENV, "")
    return Path(raw).expanduser() if raw else None


def check_nab_dir(nab_dir: Path) -> None:
    """Raise NabDataError, saying how to get NAB, when the directory lacks the files the track reads."""
    missing = [p for p in (SERIES_DIR, LABELS_FILE) if not (nab_dir / p).exists()]
    if missing:
        raise NabDataError(f"{nab_dir} has no {' and no '.join(missing)}: {HOW_TO_GET}")


def parse_nab_time(text: str) -> int:
    """'2015-02-26 21:42:53' or '2015-03-03 04:37:53.000000' (UTC) to epoch milliseconds."""
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            moment = datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        return int(moment.timestamp() * 1000)
    raise NabDataError(f"not a NAB timestamp: {text!r}")


def load_labels(nab_dir: Path) -> dict[str, list[tuple[int, int]]]:
    """combined_windows.json: relative path -> [(start_ms, end_ms), ...]."""
    path = nab_dir / LABELS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise NabDataError(f"cannot read {path}: {exc}; {HOW_TO_GET}") from exc
    if not isinstance(raw, dict):
        raise NabDataError(f"{path}: expected an object of file -> windows")
    return {str(k): [(parse_nab_time(a), parse_nab_time(b)) for a, b in v] for k, v in raw.items()}


def load_series(nab_dir: Path, name: str, labels: dict[str, list[tuple[int, int]]] | None = None) -> NabSeries:
    """Read one realTweets series and map its labelled windows onto row indices (as NAB does)."""
    path = nab_dir / SERIES_DIR / f"Twitter_volume_{name}.csv"
    if not path.exists():
        raise NabDataError(f"no series {name}: {path} is missing; {HOW_TO_GET}")
    timestamps: list[int] = []
    counts: list[int] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"timestamp", "value"} <= set(reader.fieldnames):
            raise NabDataError(f"{path}: expected the columns timestamp,value")
        for line, row in enumerate(reader, start=2):
            try:
                value = float(row["value"])
            except (TypeError, ValueError) as exc:
                raise NabDataError(f"{path}:{line}: value {row['value']!r} is not a number") from exc
            if value < 0 or value != int(value):
                raise NabDataError(f"{path}:{line}: value {row['value']!r} is not a count")
            timestamps.append(parse_nab_time(row["timestamp"]))
            counts.append(int(value))
    if not timestamps:
        raise NabDataError(f"{path}: no rows")
    if any(b <= a for a, b in pairwise(timestamps)):
        raise NabDataError(f"{path}: timestamps are not strictly increasing")
    all_labels = labels if labels is not None else load_labels(nab_dir)
    key = f"realTweets/Twitter_volume_{name}.csv"
    if key not in all_labels:
        raise NabDataError(f"{nab_dir / LABELS_FILE} has no windows for {key}")
    index = {ts: i for i, ts in enumerate(timestamps)}
    windows: list[tuple[int, int]] = []
    for start, end in all_labels[key]:
        if start not in index or end not in index:
            raise NabDataError(f"{key}: window limits {start}..{end} are not row timestamps")
        windows.append((index[start], index[end]))
    return NabSeries(name, tuple(timestamps), tuple(counts), tuple(sorted(windows)))
