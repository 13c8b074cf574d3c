"""`firestorm replay` and `produce` on every input format, malformed files, reports, compare."""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from firestorm.streams import cli
from tests.streams.drills.conftest import CSV_MAP, labels_obj, run_cli, to_csv, to_jsonl, to_x_pages

Writer = Callable[[str, bytes], Path]


def test_replay_csv_and_x_exports_alert_like_the_jsonl(write: Writer, incident: list[dict[str, Any]]) -> None:
    code, out_jsonl, _ = run_cli("replay", str(write("i.jsonl", to_jsonl(incident))), "--no-labels")
    assert code == 0 and out_jsonl.count("TRIGGERED") == 1
    code, out_csv, err = run_cli("replay", str(write("i.csv", to_csv(incident))), "--csv-map", CSV_MAP)
    assert code == 0, err
    assert out_csv == out_jsonl
    code, out_x, err = run_cli(
        "replay", str(write("i.json.gz", to_x_pages(incident))), "--watch", "acme=acme", "--watch", "calm=calm"
    )
    assert code == 0, err
    assert [line.split()[:4] for line in out_x.splitlines()] == [line.split()[:4] for line in out_jsonl.splitlines()]


def test_malformed_jsonl_completes_lists_bad_lines_and_exits_3(write: Writer, incident: list[dict[str, Any]]) -> None:
    lines = to_jsonl(incident).splitlines()
    lines.insert(10, b"{not json")
    lines.insert(20, json.dumps({"id": "z", "entity": "acme", "text": "no ts"}).encode())
    lines.insert(30, b"\xff\xfe")
    code, out, err = run_cli("replay", str(write("bad.jsonl.gz", b"\n".join(lines) + b"\n")))
    assert code == cli.EXIT_BAD_LINES
    assert "TRIGGERED" in out  # the rest was replayed
    assert f"replayed {len(incident) + 3} mentions" in err and f"{len(incident)} accepted" in err and "3 bad" in err
    assert "  line 11: not_json:" in err
    assert "  line 21: missing_field: required field 'ts' is missing" in err
    assert "  line 31: invalid_utf8:" in err


def test_malformed_csv_and_x_exit_3_with_line_numbers(write: Writer, incident: list[dict[str, Any]]) -> None:
    rows = to_csv(incident).decode().splitlines()
    rows[5] = rows[5] + ",extra"
    rows[9] = rows[9].replace("2026-03-02T", "2026-13-02T")
    code, out, err = run_cli("replay", str(write("bad.csv", ("\n".join(rows) + "\n").encode())), "--csv-map", CSV_MAP)
    assert code == 3 and "TRIGGERED" in out
    assert "  line 6: bad_row: row has 8 fields, the header has 7" in err
    assert "  line 10: bad_timestamp:" in err and "2 bad" in err
    pages = to_x_pages(incident).splitlines()
    pages[2] = b'{"data": [{"id": "1", "text": "acme"}]}'
    code, out, err = run_cli("replay", str(write("bad.x.jsonl", b"\n".join(pages) + b"\n")), "--entity", "acme")
    assert code == 3 and "TRIGGERED" in out
    assert "  line 3: missing_field: data[0]: tweet 1 has no 'created_at'" in err


def test_unmatched_rows_are_counted_not_errors(write: Writer, incident: list[dict[str, Any]]) -> None:
    code, out, err = run_cli("replay", str(write("i.x.jsonl", to_x_pages(incident))), "--watch", "acme=acme")
    assert code == 0, err
    calm = sum(1 for o in incident if o["entity"] == "calm")
    assert f"{calm} rows named no watched entity" in err and "TRIGGERED" in out


def test_input_errors_exit_1_with_a_clear_message(write: Writer, tmp_path: Path) -> None:
    assert run_cli("replay", str(tmp_path / "missing.jsonl"))[0] == 1
    path = write("e.csv", b"a,b\n1,2\n")
    code, _, err = run_cli("replay", str(path), "--csv-map", "id=tweet_id")
    assert code == 1 and "column 'tweet_id' (for id) is not in the CSV header: a, b" in err
    code, _, err = run_cli("replay", str(path), "--report", str(tmp_path / "r.pdf"))
    assert code == 1 and ".html or .png" in err
    code, _, err = run_cli("replay", str(path), "--compare", "nonsense=1")
    assert code == 1 and "unknown setting 'nonsense'" in err


def test_replay_writes_the_html_and_png_reports(write: Writer, incident: list[dict[str, Any]], tmp_path: Path) -> None:
    path = write("acme.jsonl", to_jsonl(incident))
    write("acme.labels.json", json.dumps(labels_obj()).encode())
    html, png = tmp_path / "out" / "r.html", tmp_path / "out" / "r.png"
    code, _, err = run_cli("replay", str(path), "--report", str(html), "--report", str(png), "--drill", "-q")
    assert code == 0, err
    assert f"report written to {html}" in err and f"report written to {png}" in err
    page = html.read_text()
    assert "Firestorm drill report: acme-synthetic" in page and "Time to detect" in page and "DRILL" in page
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_replay_compare_prints_a_table(write: Writer, incident: list[dict[str, Any]]) -> None:
    path = write("acme.jsonl", to_jsonl(incident))
    write("acme.labels.json", json.dumps(labels_obj()).encode())
    code, out, err = run_cli("replay", str(path), "-q", "--compare", "min_volume=5", "min_volume=1000")
    assert code == 0, err
    table = out.splitlines()
    assert table[0].startswith("variant") and "time to detect (onset 02:00Z)" in table[0]
    assert [row.split("  ")[0] for row in table[2:5]] == ["current settings", "min_volume=5", "min_volume=1000"]
    assert table[4].split()[1] == "none"


def test_stdin_gzip(monkeypatch: pytest.MonkeyPatch, incident: list[dict[str, Any]]) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(gzip.compress(to_jsonl(incident))))
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, _ = run_cli("replay", "-")
    assert code == 0 and out.count("TRIGGERED") == 1


def test_produce_sends_mapped_mentions_and_skips_bad_rows(
    write: Writer, incident: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """produce is tested against a real broker in tests/integration; here its input side only."""
    sent: list[tuple[int, bytes]] = []

    def fake_produce(config: Any, lines: Any, speed: float = 0.0, **kwargs: Any) -> Any:
        from firestorm.streams.kafka.produce import ProduceResult

        result = ProduceResult()
        for number, raw in lines:
            sent.append((number, raw))
            result.sent += 1
        return result

    monkeypatch.setattr("firestorm.streams.kafka.produce.produce", fake_produce)
    monkeypatch.setattr("firestorm.streams.kafka.topics.ensure_topics", lambda config: [])
    rows = to_csv(incident[:30]).decode().splitlines()
    rows[3] = rows[3] + ",extra"
    code, _, err = run_cli("produce", str(write("p.csv", ("\n".join(rows) + "\n").encode())), "--csv-map", CSV_MAP)
    assert code == 3
    assert len(sent) == 29 and json.loads(sent[0][1])["id"] == incident[0]["id"]
    assert "sent 29 mentions (csv)" in err and "skipped 1 bad rows" in err and "  line 4: bad_row:" in err
