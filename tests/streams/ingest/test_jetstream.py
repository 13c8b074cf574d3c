"""Jetstream: decoding the documented frames, and a local Jetstream that disconnects, replays and floods."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import orjson
import pytest

from firestorm.streams.ingest.jetstream import MAX_FRAME_BYTES, JetstreamConnector, post_from_event
from firestorm.streams.ingest.state import StateStore
from tests.streams.ingest.harness import MemorySink, fast_backoff, make_runner, run_until
from tests.streams.ingest.servers import JetstreamServer, frame_time, jetstream_frames

AUTHOR = "did:plc:aaaa1111bbbb2222cccc3333"
FIRST = f"at://{AUTHOR}/app.bsky.feed.post/3lbz2a7qjxc2a"
# (post id suffix, entity) the fixture frames make with the test watch list, in order
EXPECTED = [
    ("did:plc:aaaa1111bbbb2222cccc3333/app.bsky.feed.post/3lbz2a7qjxc2a", "skyway"),
    ("did:plc:gggg7777hhhh8888iiii9999/app.bsky.feed.post/3lbz2a7qm3e2c", "lumiere"),
    ("did:plc:gggg7777hhhh8888iiii9999/app.bsky.feed.post/3lbz2a7qm3e2c", "skyway"),
    ("did:plc:mmmm3333nnnn4444oooo5555/app.bsky.feed.post/3lbz2a7qo5g2e", "skyway"),
    ("did:plc:ssss9999tttt0000uuuu1111/app.bsky.feed.repost/3lbz2a7qp6h2f", "skyway"),
    ("did:plc:vvvv2222wwww3333xxxx4444/app.bsky.feed.post/3lbz2a7qq7i2g", "skyway"),
    ("did:plc:kkkk7777llll8888mmmm9999/app.bsky.feed.post/3lbz2a7qubm2k", "skyway"),
]
EXPECTED_PAIRS = [(f"at://{suffix}", entity) for suffix, entity in EXPECTED]
LAST_TIME_US = 1764748801200000


def connector(server: JetstreamServer, **kwargs: object) -> JetstreamConnector:
    settings: dict[str, object] = {
        "batch_size": 3,
        "batch_wait_s": 0.05,
        "backoff": fast_backoff(),
        "idle_timeout_s": 5.0,
    }
    settings.update(kwargs)
    return JetstreamConnector(server.url, **settings)  # type: ignore[arg-type]


def test_post_event_decodes_text_language_author_reply_and_quote() -> None:
    frames = [orjson.loads(f) for f in jetstream_frames() if frame_time(f) is not None]
    first = post_from_event(frames[0])
    assert not isinstance(first, str) and first is not None
    assert (first.id, first.ts_ms, first.lang, first.author_id) == (FIRST, 1764748800000, "en", AUTHOR)
    assert first.url == f"https://bsky.app/profile/{AUTHOR}/post/3lbz2a7qjxc2a"
    reply = post_from_event(frames[4])
    assert not isinstance(reply, str) and reply is not None and reply.reply_to == FIRST
    repost = post_from_event(frames[6])
    assert not isinstance(repost, str) and repost is not None
    assert (repost.text, repost.repost_of) == ("", FIRST)
    quote = post_from_event(frames[7])
    assert not isinstance(quote, str) and quote is not None and quote.quote_of == FIRST
    assert post_from_event(frames[1]) is None  # a like
    assert post_from_event(frames[5]) is None  # an identity event
    assert post_from_event(frames[8]) is None  # a delete
    assert post_from_event(frames[10]) == "bad_event"  # a create without its record


def test_frames_become_one_mention_per_entity_with_links_and_a_persisted_cursor(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with JetstreamServer(jetstream_frames()) as server:
            sink = MemorySink()
            source = connector(server)
            runner = make_runner([source], tmp_path, sink)
            await run_until(runner, lambda: len(sink.mentions) >= len(EXPECTED))
            assert sink.pairs() == EXPECTED_PAIRS
            by_id = {(m["id"], m["entity"]): m for m in sink.mentions}
            two = by_id[(EXPECTED_PAIRS[1][0], "lumiere")]
            assert two["lang"] == "fr" and two["source"] == "bluesky"
            assert two["author"] == {"id": "did:plc:gggg7777hhhh8888iiii9999", "followers": 0}
            assert sink.keys[:3] == [b"skyway", b"lumiere", b"skyway"]
            repost = by_id[EXPECTED_PAIRS[4]]
            assert repost["repost_of"] == FIRST and repost["text"].startswith("SkyWay cancelled")  # the original's text
            assert by_id[EXPECTED_PAIRS[3]]["reply_to"] == FIRST
            assert by_id[EXPECTED_PAIRS[5]]["quote_of"] == FIRST
            assert source.stats.malformed == {"not_json": 1, "bad_event": 1}
            assert server.connections[0] == {
                "cursor": None,
                "wanted": ["app.bsky.feed.post", "app.bsky.feed.repost"],
            }
            cursor, seen = StateStore(tmp_path / "state").load("bluesky")
            assert cursor == LAST_TIME_US
            assert set(seen) == {pair[0] for pair in EXPECTED_PAIRS}
            m = runner.metrics
            assert m.received.labels("bluesky")._value.get() == len(jetstream_frames())
            assert m.matched.labels("bluesky")._value.get() == 6
            assert m.produced.labels("bluesky")._value.get() == 7

    asyncio.run(scenario())


def test_a_disconnect_mid_stream_resumes_from_the_cursor_without_loss_or_duplicates(tmp_path: Path) -> None:
    async def scenario() -> None:
        # the first connection is cut after 7 frames, the second after 2 more; Jetstream replays inclusively
        async with JetstreamServer(jetstream_frames(), drops=[7, 2]) as server:
            sink = MemorySink()
            source = connector(server, batch_size=2)
            runner = make_runner([source], tmp_path, sink)
            await run_until(runner, lambda: len(sink.mentions) >= len(EXPECTED))
            assert sink.pairs() == EXPECTED_PAIRS  # each once, in order
            assert len(server.connections) == 3
            cursors = [c["cursor"] for c in server.connections]
            assert cursors[0] is None
            assert cursors[1] is not None and cursors[2] is not None and cursors[1] <= cursors[2]
            assert source.stats.reconnects == 2
            assert runner.metrics.duplicates.labels("bluesky")._value.get() >= 1  # the inclusive replay

    asyncio.run(scenario())


def test_a_restarted_connector_resumes_from_the_acked_cursor_and_drops_replayed_posts(tmp_path: Path) -> None:
    frames = jetstream_frames()
    half = 7

    async def scenario() -> None:
        async with JetstreamServer(frames[:half]) as server:
            sink = MemorySink()
            await run_until(make_runner([connector(server)], tmp_path, sink), lambda: len(sink.mentions) >= 4)
            first_run = sink.pairs()
        assert first_run == EXPECTED_PAIRS[:4]
        # a new process: the source now has everything; rewinding 1 s replays what was produced already
        async with JetstreamServer(frames) as server:
            sink = MemorySink()
            runner = make_runner([connector(server, rewind_s=1.0)], tmp_path, sink)
            await run_until(runner, lambda: len(sink.mentions) >= len(EXPECTED) - 4)
            assert server.connections[0]["cursor"] == frame_time(frames[half - 1]) - 1_000_000
            assert first_run + sink.pairs() == EXPECTED_PAIRS
            assert runner.metrics.duplicates.labels("bluesky")._value.get() == 3  # 3 produced posts replayed

    asyncio.run(scenario())


def test_a_failed_send_persists_nothing_and_the_batch_is_read_again(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with JetstreamServer(jetstream_frames()) as server:
            sink = MemorySink(fail_next=2)  # the broker does not ack the first two batches
            runner = make_runner([connector(server)], tmp_path, sink)
            await run_until(runner, lambda: len(sink.mentions) >= len(EXPECTED))
            assert sink.pairs() == EXPECTED_PAIRS
            assert runner.metrics.failures.labels("bluesky")._value.get() == 2
            assert [c["cursor"] for c in server.connections] == [None, None, None]  # nothing was acked before

    asyncio.run(scenario())


def test_a_slow_consumer_reads_at_its_own_pace_and_loses_nothing(tmp_path: Path) -> None:
    frames = jetstream_frames()
    many = []
    for copy in range(40):  # 560 frames, each post a new one
        for frame in frames:
            t = frame_time(frame)
            if t is None:
                many.append(frame)
                continue
            renamed = frame.replace('"rkey":"3lbz', f'"rkey":"{copy:03d}z').replace("/3lbz", f"/{copy:03d}z")
            many.append(renamed.replace(str(t), str(t + copy * 10_000_000)))

    async def scenario() -> None:
        async with JetstreamServer(many) as server:
            sink = MemorySink(delay_s=0.02)  # every batch takes 20 ms to be acked
            source = connector(server, batch_size=50)
            runner = make_runner([source], tmp_path, sink)
            await run_until(runner, lambda: len(sink.mentions) >= 40 * len(EXPECTED), timeout_s=30)
            assert len(sink.mentions) == 40 * len(EXPECTED)
            assert len(set(sink.pairs())) == len(sink.mentions)
            ts = [m["ts"] for m in sink.mentions]
            assert ts == sorted(ts)  # produced in source order
            assert sink.calls >= len(many) // 50
            assert StateStore(tmp_path / "state").load("bluesky")[0] == max(
                t for f in many if (t := frame_time(f)) is not None
            )

    asyncio.run(scenario())


def test_the_watch_list_reloads_while_the_connector_runs(tmp_path: Path) -> None:
    frames = jetstream_frames()

    async def scenario() -> None:
        async with JetstreamServer(frames[:3], drops=[3]) as server:
            sink = MemorySink()
            source = connector(server, backoff=None)
            source.backoff.initial_s = 0.5
            runner = make_runner([source], tmp_path, sink)
            stop = asyncio.Event()
            task = asyncio.create_task(runner.run(stop))
            while len(sink.mentions) < 3:
                await asyncio.sleep(0.02)
            entities_file = tmp_path / "entities.toml"
            entities_file.write_text('[watch.appli]\nterms = ["appli"]\n', encoding="utf-8")
            while runner.watch.reloads < 1:
                await asyncio.sleep(0.02)
            server.frames = frames[2:3]  # the same post again, under a new rkey
            server.frames = [frames[2].replace("3lbz2a7qm3e2c", "3lbz2a7zzzzzz")]
            while len(sink.mentions) < 4:
                await asyncio.sleep(0.02)
            stop.set()
            await task
            assert sink.mentions[3]["entity"] == "appli"
            assert runner.metrics.watch_reloads.labels("ok")._value.get() == 1
            assert source.stats.reconnects >= 1

    asyncio.run(scenario())


def oversized_frame(time_us: int, size: int) -> str:
    """A post about skyway (it would match) whose frame is `size` bytes long."""
    frame = orjson.loads(jetstream_frames()[0])
    frame.update(time_us=time_us, did="did:plc:bigbigbigbigbigbigbigbig")
    frame["commit"]["record"]["text"] = ""
    head = len(orjson.dumps(frame))
    frame["commit"]["record"]["text"] = "SkyWay " + "z" * (size - head - 7)
    text = orjson.dumps(frame).decode()
    assert len(text) == size
    return text


def with_oversized(size: int, after: int = 3) -> tuple[list[str], int]:
    """The fixture frames with an oversized one 1 us after the `after`-th frame; and its time_us."""
    frames = jetstream_frames()
    time_us = frame_time(frames[after])
    assert time_us is not None
    return [*frames[: after + 1], oversized_frame(time_us + 1, size), *frames[after + 1 :]], time_us + 1


def test_a_frame_over_4_mib_is_skipped_counted_and_logged_and_ingest_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: max_msg_size 4 MiB closed the connection at the frame, and every reconnect at the same
    cursor met it again ("websocket error: None"), for good."""
    frames, big_us = with_oversized(MAX_FRAME_BYTES + 1)

    async def scenario() -> None:
        async with JetstreamServer(frames) as server:
            sink = MemorySink()
            source = connector(server)
            runner = make_runner([source], tmp_path, sink)
            await run_until(runner, lambda: len(sink.mentions) >= len(EXPECTED), timeout_s=20)
            assert sink.pairs() == EXPECTED_PAIRS  # every other post, once, in order; not the big one
            assert source.stats.malformed == {"not_json": 1, "bad_event": 1, "too_large": 1}
            assert source.stats.connected
            assert len(server.connections) == 2  # stopped at the frame once, then read past it
            cursor, _seen = StateStore(tmp_path / "state").load("bluesky")
            assert cursor == LAST_TIME_US

    with caplog.at_level(logging.INFO, logger="firestorm"):
        asyncio.run(scenario())
    assert f"skipped a frame of {MAX_FRAME_BYTES + 1} bytes at cursor {big_us}" in caplog.text


def test_a_frame_too_large_even_to_read_past_is_skipped_by_time(tmp_path: Path) -> None:
    frames, big_us = with_oversized(200_000)

    async def scenario() -> None:
        async with JetstreamServer(frames) as server:
            sink = MemorySink()
            source = connector(server, max_frame_bytes=50_000, read_past_bytes=100_000)
            runner = make_runner([source], tmp_path, sink)
            await run_until(runner, lambda: len(sink.mentions) >= len(EXPECTED), timeout_s=20)
            assert sink.pairs() == EXPECTED_PAIRS
            assert source.stats.malformed["too_large"] == 1
            skipped_to = [c["cursor"] for c in server.connections][-1]
            assert skipped_to == big_us - 1 + 1_000  # 1 ms past the last event read: past the frame

    asyncio.run(scenario())


def test_a_repost_after_a_restart_counts_when_its_original_was_seen_before(tmp_path: Path) -> None:
    """Before: the originals were remembered in memory only, and a restarted ingest dropped every
    repost of a post it had matched before the restart."""
    frames = jetstream_frames()
    first = 4  # FIRST (frame 0) is read by the first run, its repost (frame 7) by the second
    assert orjson.loads(frames[7])["commit"]["record"]["subject"]["uri"] == FIRST

    async def scenario() -> None:
        async with JetstreamServer(frames[:first]) as server:
            sink = MemorySink()
            await run_until(make_runner([connector(server)], tmp_path, sink), lambda: len(sink.mentions) >= 3)
        async with JetstreamServer(frames) as server:
            sink = MemorySink()
            runner = make_runner([connector(server)], tmp_path, sink)
            await run_until(runner, lambda: len(sink.mentions) >= len(EXPECTED) - 3)
            reposts = [m for m in sink.mentions if m.get("repost_of") == FIRST]
            assert len(reposts) == 1 and reposts[0]["entity"] == "skyway"
            assert reposts[0]["text"].startswith("SkyWay cancelled")  # the original's text, from before the restart
            assert server.connections[0]["cursor"] is not None  # resumed, not replayed from the start

    asyncio.run(scenario())
