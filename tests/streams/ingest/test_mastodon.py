"""Mastodon: statuses to posts, the streaming API with a disconnect, and the REST catch-up."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson

from firestorm.streams.ingest.mastodon import MastodonConnector, post_from_status
from firestorm.streams.ingest.state import StateStore
from tests.streams.ingest.harness import MemorySink, fast_backoff, make_runner, run_until
from tests.streams.ingest.servers import MastodonServer, MastodonState, status, update_event

S1 = status(
    1, '<p>SkyWay lost my bag <a href="https://social.example/tags/x" class="mention hashtag">#<span>x</span></a></p>'
)
S2 = status(2, "<p>Nice weather today</p>")
S3 = status(3, "", reblog=S1, followers=5000)  # a reblog: empty content of its own
S4 = status(4, "<p>Still waiting,<br>no answer <a href='#'>#SkyWayFail</a></p>")
S5 = status(5, "<p>Panne chez Lumière &amp; co</p>", lang="fr")
S6 = status(6, "<p>skyway refund?</p>")


def uri(item: dict[str, object]) -> str:
    return str(item["uri"])


def test_status_to_post_strips_html_and_reads_reblogs() -> None:
    post = post_from_status(S1)
    assert not isinstance(post, str)
    assert (post.id, post.text, post.lang, post.followers) == (uri(S1), "SkyWay lost my bag #x", "en", 120)
    assert (post.author_id, post.url, post.ts_ms) == ("user1@social.example", S1["url"], 1764748801000)
    reblog = post_from_status(S3)
    assert not isinstance(reblog, str)
    assert (reblog.id, reblog.repost_of, reblog.text, reblog.followers) == (
        uri(S3),
        uri(S1),
        "SkyWay lost my bag #x",
        5000,
    )
    assert post_from_status(S4).text == "Still waiting,\nno answer #SkyWayFail"  # type: ignore[union-attr]
    assert post_from_status({"id": "1"}) == "bad_status"
    assert post_from_status({**S2, "created_at": "someday"}) == "bad_timestamp"


def test_stream_disconnect_catches_up_through_the_timeline_without_duplicates(tmp_path: Path) -> None:
    state = MastodonState(
        stream_messages=[
            [
                update_event(S1),
                orjson.dumps({"stream": ["public"], "event": "delete", "payload": "109"}).decode(),
                "not json at all",
                orjson.dumps({"stream": ["public"], "event": "update", "payload": "{broken"}).decode(),
                update_event(S2),
                update_event(S3),
                "DROP",
            ],
            [update_event(S5), update_event(S6)],  # S5 also came through the catch-up
        ],
        timeline=[S1, S2, S3, S4, S5],  # S4 and S5 were posted while we were away
    )

    async def scenario() -> None:
        async with MastodonServer(state) as server:
            sink = MemorySink()
            source = MastodonConnector(server.base, batch_wait_s=0.05, backoff=fast_backoff(), name="mastodon")
            runner = make_runner([source], tmp_path, sink)
            await run_until(runner, lambda: len(sink.mentions) >= 5)
            assert sink.pairs() == [
                (uri(S1), "skyway"),
                (uri(S3), "skyway"),
                (uri(S4), "skyway"),
                (uri(S5), "lumiere"),
                (uri(S6), "skyway"),
            ]
            reblog = sink.mentions[1]
            assert reblog["repost_of"] == uri(S1) and reblog["author"] == {
                "id": "user3@social.example",
                "followers": 5000,
            }
            assert sink.mentions[3]["lang"] == "fr" and sink.mentions[3]["text"] == "Panne chez Lumière & co"
            assert state.timeline_queries == [
                {"path": "/api/v1/timelines/public", "min_id": S3["id"], "limit": "40"}
            ]  # caught up from the last acked id
            assert [q["stream"] for q in state.stream_queries] == ["public", "public"]
            assert source.stats.malformed == {"not_json": 2}
            assert source.stats.reconnects == 1
            assert runner.metrics.duplicates.labels("mastodon")._value.get() == 1  # S5 twice
            assert StateStore(tmp_path / "state").load("mastodon")[0] == S6["id"]

    asyncio.run(scenario())


def test_hashtag_stream_with_a_token_and_a_restart_from_the_stored_id(tmp_path: Path) -> None:
    StateStore(tmp_path / "state").save("mastodon", S2["id"], [])
    state = MastodonState(stream_messages=[[update_event(S6, "hashtag")]], timeline=[S1, S2, S3, S4])

    async def scenario() -> None:
        async with MastodonServer(state) as server:
            sink = MemorySink()
            source = MastodonConnector(
                server.base, hashtag="#skywayfail", token="tok", batch_wait_s=0.05, name="mastodon", idle_timeout_s=0.05
            )
            runner = make_runner([source], tmp_path, sink)
            await run_until(runner, lambda: len(sink.mentions) >= 3)
            assert sink.pairs() == [(uri(S3), "skyway"), (uri(S4), "skyway"), (uri(S6), "skyway")]
            assert state.stream_queries == [{"stream": "hashtag", "tag": "skywayfail"}]
            assert state.authorizations == ["Bearer tok"]
            assert state.timeline_queries[0]["path"] == "/api/v1/timelines/tag/skywayfail"
            assert state.timeline_queries[0]["min_id"] == S2["id"]
            assert source.stats.reconnects == 0 and source.stats.connected  # a quiet hashtag is no failure

    asyncio.run(scenario())
