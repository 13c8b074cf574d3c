"""settle_heap: start-up's objects frozen out of the collector, young objects collected rarely."""

from __future__ import annotations

import gc

from firestorm.streams.heap import GC_YOUNG_THRESHOLD, settle_heap


def test_settle_heap_freezes_start_up_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()  # an in-process `firestorm replay` of another test may have settled it
    try:
        gc.set_threshold(700, 10, 10)  # CPython's default
        settle_heap()
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
