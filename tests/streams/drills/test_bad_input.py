"""What a newcomer's files do: all rows bad, JSON arrays, empty files, naive times with --tz, DRILL lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from firestorm.streams import cli
from tests.streams.drills.conftest import CSV_MAP, run_cli, to_csv, to_jsonl

Writer = Callable[[str, bytes], Path]
PARIS = ZoneInfo("Europe/Paris")


def naive_paris(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The incident with its times written as a Paris tool writes them: local, no offset."""
    out = []
    for obj in objs:
        local = datetime.fromisoformat(obj["ts"]).astimezone(PARIS).replace(tzinfo=None)
        out.append({**obj, "ts": local.isoformat(sep=" ")})
    return out


def test_every_row_failing_is_exit_1_with_one_line(write: Writer) -> None:
    rows = b"".join(
        json.dumps({"id": f"m{i}", "entity": "acme", "text": "no time"}).encode() + b"\n" for i in range(60)
    )
    code, out, err = run_cli("replay", str(write("bad.jsonl", rows)))
    assert code == cli.EXIT_ERROR and out == ""
    assert err.splitlines() == [
        f"firestorm: no usable row in {write('bad.jsonl', rows)}: all 60 rows failed with missing_field "
        "(first, line 1: required field 'ts' is missing)"
    ]


def test_every_row_failing_for_several_reasons_counts_them(write: Writer) -> None:
    path = write("bad.jsonl", b"{oops\n" * 3 + b'{"id": "x"}\n')
    code, _out, err = run_cli("replay", str(path))
    assert code == cli.EXIT_ERROR and len(err.splitlines()) == 1
    assert "all 4 rows failed: not_json 3, missing_field 1 (first, line 1:" in err
    assert "is it JSON lines" in err


def test_some_rows_failing_is_still_exit_3_with_the_rest_replayed(
    write: Writer, incident: list[dict[str, Any]]
) -> None:
    code, out, err = run_cli("replay", str(write("some.jsonl", to_jsonl(incident) + b"{oops\n")), "--no-labels")
    assert code == cli.EXIT_BAD_LINES and "TRIGGERED" in out and "1 bad" in err


def test_naive_times_say_to_use_tz_and_tz_reads_them(write: Writer, incident: list[dict[str, Any]]) -> None:
    expected = run_cli("replay", str(write("utc.jsonl", to_jsonl(incident))))[1]
    naive = write("naive.jsonl", to_jsonl(naive_paris(incident)))
    code, _out, err = run_cli("replay", str(naive))
    assert code == cli.EXIT_ERROR and "no time zone" in err and "give their zone with --tz" in err
    code, out, err = run_cli("replay", str(naive), "--tz", "Europe/Paris")
    assert code == cli.EXIT_OK, err
    assert out == expected and "TRIGGERED" in out
    csv_path = write("naive.csv", to_csv(naive_paris(incident)))
    code, out_csv, err = run_cli("replay", str(csv_path), "--csv-map", CSV_MAP, "--tz", "Europe/Paris")
    assert code == cli.EXIT_OK, err
    assert out_csv == expected


def test_tz_leaves_times_with_an_offset_alone(write: Writer, incident: list[dict[str, Any]]) -> None:
    path = write("utc.jsonl", to_jsonl(incident))
    assert run_cli("replay", str(path), "--tz", "America/New_York")[1] == run_cli("replay", str(path))[1]


def test_unknown_zone_is_a_usage_error_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["replay", "x.jsonl", "--tz", "Europe/Pari"])
    assert stop.value.code == 2
    assert "argument --tz: unknown time zone 'Europe/Pari' (did you mean Europe/Paris?)" in capsys.readouterr().err


@pytest.mark.parametrize("indent", [None, 2])
def test_a_json_array_is_read_as_its_items(write: Writer, incident: list[dict[str, Any]], indent: int | None) -> None:
    expected = run_cli("replay", str(write("i.jsonl", to_jsonl(incident))))[1]
    code, out, err = run_cli("replay", str(write("i.json", json.dumps(incident, indent=indent).encode())))
    assert code == cli.EXIT_OK, err
    assert out == expected and f"replayed {len(incident)} mentions" in err


def test_a_broken_json_array_is_one_clear_error(write: Writer) -> None:
    code, _out, err = run_cli("replay", str(write("a.json", b'[\n  {"id": "m1",\n')))
    assert code == cli.EXIT_ERROR
    assert "starts like a JSON array but is not one" in err


def test_an_empty_file_warns(write: Writer) -> None:
    code, out, err = run_cli("replay", str(write("empty.jsonl", b"")))
    assert code == cli.EXIT_OK and out == ""
    assert err.splitlines()[0] == f"firestorm: warning: {write('empty.jsonl', b'')} is empty: nothing to replay"
    code, _out, err = run_cli("replay", str(write("blank.jsonl", b"\n\n")))
    assert "holds no mentions: nothing to replay" in err


def test_drill_lines_are_marked_and_display_tz_shows_the_offset(write: Writer, incident: list[dict[str, Any]]) -> None:
    path = str(write("i.jsonl", to_jsonl(incident)))
    plain_out = run_cli("replay", path)[1].splitlines()
    code, drill, _err = run_cli("replay", path, "--drill", "--display-tz", "Europe/Paris")
    assert code == cli.EXIT_OK
    # Timeline lines; an alert's top narrative follows it on an indented line, the same in both.
    assert [x for x in drill.splitlines() if x.startswith(" ")] == [x for x in plain_out if x.startswith(" ")]
    plain = [x for x in plain_out if not x.startswith(" ")]
    lines = [x for x in drill.splitlines() if not x.startswith(" ")]
    assert len(lines) == len(plain) and all("  DRILL " in line for line in lines)
    for utc, paris in zip(plain, lines, strict=True):
        utc_time = datetime.fromisoformat(utc.split()[0].replace("Z", "+00:00"))
        paris_time = datetime.fromisoformat(paris.split()[0])
        assert paris_time == utc_time and paris.split()[0].endswith("+01:00")  # same instant, labelled
        assert paris.split("  DRILL ", 1)[1] == utc.split("  ", 1)[1]
    assert all(line.split()[0].endswith("Z") for line in plain)


BINARY_HEAD = bytes(range(256)) * 4  # NUL and control bytes, and a few new lines and carriage returns


@pytest.mark.parametrize("name", ["photo.jpg", "export.csv", "dump.jsonl", "dump.jsonl.gz"])
@pytest.mark.parametrize("command", ["replay", "score"])
def test_a_binary_file_is_one_line_saying_what_to_give(write: Writer, name: str, command: str) -> None:
    path = write(name, BINARY_HEAD)  # the fixture gzips a .gz name
    code, out, err = run_cli(command, str(path))
    assert code == cli.EXIT_ERROR and out == ""
    assert err.splitlines() == [
        f"firestorm: {path} is binary data, not a mentions file: give JSON lines, CSV or an X API v2 export "
        "(plain or gzip); see docs/drills.md#your-own-exports"
    ]


def test_a_csv_header_that_cannot_be_parsed_is_one_line(write: Writer) -> None:
    code, _out, err = run_cli("replay", str(write("odd.csv", b"id,t\rs,text\n1,2,3\n")))
    assert code == cli.EXIT_ERROR
    assert err.splitlines() == [
        "firestorm: CSV: the header line cannot be read (new-line character seen in unquoted field); "
        "is it a CSV file? give --format jsonl or x-v2 if not, see docs/drills.md#your-own-exports"
    ]


def test_a_directory_is_one_line(tmp_path: Path) -> None:
    code, _out, err = run_cli("replay", str(tmp_path))
    assert code == cli.EXIT_ERROR and err.splitlines() == [f"firestorm: no such input file: {tmp_path}"]


def test_the_labels_summary_times_carry_their_zone(write: Writer, incident: list[dict[str, Any]]) -> None:
    path = write("i.jsonl", to_jsonl(incident))
    labels = write("i.labels.json", json.dumps({"entity": "acme", "onset": "2026-03-02T02:00:00Z"}).encode())
    _code, _out, err = run_cli("replay", str(path), "--labels", str(labels))
    line = next(x for x in err.splitlines() if x.startswith("labels "))
    assert " onset 02:00Z, first alert 02:0" in line and "Z (time to detect +" in line, line
    _code, _out, err = run_cli("replay", str(path), "--labels", str(labels), "--display-tz", "Europe/Paris")
    line = next(x for x in err.splitlines() if x.startswith("labels "))
    assert " onset 03:00+01:00 (Europe/Paris), first alert 03:0" in line and "+01:00 (time to detect +" in line, line
