"""Run a bench track's independent replays over `jobs` processes (in this process when one is enough)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_all(work: Callable[[T], R], tasks: Sequence[T], jobs: int) -> list[R]:
    """`work` on every task, results in the tasks' order; `work` must be a module-level function."""
    workers = max(1, min(jobs, len(tasks)))
    if workers == 1:
        return [work(t) for t in tasks]
    with multiprocessing.Pool(workers) as pool:
        return list(pool.imap(work, tasks))
