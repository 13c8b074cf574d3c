"""CSV exports mapped to mentions with a column mapping.

`--csv-map id=tweet_id,entity=brand,ts=created_at,text=body,author.followers=followers` maps
mention fields to column names (a JSON or TOML file holding the same object also works).
Columns named like the contract's fields (`id`, `entity`, `ts`, `text`, `lang`, `author_id`
or `author.id`, `followers` or `author.followers`, `source`, `url`, `repost_of`) are used
without a mapping. `ts` may be ISO-8601 with a zone, or epoch seconds (10 digits) or
milliseconds (13 digits).
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Iterator, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any

from firestorm.streams.formats.base import BAD_ROW, InputError, InputSpec, Record, Rejected, finish
from firestorm.streams.zones import localize_ts

FIELDS = ("id", "entity", "ts", "text", "lang", "author.id", "author.followers", "source", "url", "repost_of")
ALIASES = {
    "author_id": "author.id",
    "author": "author.id",
    "followers": "author.followers",
    "author_followers": "author.followers",
    "followers_count": "author.followers",
}


def parse_csv_map(value: str) -> dict[str, str]:
    """`field=column,...`, or the path of a JSON/TOML file with {field: column}."""
    if "=" not in value:
        path = Path(value)
        if not path.is_file():
            raise InputError(f"--csv-map: not FIELD=COLUMN pairs and no such file: {value}")
        text = path.read_text(encoding="utf-8")
        try:
            data: Any = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"--csv-map {value}: {exc}") from exc
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise InputError(f"--csv-map {value}: want an object of field -> column name")
        pairs = dict(data)
    else:
        pairs = {}
        for part in value.split(","):
            if not part.strip():
                continue
            name, sep, column = part.partition("=")
            if not sep or not name.strip() or not column.strip():
                raise InputError(f"--csv-map: want FIELD=COLUMN, got {part!r}")
            pairs[name.strip()] = column.strip()
    mapping = {}
    for name, column in pairs.items():
        canonical = ALIASES.get(name, name)
        if canonical not in FIELDS:
            raise InputError(f"--csv-map: unknown mention field {name!r} (known: {', '.join(FIELDS)})")
        mapping[canonical] = column
    return mapping


def _resolve(header: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    index = {name.strip(): i for i, name in enumerate(header)}
    lowered = {name.strip().lower(): i for i, name in enumerate(header)}
    columns: dict[str, int] = {}
    for name, column in mapping.items():
        if column not in index:
            raise InputError(f"--csv-map: column {column!r} (for {name}) is not in the CSV header: {', '.join(header)}")
        columns[name] = index[column]
    for name in (*FIELDS, *ALIASES):
        canonical = ALIASES.get(name, name)
        if canonical not in columns and name in lowered:
            columns[canonical] = lowered[name]
    return columns


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _ts(value: str) -> str | int:
    if value.isdigit():
        number = int(value)
        return number * 1000 if len(value) <= 10 else number
    return value


def _row_to_obj(row: list[str], columns: Mapping[str, int], tz: tzinfo | None = None) -> dict[str, Any] | Rejected:
    obj: dict[str, Any] = {}
    author: dict[str, Any] = {}
    for name, i in columns.items():
        value = row[i].strip() if name != "text" else row[i]
        if value == "" and name != "text":
            continue
        if name == "ts":
            ts = _ts(value)
            obj["ts"] = localize_ts(ts, tz) if tz is not None and isinstance(ts, str) else ts
        elif name == "author.id":
            author["id"] = value
        elif name == "author.followers":
            cleaned = value.replace("_", "").replace(" ", "")
            if not cleaned.isdigit():
                return Rejected("bad_type", f"followers must be a non-negative integer, got {value[:40]!r}")
            author["followers"] = int(cleaned)
        else:
            obj[name] = value
    if "id" in author:
        obj["author"] = author
    return obj


def read_csv(lines: Iterator[tuple[int, bytes]], spec: InputSpec) -> Iterator[Record]:
    """Rows of a CSV file (header first; quoted fields may span lines) as mention JSON."""
    current = 0
    bad_utf8: set[int] = set()

    def text_lines() -> Iterator[str]:
        nonlocal current
        for number, raw in lines:
            current = number
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                bad_utf8.add(number)
                text = raw.decode("utf-8", errors="replace")
            yield (text[1:] if number == 1 and text.startswith("\ufeff") else text) + "\n"

    source = text_lines()
    header_line = next(source, None)
    if header_line is None:
        return
    delimiter = spec.csv_delimiter or _delimiter(header_line)
    try:
        header = next(csv.reader([header_line], delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(
            f"CSV: the header line cannot be read ({str(exc).split(' - ')[0]}); is it a CSV file? "
            "give --format jsonl or x-v2 if not, see docs/drills.md#your-own-exports"
        ) from exc
    columns = _resolve(header, spec.csv_map)
    missing = [f for f in ("id", "ts", "text") if f not in columns]
    if missing:
        raise InputError(
            f"CSV: no column for {', '.join(missing)}; map them with --csv-map FIELD=COLUMN "
            f"(header: {', '.join(header)})"
        )
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    while True:
        start = current + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, Rejected(BAD_ROW, f"CSV: {exc}")
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if any(start <= n <= current for n in bad_utf8):
            yield start, Rejected("invalid_utf8", "row is not valid UTF-8")
            continue
        if len(row) != len(header):
            yield start, Rejected(BAD_ROW, f"row has {len(row)} fields, the header has {len(header)}")
            continue
        obj = _row_to_obj(row, columns, spec.tz)
        if isinstance(obj, Rejected):
            yield start, obj
            continue
        for item in finish(obj, spec, ""):
            yield start, item
