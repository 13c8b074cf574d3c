"""NAB leave-one-series-out: constants chosen on the other series, the held-out one scored with them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.detection.nab_loo import folds, loo_score, replay_grid, table
from bench.detection.nab_score import NabScore
from bench.detection.nab_track import SeriesAlerts, SeriesResult
from tests.bench.test_nab_track import SPIKE_ROW, nab_time, write_series


def result(name: str, raw: float) -> SeriesResult:
    """A scored series whose NAB standard is 100 x raw (null 0, perfect 1)."""
    alerts = SeriesAlerts(name, 0, (), (), (), 0.0)
    return SeriesResult(name, 100, 1.0, 1.0, NabScore(raw, 0.0, 1.0, 1, 1, 0), alerts, 0, 0)


def test_each_fold_takes_the_point_best_on_the_other_series_never_on_its_own() -> None:
    a, b = (6.0, 3.0), (5.0, 3.0)
    # Point b is best for X alone; on the other two series a wins, so X is scored with a.
    results = {
        a: {"X": result("X", 0.2), "Y": result("Y", 0.9), "Z": result("Z", 0.8)},
        b: {"X": result("X", 1.0), "Y": result("Y", 0.5), "Z": result("Z", 0.6)},
    }
    found = {f.held_out: f for f in folds(results, ["X", "Y", "Z"])}
    # X out: on Y, Z a scores 85, b 55. Y out: on X, Z a 50, b 80. Z out: on X, Y a 55, b 75.
    assert found["X"].chosen == a and found["X"].tuning_score == pytest.approx(85.0)
    assert found["X"].result.score.raw == 0.2  # X is scored with a, though b would suit X itself
    assert found["Y"].chosen == b and found["Z"].chosen == b
    assert loo_score(list(found.values())) == pytest.approx(100 * (0.2 + 0.5 + 0.6) / 3)


def test_ties_keep_the_earlier_point_and_the_score_is_over_the_held_out_sums() -> None:
    a, b = (6.0, 3.0), (7.0, 3.0)
    same = {"X": result("X", 0.5), "Y": result("Y", 0.7)}
    found = folds({a: same, b: dict(same)}, ["X", "Y"])
    assert [f.chosen for f in found] == [a, a]
    assert loo_score(found) == pytest.approx(60.0)
    assert "leave-one-out" in table(found, 60.0)


def test_the_grid_replays_every_series_at_every_point(tmp_path: Path) -> None:
    labels = {}
    for name in ("AAPL", "AMZN"):
        write_series(tmp_path, name)
        labels[f"realTweets/Twitter_volume_{name}.csv"] = [
            [nab_time(SPIKE_ROW - 10) + ".000000", nab_time(SPIKE_ROW + 20) + ".000000"]
        ]
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps(labels))
    grid = ((6.0, 3.0), (7.0, 4.0))
    results = replay_grid(tmp_path, ["AAPL", "AMZN"], 1, grid)
    assert set(results) == set(grid) and all(set(r) == {"AAPL", "AMZN"} for r in results.values())
    found = folds(results, ["AAPL", "AMZN"])
    assert [f.held_out for f in found] == ["AAPL", "AMZN"]
    assert all(f.result is results[f.chosen][f.held_out] for f in found)
