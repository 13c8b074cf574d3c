"""An input file as lines of bytes: plain or gzip (by content, not name), or standard input.

It also says how far into the file it is, so a progress bar can show a percentage.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

GZIP_MAGIC = b"\x1f\x8b"


class InputFile:
    """Open `path` ('-' for standard input) for reading lines; gzip is detected by its magic bytes."""

    def __init__(self, path: str, stdin: BinaryIO | None = None) -> None:
        self.path = path
        self.total_bytes: int | None = None
        self._owned = path != "-"
        if path == "-":
            raw: BinaryIO = stdin if stdin is not None else sys.stdin.buffer
        else:
            file = Path(path)
            if not file.is_file():
                raise FileNotFoundError(f"no such input file: {path}")
            raw = file.open("rb")
            self.total_bytes = os.fstat(raw.fileno()).st_size
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, raw))
        self._raw: io.BufferedReader = buffered
        self.compressed = buffered.peek(2)[:2] == GZIP_MAGIC
        self._stream = cast(BinaryIO, gzip.GzipFile(fileobj=buffered, mode="rb") if self.compressed else buffered)

    @property
    def name(self) -> str:
        return "<stdin>" if self.path == "-" else self.path

    def position(self) -> int | None:
        """Bytes of the (possibly compressed) file read so far; None for standard input."""
        if self.total_bytes is None:
            return None
        try:
            return self._raw.tell()
        except (OSError, ValueError):
            return None

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """(line number, line without its end of line), blank lines included."""
        for number, line in enumerate(self._stream, start=1):
            yield number, line.rstrip(b"\r\n")

    def close(self) -> None:
        if self._owned:
            self._stream.close()
            self._raw.close()

    def __enter__(self) -> InputFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
