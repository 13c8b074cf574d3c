"""Read mention files for replay and produce: JSON lines, plain or gzip, or standard input."""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def open_source(path: str) -> BinaryIO:
    """Open `path` for binary reading; '-' is standard input, '.gz' files are decompressed."""
    if path == "-":
        return sys.stdin.buffer
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no such mentions file: {path}")
    if file.suffix == ".gz":
        return gzip.open(file, "rb")  # type: ignore[return-value]
    return file.open("rb")


def iter_lines(path: str) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, raw line) for every non-blank line of a JSON-lines file."""
    stream = open_source(path)
    try:
        for number, line in enumerate(stream, start=1):
            line = line.rstrip(b"\r\n")
            if line.strip():
                yield number, line
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
