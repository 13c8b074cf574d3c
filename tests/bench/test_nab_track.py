"""The real-data track on small NAB-format fixtures: expansion, replay settings, row mapping, CLI."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.detection.cli import main
from bench.detection.nab_data import NabDataError, load_series, resolve_nab_dir
from bench.detection.nab_track import (
    ROW_MS,
    evaluate,
    iter_mentions,
    neutral_text,
    replay,
    replay_settings,
    row_start_ms,
    run_track,
)
from firestorm.models.engine import EngineSettings

START = datetime(2015, 2, 26, 21, 42, 53, tzinfo=UTC)  # off the 5-minute grid, as NAB's are
ROWS = 3 * 288  # three days of 5-minute rows
SPIKE_ROW = 700


def nab_time(row: int) -> str:
    return (START + timedelta(minutes=5 * row)).strftime("%Y-%m-%d %H:%M:%S")


def write_series(root: Path, name: str, spike: bool = True) -> None:
    folder = root / "data" / "realTweets"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["timestamp,value"]
    for row in range(ROWS):
        value = 12 + (row * 7) % 5  # steady: 12-16 per 5 minutes
        if spike and SPIKE_ROW <= row < SPIKE_ROW + 4:
            value = 400
        lines.append(f"{nab_time(row)},{value}")
    (folder / f"Twitter_volume_{name}.csv").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def nab_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nab")
    labels = {}
    for name in ("AAPL", "AMZN", "CRM", "CVS", "FB", "GOOG"):
        write_series(root, name, spike=name != "CVS")
        labels[f"realTweets/Twitter_volume_{name}.csv"] = [
            [nab_time(SPIKE_ROW - 10) + ".000000", nab_time(SPIKE_ROW + 20) + ".000000"]
        ]
    (root / "labels").mkdir()
    (root / "labels" / "combined_windows.json").write_text(json.dumps(labels))
    return root


def test_replay_settings_are_those_of_replay_window_5m() -> None:
    assert replay_settings() == replace(EngineSettings(), window_ms=300_000)


def test_series_and_windows_load_as_rows(nab_dir: Path) -> None:
    series = load_series(nab_dir, "AAPL")
    assert series.rows == ROWS and series.entity == "aapl"
    assert series.windows == ((SPIKE_ROW - 10, SPIKE_ROW + 20),)
    assert series.counts[SPIKE_ROW] == 400


def test_each_count_becomes_that_many_distinct_neutral_mentions(nab_dir: Path) -> None:
    series = load_series(nab_dir, "CRM")
    stream = list(iter_mentions(series))
    assert len(stream) == sum(series.counts)
    per_window = Counter(row_start_ms(m.ts_ms) for m, _ in stream)
    for ts, count in zip(series.timestamps_ms, series.counts, strict=True):
        assert per_window[row_start_ms(ts)] == count
    times = [m.ts_ms for m, _ in stream]
    assert times == sorted(times)
    assert len({m.text for m, _ in stream}) == len(stream)
    assert len({m.author.id for m, _ in stream if m.author}) == len(stream)
    assert len({m.id for m, _ in stream}) == len(stream)
    assert {s.compound for _, s in stream} == {0.0}
    first = series.timestamps_ms[0]
    assert all(row_start_ms(first) <= m.ts_ms < row_start_ms(first) + ROW_MS for m, _ in stream[: series.counts[0]])


def test_neutral_texts_are_distinct_beyond_the_vocabulary() -> None:
    texts = {neutral_text("aapl", n) for n in range(0, 2_000_000, 997)}
    assert len(texts) == len(range(0, 2_000_000, 997))
    assert neutral_text("aapl", 0).split()[0] == "aapl" and len(neutral_text("aapl", 0).split()) == 4


def test_a_spike_is_detected_at_its_row(nab_dir: Path) -> None:
    series = load_series(nab_dir, "AMZN")
    alerts = replay(series)
    assert alerts.mentions == sum(series.counts)
    assert SPIKE_ROW in alerts.triggered_rows  # the first spiking window triggers, at its own row
    result = evaluate(series, alerts)
    assert result.score.detected_windows == 1
    assert result.triggered_inside >= 1
    assert result.days == pytest.approx(3.0)
    assert result.days_outside == pytest.approx(3.0 - 31 * 5 / 1440)


def test_steady_series_raises_no_alert(nab_dir: Path) -> None:
    series = load_series(nab_dir, "CVS")
    result = evaluate(series, replay(series))
    assert result.alerts.triggered_rows == ()
    assert result.score.normalised == pytest.approx(0.0)  # nothing detected: the null score


def test_run_track_keeps_the_order_asked(nab_dir: Path) -> None:
    results = run_track(nab_dir, ["CVS", "AMZN"], jobs=2)
    assert [r.name for r in results] == ["CVS", "AMZN"]


def test_cli_real_track(nab_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_json = tmp_path / "real.json"
    assert main(["--track", "real", "--nab-dir", str(nab_dir), "--jobs", "1", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "real-data track: NAB realTweets AAPL, AMZN, CRM, CVS, FB" in out
    assert "NAB standard >= 80 over the series:" in out
    assert "alerts per entity-day outside labelled windows <= 0.15:" in out
    assert "NAB leave-one-out >= 80:" in out and "all five (defaults)" in out
    for name in ("AAPL", "AMZN", "CRM", "CVS", "FB", "overall"):
        assert any(line.startswith(name) for line in out.splitlines()), name
    document = json.loads(out_json.read_text())
    assert [s["name"] for s in document["real_data"]["per_series"]] == ["AAPL", "AMZN", "CRM", "CVS", "FB"]
    assert [f["held_out"] for f in document["real_data"]["leave_one_out"]["folds"]] == [
        "AAPL",
        "AMZN",
        "CRM",
        "CVS",
        "FB",
    ]


def test_cli_warns_for_a_series_outside_the_tuning_set(nab_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--track", "real", "--nab-dir", str(nab_dir), "--nab-series", "GOOG", "--jobs", "1"]) == 0
    captured = capsys.readouterr()
    assert "WARNING: GOOG is NOT in the tuning set" in captured.err
    assert "WARNING: GOOG is NOT in the tuning set" in captured.out


def test_cli_says_how_to_get_nab(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIRESTORM_NAB_DIR", raising=False)
    assert main(["--track", "real"]) == 2
    assert "git clone https://github.com/numenta/NAB" in capsys.readouterr().err
    assert main(["--track", "real", "--nab-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "data/realTweets" in err and "--nab-dir" in err


def test_missing_series_is_a_clear_error(nab_dir: Path) -> None:
    with pytest.raises(NabDataError, match="no series KO"):
        load_series(nab_dir, "KO")


def test_nab_dir_from_flag_or_environment() -> None:
    assert resolve_nab_dir("/a", {"FIRESTORM_NAB_DIR": "/b"}) == Path("/a")
    assert resolve_nab_dir(None, {"FIRESTORM_NAB_DIR": "/b"}) == Path("/b")
    assert resolve_nab_dir(None, {}) is None
