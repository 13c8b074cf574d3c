"""firestorm: early warning for social-media firestorms.

The only top-level import name of the distribution. `firestorm.models` is the pure, event-time
core (records, sentiment, windows, detectors, the engine: no I/O); `firestorm.streams` is what
carries it (the Faust worker, Kafka plumbing, the notifier, ingest, drills and the CLI). In the
repository they live at the top, in `models/` and `streams/`; this folder links them in.
"""
