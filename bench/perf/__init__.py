"""The engine's own performance: replay against the loops a user would write, per-window costs,
idle entities, the month-long drill, and the output fingerprint that pins "no change in outputs"."""
