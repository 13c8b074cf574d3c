"""Pure, event-time detection logic: records, sentiment, windows, detectors.

Nothing in this package does I/O or reads the wall clock, so the same input
gives the same alerts in a live worker and in a replay.

Language identification does one tiny NumPy product per mention; OpenBLAS's worker threads then
spin between products and take a second core from Kafka or another worker for nothing (about 20%
more wall time on a busy 2-core machine, same results). So OpenBLAS runs one thread, unless the
environment says otherwise, set before NumPy is first imported.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
