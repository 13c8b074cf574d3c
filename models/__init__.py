"""Pure, event-time detection logic: records, sentiment, windows, detectors.

Nothing in this package does I/O or reads the wall clock, so the same input
gives the same alerts in a live worker and in a replay.
"""
