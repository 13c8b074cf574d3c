"""`firestorm ingest`: connectors that watch public sources and produce mentions to the mentions topic.

One module per source (jetstream, mastodon, rss, webhook) behind the Connector interface
(connector.py); the watch list (watchlist.py) says which entities a post names; the runner
(runner.py) matches, produces, waits for the broker's acks, and only then persists each
connector's cursor (state.py), so a restart neither loses nor repeats mentions.
"""

SOURCES = ("bluesky", "mastodon", "rss", "webhook")
