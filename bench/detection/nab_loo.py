"""NAB leave-one-series-out: choose the constants on four tuning series, score the fifth.

The detector's constants were chosen looking at all five tuning series, so their all-five score
flatters it. Here each series is held out in turn: among a small grid of the engine's two public
sensitivity knobs (`trigger_score`, `min_ratio`: a cross around the defaults, few points on purpose),
the point with the best NAB standard score on the other four is chosen (ties: the earlier point,
the defaults first), and the held-out series is scored with it. The leave-one-out score is NAB's
standard score over the five held-out scores' sums, as the all-five score is over all five series.
The other five realTweets series stay unread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bench.detection.nab_data import SERIES_DIR, check_nab_dir, load_labels, load_series
from bench.detection.nab_track import (
    SeriesResult,
    evaluate,
    overall_outside_rate,
    overall_score,
    replay,
    replay_settings,
)
from bench.detection.pool import run_all

# (trigger_score, min_ratio): the defaults first, then one knob at a time either side.
GRID: tuple[tuple[float, float], ...] = ((6.0, 3.0), (5.0, 3.0), (7.0, 3.0), (6.0, 2.5), (6.0, 4.0))


@dataclass(frozen=True, slots=True)
class Fold:
    """One held-out series: the constants chosen on the other four, their score there, and its own."""

    held_out: str
    chosen: tuple[float, float]
    tuning_score: float  # NAB standard on the other four, with the chosen constants
    result: SeriesResult  # the held-out series with the chosen constants


def _replay_one(task: tuple[Path, str, tuple[float, float]]) -> tuple[str, tuple[float, float], SeriesResult]:
    nab_dir, name, point = task
    trigger_score, min_ratio = point
    series = load_series(nab_dir, name)
    settings = replace(replay_settings(), trigger_score=trigger_score, min_ratio=min_ratio)
    return name, point, evaluate(series, replay(series, settings))


def replay_grid(
    nab_dir: Path, names: Sequence[str], jobs: int, grid: Sequence[tuple[float, float]] = GRID
) -> dict[tuple[float, float], dict[str, SeriesResult]]:
    """Every series at every grid point (largest series first, over `jobs` processes)."""
    check_nab_dir(nab_dir)
    labels = load_labels(nab_dir)
    for name in names:  # fail early on a missing series or label
        load_series(nab_dir, name, labels)
    size = {n: (nab_dir / SERIES_DIR / f"Twitter_volume_{n}.csv").stat().st_size for n in names}
    tasks = sorted(((nab_dir, n, p) for n in names for p in grid), key=lambda t: -size[t[1]])
    done = run_all(_replay_one, tasks, jobs)
    out: dict[tuple[float, float], dict[str, SeriesResult]] = {p: {} for p in grid}
    for name, point, result in done:
        out[point][name] = result
    return out


def folds(results: dict[tuple[float, float], dict[str, SeriesResult]], names: Sequence[str]) -> list[Fold]:
    """Hold each series out; choose the grid point best on the others (earlier point on a tie)."""
    out = []
    for held in names:
        others = [n for n in names if n != held]
        best: tuple[float, float] | None = None
        best_score = float("-inf")
        for point, by_name in results.items():  # grid order: the defaults first
            score = overall_score([by_name[n] for n in others]).normalised
            if score > best_score + 1e-9:
                best, best_score = point, score
        assert best is not None
        out.append(Fold(held, best, best_score, results[best][held]))
    return out


def loo_score(found: Sequence[Fold]) -> float:
    """NAB standard over the held-out series' sums."""
    return overall_score([f.result for f in found]).normalised


def table(found: Sequence[Fold], all_five: float) -> str:
    header = ("held_out", "trigger_score", "min_ratio", "NAB_on_other_4", "NAB_held_out", "outside/day")
    rows = [
        (
            f.held_out,
            f"{f.chosen[0]:g}",
            f"{f.chosen[1]:g}",
            f"{f.tuning_score:.1f}",
            f"{f.result.score.normalised:.1f}",
            f"{f.result.alerts_per_day_outside:.2f}",
        )
        for f in found
    ]
    rate = overall_outside_rate([f.result for f in found])
    rows.append(("leave-one-out", "", "", "", f"{loo_score(found):.1f}", f"{rate:.2f}"))
    rows.append(("all five (defaults)", "6", "3", "", f"{all_five:.1f}", ""))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        for row in [header, *rows]
    )
