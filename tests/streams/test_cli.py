from __future__ import annotations

import gzip
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest

from firestorm.streams.cli import EXIT_BAD_LINES, EXIT_ERROR, EXIT_OK, main
from tests.models.builders import jsonl_bytes, storm_stream, write_jsonl

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def read_alerts(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def when(iso: object) -> datetime:
    return datetime.fromisoformat(str(iso))


@pytest.fixture(scope="module")
def storm_objs() -> list[dict[str, object]]:
    return storm_stream()


def test_replay_writes_the_alert_lifecycle(tmp_path: Path, storm_objs: list[dict[str, object]]) -> None:
    path = write_jsonl(tmp_path / "storm.jsonl", storm_objs)
    alerts_out = tmp_path / "alerts.jsonl"
    code, out, err = run("replay", str(path), "--alerts-out", str(alerts_out))
    assert code == EXIT_OK
    alerts = read_alerts(alerts_out)
    assert [a["status"] for a in alerts] == ["triggered", "updated", "resolved"]
    assert {a["entity"] for a in alerts} == {"acme"}
    assert len({a["incident_id"] for a in alerts}) == 1
    assert alerts[0]["severity"] == "critical" and alerts[0]["drill"] is False
    assert when(alerts[0]["detected_at"]) < when(alerts[-1]["detected_at"])
    # the timeline on stdout, the summary on stderr
    events = [line for line in out.splitlines() if not line.startswith("    ")]
    assert [line.split()[1] for line in events] == ["TRIGGERED", "UPDATED", "RESOLVED"]
    # each event is followed by its top narrative (docs/narratives.md)
    assert [line.split()[:2] for line in out.splitlines() if line.startswith("    ")] == [["top", "narrative"]] * 3
    assert f"replayed {len(storm_objs)} mentions" in err
    assert f"{len(storm_objs)} accepted, 0 duplicates, 0 late, 0 bad" in err


def test_malformed_lines_exit_3_and_the_rest_is_processed(tmp_path: Path, storm_objs: list[dict[str, object]]) -> None:
    lines: list[dict[str, object] | bytes] = list(storm_objs)
    lines.insert(2, b'{"id": "broken", "entity": "acme"')
    lines.insert(7, orjson.dumps({**storm_objs[7], "ts": "2026-03-02 00:05"}))
    path = write_jsonl(tmp_path / "storm.jsonl", lines)
    alerts_out = tmp_path / "alerts.jsonl"
    code, _out, err = run("replay", str(path), "--alerts-out", str(alerts_out))
    assert code == EXIT_BAD_LINES == 3
    assert "  line 3: not_json: " in err
    assert "  line 8: bad_timestamp: " in err
    assert "2 bad" in err
    assert [a["status"] for a in read_alerts(alerts_out)] == ["triggered", "updated", "resolved"]


def test_quiet_drill_gzip(tmp_path: Path, storm_objs: list[dict[str, object]]) -> None:
    path = tmp_path / "storm.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl_bytes(storm_objs)))
    alerts_out = tmp_path / "alerts.jsonl"
    code, out, err = run("replay", str(path), "--alerts-out", str(alerts_out), "--drill", "-q")
    assert code == EXIT_OK
    assert out == ""
    assert "3 alert events" in err
    assert all(a["drill"] is True for a in read_alerts(alerts_out))


def test_min_volume_option(tmp_path: Path, storm_objs: list[dict[str, object]]) -> None:
    path = write_jsonl(tmp_path / "storm.jsonl", storm_objs)
    alerts_out = tmp_path / "alerts.jsonl"
    code, _out, _err = run("replay", str(path), "--alerts-out", str(alerts_out), "--min-volume", "100")
    assert code == EXIT_OK
    assert read_alerts(alerts_out) == []


def test_missing_file(tmp_path: Path) -> None:
    code, _out, err = run("replay", str(tmp_path / "nope.jsonl"))
    assert code == EXIT_ERROR
    assert "nope.jsonl" in err


def test_bad_window_option_names_the_flag_not_the_variable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_jsonl(tmp_path / "one.jsonl", storm_stream(baseline_minutes=1, storm_counts=(), tail_minutes=0))
    with pytest.raises(SystemExit) as exit_info:
        run("replay", str(path), "--window", "soon")
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --window: not a duration: 'soon'" in err and "FIRESTORM_WINDOW" not in err


def test_bad_environment_is_a_configuration_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRESTORM_MIN_VOLUME", "lots")
    code, _out, err = run("replay", str(tmp_path / "x.jsonl"))
    assert code == EXIT_ERROR
    assert "FIRESTORM_MIN_VOLUME" in err


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        ([], "firestorm: error: the following arguments are required: COMMAND; see firestorm --help"),
        (
            ["replay"],
            "firestorm replay: error: the following arguments are required: file; see firestorm replay --help",
        ),
        (
            ["plan", "skyway"],
            "firestorm plan: error: the following arguments are required: --start, --end; see firestorm plan --help",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv: list[str], line: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run(*argv)
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines() == [line]


@pytest.mark.parametrize("sample", ["skyway-outage-en", "maison-rappel-fr"])
def test_bundled_sample(tmp_path: Path, sample: str) -> None:
    labels = json.loads((EXAMPLES / f"{sample}.labels.json").read_text(encoding="utf-8"))
    alerts_out = tmp_path / "alerts.jsonl"
    code, _out, _err = run("replay", str(EXAMPLES / f"{sample}.jsonl"), "--alerts-out", str(alerts_out), "-q")
    assert code == EXIT_OK
    alerts = read_alerts(alerts_out)
    onset = when(labels["onset"])
    triggered = [a for a in alerts if a["entity"] == labels["entity"] and a["status"] == "triggered"]
    assert triggered, alerts
    detected = when(triggered[0]["detected_at"])
    assert onset <= detected <= onset + timedelta(minutes=10)
    assert triggered[0]["severity"] in ("warning", "critical")
    for quiet in labels["quiet_entities"]:
        assert [a for a in alerts if a["entity"] == quiet] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--window", "5"], "argument --window: '5' has no unit: write 5s, 5m or 5h"),
        (["--window", "-1m"], "argument --window: '-1m' is negative: a duration is positive, e.g. 1m"),
        (["--lateness", "-30s"], "argument --lateness: '-30s' is negative"),
        (["--no-lables"], "unrecognized arguments: --no-lables (did you mean --no-labels?)"),
        (["--windw", "5m"], "(did you mean --window?)"),
        (["--display-tz", "Paris"], "argument --display-tz: unknown time zone 'Paris'"),
    ],
)
def test_bad_options_are_usage_errors_that_name_the_flag(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["replay", "x.jsonl", *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "FIRESTORM_" not in err.splitlines()[-1]
    assert len(err.splitlines()) == 1 and "usage:" not in err, err  # the error alone, no usage block before it
    assert err.startswith("firestorm replay: error: ") and err.endswith("; see firestorm replay --help\n")


def test_a_duration_without_unit_in_the_environment_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRESTORM_WINDOW", "5")
    out, err = io.StringIO(), io.StringIO()
    assert main(["replay", "x.jsonl"], out=out, err=err) == EXIT_ERROR
    assert "FIRESTORM_WINDOW: '5' has no unit: write 5s, 5m or 5h" in err.getvalue()


def test_plan_rejects_bad_times_before_any_broker() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["plan", "skyway", "--start", "tomorrow", "--end", "2026-03-10T12:00:00Z"], out=out, err=err) == 1
    assert "firestorm:" in err.getvalue()


def test_a_reader_that_leaves_early_ends_the_command_quietly() -> None:
    """`firestorm score FILE | head -1`: the closed pipe is not a traceback."""
    import subprocess
    import sys

    reader = subprocess.Popen(["head", "-n", "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    writer = subprocess.run(
        [sys.executable, "-m", "firestorm.streams.cli", "score", str(EXAMPLES / "skyway-outage-en.jsonl")],
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        check=False,
        timeout=120,
    )
    assert reader.stdin is not None
    reader.stdin.close()
    assert reader.stdout is not None
    first = reader.stdout.read()
    reader.wait(timeout=30)
    assert first.count(b"\n") == 1
    assert b"Traceback" not in writer.stderr and b"BrokenPipe" not in writer.stderr, writer.stderr.decode()
    assert writer.returncode == 141
