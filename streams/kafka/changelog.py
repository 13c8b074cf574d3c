"""The topic configs of the tables' changelogs: compaction that really runs on them.

Faust creates a table's changelog with cleanup.policy=compact and nothing else, so the broker's
defaults apply: a segment rolls at 1 GiB or after 7 days, and the log cleaner never touches the
active segment. A watch list of 100,000 entities writes about 1 MB of changelog a minute
(bench/perf/watchlist.py): the entities changelog then stayed in its first segment for days,
never compacted, and a restarted worker read every record ever written (each speaking entity
once when it speaks and again when it goes dormant, 1.4 records per entity after the first
100 minutes). With segments that roll (every 16 MiB or 10 minutes, whichever comes first) and a
cleaner that takes a log once a tenth of it is superseded records, a restart reads about one
record per entity, whatever the history.
"""

from __future__ import annotations

# A segment the cleaner can compact once it is closed: 16 MiB (16,000 dormant entities) or 10 minutes.
SEGMENT_BYTES = 16 * 2**20
SEGMENT_MS = 10 * 60 * 1000
# Clean a log once 10% of it is dirty (the broker's default, 50%, leaves up to half superseded).
MIN_CLEANABLE_DIRTY_RATIO = 0.1


def changelog_topic_config(min_insync_replicas: int = 0) -> dict[str, str]:
    """The extra configs of a changelog topic (Faust adds cleanup.policy=compact); they apply
    when Faust creates the topic, not to a changelog that already exists (see docs/scaling.md)."""
    config = {
        "segment.bytes": str(SEGMENT_BYTES),
        "segment.ms": str(SEGMENT_MS),
        "min.cleanable.dirty.ratio": str(MIN_CLEANABLE_DIRTY_RATIO),
    }
    if min_insync_replicas:
        config["min.insync.replicas"] = str(min_insync_replicas)
    return config
