"""The garbage collector's settings for a long-running firestorm process (a worker, a replay).

Start-up's objects (modules, lexicons, the language model, Faust's and aiokafka's services) live as
long as the process: they are frozen out of the collector's walks. Processing allocates about a
million objects a batch, nearly all freed by reference counting at once: collecting the young
generation every 700 allocations (CPython's default) walked them for nothing, about 15% of a
replay's CPU on mostly-unique texts. Outputs do not depend on it.
"""

from __future__ import annotations

import gc

GC_YOUNG_THRESHOLD = 50_000


def settle_heap() -> None:
    """Call once, after start-up and before the stream of mentions."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
