"""`jsonl_lines`: the raw lines of a JSON-lines file, for benchmarks and tests (plain, gzip, standard input)."""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import pytest

from firestorm.streams.formats import InputFile, jsonl_lines

CONTENT = b'{"id": "1"}\n\n{"id": "2"}\r\n   \n{"id": "3"}'  # blank lines, CRLF, no final newline
EXPECTED = [(1, b'{"id": "1"}'), (3, b'{"id": "2"}'), (5, b'{"id": "3"}')]


def test_plain_file(tmp_path: Path) -> None:
    path = tmp_path / "mentions.jsonl"
    path.write_bytes(CONTENT)
    assert list(jsonl_lines(str(path))) == EXPECTED


def test_gzip_file(tmp_path: Path) -> None:
    path = tmp_path / "mentions.jsonl.gz"
    path.write_bytes(gzip.compress(CONTENT))
    assert list(jsonl_lines(str(path))) == EXPECTED


def test_bytes_are_untouched(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b'\xff\xfe not utf-8 \n  {"id": 1}  \n')
    assert list(jsonl_lines(str(path))) == [(1, b"\xff\xfe not utf-8 "), (2, b'  {"id": 1}  ')]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert list(jsonl_lines(str(path))) == []


def test_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.jsonl")
    with pytest.raises(FileNotFoundError, match=r"nope\.jsonl"):
        list(jsonl_lines(missing))
    with pytest.raises(FileNotFoundError):
        InputFile(str(tmp_path))  # a directory is not a mentions file


def test_dash_reads_standard_input_and_leaves_it_open(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(CONTENT)))  # as sys.stdin is
    monkeypatch.setattr(sys, "stdin", stdin)
    assert list(jsonl_lines("-")) == EXPECTED
    assert not stdin.buffer.closed
