"""Input formats for replay and produce: JSON lines (the mention contract), CSV, X API v2.

`read_records(input_file, spec)` yields `(line number, mention JSON bytes | Rejected)`;
JSON lines pass through untouched (the engine's own decoder checks them), the other formats
are mapped to the contract here. Gzip is detected by content for every format.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterator
from pathlib import Path

import orjson

from firestorm.streams.formats.base import NO_ENTITY, InputError, InputSpec, Record, Rejected, WatchList
from firestorm.streams.formats.csvfmt import parse_csv_map, read_csv
from firestorm.streams.formats.source import InputFile
from firestorm.streams.formats.xv2 import is_page, is_tweet, read_x_v2
from firestorm.streams.zones import localize_json_line

FORMATS = ("auto", "jsonl", "csv", "x-v2")
JSON_ARRAY = "json-array"  # what some tools export instead of JSON lines: read as its items

__all__ = [
    "FORMATS",
    "NO_ENTITY",
    "InputError",
    "InputFile",
    "InputSpec",
    "Record",
    "Rejected",
    "WatchList",
    "detect_format",
    "jsonl_lines",
    "parse_csv_map",
    "read_records",
]


def _stem_suffix(path: str) -> str:
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return Path(name).suffix


def detect_format(path: str, first_line: bytes | None, spec: InputSpec) -> str:
    """The explicit --format, else the file's extension, else a look at its first line."""
    if spec.format != "auto":
        return spec.format
    if spec.csv_map:
        return "csv"
    suffix = _stem_suffix(path)
    if suffix in (".csv", ".tsv"):
        return "csv"
    if first_line is None:
        return "jsonl"
    if spec.format in ("auto", "jsonl") and _starts_array(first_line):
        return JSON_ARRAY
    try:
        obj = orjson.loads(first_line)
    except orjson.JSONDecodeError:
        stripped = first_line.strip()
        if stripped[:1] in (b"{", b"["):
            return "x-v2" if b'"data"' in first_line or stripped in (b"{", b"[") else "jsonl"
        return "csv" if b"," in first_line or b";" in first_line or b"\t" in first_line else "jsonl"
    if is_page(obj) or is_tweet(obj):
        return "x-v2"
    return "jsonl"


def looks_binary(line: bytes) -> bool:
    """A NUL byte, or many control bytes, in the first line: an image, an archive, a program, not text."""
    head = line[:4096]
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > max(2, len(head) // 20)


def _starts_array(first_line: bytes) -> bool:
    """`[` then an object (or the end of the line): a JSON array of mentions or tweets."""
    stripped = first_line.strip()
    return stripped.startswith(b"[") and (stripped == b"[" or stripped[1:].lstrip().startswith((b"{", b"]")))


def _jsonl(lines: Iterator[tuple[int, bytes]], spec: InputSpec) -> Iterator[Record]:
    for number, raw in lines:
        if raw.strip():
            yield number, raw if spec.tz is None else localize_json_line(raw, spec.tz)


def _array_items(lines: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]] | Rejected:
    """The items of a JSON array file (one line or indented) as JSON lines, numbered by position."""
    text = b"\n".join(raw for _, raw in lines)
    try:
        items = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return Rejected("not_json", f"the file starts like a JSON array but is not one: {exc}")
    if not isinstance(items, list):
        return Rejected("not_json", "the file starts like a JSON array but is not one")
    return iter([(number, orjson.dumps(item)) for number, item in enumerate(items, start=1)])


def read_records(source: InputFile, spec: InputSpec) -> tuple[str, Iterator[Record]]:
    """The format used and the records of `source`; a broken gzip stream ends with one Rejected."""
    lines = source.lines()
    peeked: list[tuple[int, bytes]] = []
    first: bytes | None = None
    try:
        for number, raw in lines:
            peeked.append((number, raw))
            if raw.strip():
                first = raw
                break
    except (OSError, EOFError, zlib.error) as exc:
        return "jsonl", iter([(1, Rejected("bad_input", f"cannot read {source.name}: {exc}"))])
    if first is not None and looks_binary(first):
        raise InputError(
            f"{source.name} is binary data, not a mentions file: give JSON lines, CSV or an X API v2 export "
            "(plain or gzip); see docs/drills.md#your-own-exports"
        )
    fmt = detect_format(source.path, first, spec)
    chained: Iterator[tuple[int, bytes]] = itertools.chain(peeked, lines)
    if fmt == JSON_ARRAY:
        try:
            items = _array_items(chained)
        except (OSError, EOFError, zlib.error) as exc:
            return fmt, iter([(1, Rejected("bad_input", f"cannot read {source.name}: {exc}"))])
        if isinstance(items, Rejected):
            return fmt, iter([(1, items)])
        first_item = next(items, None)
        if first_item is None:
            return fmt, iter([])
        inner = detect_format("", first_item[1], InputSpec(format="auto"))
        fmt, chained = (
            f"{JSON_ARRAY} of {'tweets' if inner == 'x-v2' else 'mentions'}",
            itertools.chain([first_item], items),
        )
        records = read_x_v2(chained, spec) if inner == "x-v2" else _jsonl(chained, spec)
    elif fmt == "jsonl":
        records = _jsonl(chained, spec)
    elif fmt == "csv":
        records = read_csv(chained, spec)
    elif fmt == "x-v2":
        records = read_x_v2(chained, spec)
    else:
        raise InputError(f"unknown input format {fmt!r} (known: {', '.join(FORMATS)})")
    return fmt, _guard(records, source)


def jsonl_lines(path: str) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of the non-blank lines of a JSON-lines file (plain, gzip, or '-'), untouched."""
    with InputFile(path) as source:
        for number, raw in source.lines():
            if raw.strip():
                yield number, raw


def _guard(records: Iterator[Record], source: InputFile) -> Iterator[Record]:
    """Turn a truncated or corrupt gzip stream into one reported record instead of a crash."""
    last = 0
    try:
        for number, item in records:
            last = number
            yield number, item
    except (OSError, EOFError, zlib.error) as exc:
        yield last + 1, Rejected("bad_input", f"cannot read {source.name} past line {last}: {exc}")
