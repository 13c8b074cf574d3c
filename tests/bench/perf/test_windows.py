"""The per-window micro-benchmarks time real closes and count the windows those closes returned."""

from __future__ import annotations

import math

from bench.perf.windows import WindowTiming, busy_windows, empty_windows, freeze_entities, idle_entities, idle_run


def test_busy_windows_close_one_window_per_entity_per_timed_minute() -> None:
    timing = busy_windows(entities=5, per_minute=2, warm_minutes=3, minutes=4)
    assert (timing.windows, timing.calls) == (20, 4)
    assert timing.seconds > 0 and timing.us_per_window > 0


def test_empty_windows_of_warm_entities() -> None:
    timing = empty_windows(entities=6, warm_minutes=3, minutes=2)
    assert (timing.windows, timing.calls) == (12, 2)
    assert timing.us_per_window > 0


def test_idle_entities_close_no_window_of_their_own_unless_every_window_is_asked() -> None:
    lazy = idle_entities(entities=50, minutes=2, quiet_minutes=1)
    assert (lazy.windows, lazy.calls) == (0, 2)  # dormant: no timer, nothing closed minute by minute
    eager = idle_entities(entities=50, minutes=2, quiet_minutes=1, every_window=True)
    assert (eager.windows, eager.calls) == (100, 2)
    assert eager.ms_per_call > 0


def test_the_freeze_advance_compresses_every_sleeping_entity_and_later_minutes_cost_nothing_more() -> None:
    seconds, frozen = freeze_entities(entities=40)
    assert frozen == 40
    assert seconds > 0
    steady = idle_entities(entities=40, minutes=2)  # the default quiet run reaches past the freeze
    assert (steady.windows, steady.calls) == (0, 2)


def test_idle_run_is_learnt_in_one_catch_up() -> None:
    timing = idle_run(run=30, warm_minutes=3)
    assert (timing.windows, timing.calls) == (30, 1)
    assert timing.seconds > 0


def test_timing_without_windows_is_not_a_number() -> None:
    assert math.isnan(WindowTiming(0.1, 0, 0).us_per_window)
    assert math.isnan(WindowTiming(0.1, 0, 0).ms_per_call)
    assert WindowTiming(0.002, 4, 2).us_per_window == 500.0
