"""The commands of docs/sources.md, run as written (the public source URLs swapped for local servers
that speak the same protocols), with `firestorm ingest` as a real process on the real broker."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.integration.services import free_port, wait_for
from tests.integration.worker_process import Stack
from tests.streams.ingest.servers import (
    JetstreamServer,
    MastodonServer,
    MastodonState,
    jetstream_frames,
    status,
    update_event,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "sources.md"


def doc_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def block(containing: str) -> str:
    (found,) = [b for b in doc_blocks() if containing in b]
    return found


class LocalSources:
    """A Jetstream and a Mastodon instance on 127.0.0.1, in a thread of their own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.jetstream = JetstreamServer(jetstream_frames())
        toot = status(1, "<p>Lost my bag with <b>SkyWay</b> again</p>")
        self.mastodon = MastodonServer(MastodonState(stream_messages=[[update_event(toot)]]))
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> LocalSources:
        self.thread.start()
        for server in (self.jetstream, self.mastodon):
            asyncio.run_coroutine_threadsafe(server.__aenter__(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        for server in (self.jetstream, self.mastodon):
            asyncio.run_coroutine_threadsafe(server.__aexit__(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def sources() -> Iterator[LocalSources]:
    with LocalSources() as local:
        yield local


def shell_env(stack: Stack) -> dict[str, str]:
    env = stack.env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def start(command: str, stack: Stack, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["bash", "-c", command],
        cwd=stack.tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen[bytes]) -> str:
    """SIGTERM, then what it printed; a clean exit (0) is checked once the test body passed."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: bash and the firestorm it started
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate(timeout=10)
    return out.decode(errors="replace")


def mentions_on(stack: Stack, count: int, proc: subprocess.Popen[bytes]) -> list[dict[str, object]]:
    def enough() -> list[dict[str, object]] | None:
        if proc.poll() is not None:
            raise AssertionError(f"ingest exited: {proc.communicate()[0].decode(errors='replace')}")
        try:
            got = [orjson.loads(v) for _k, v, _h in stack.read_topic(stack.mentions, idle_s=0.5)]
        except ValueError:  # the topic is not there yet
            return None
        return got if len(got) >= count else None

    return wait_for(enough, 60, what=f"{count} mentions on {stack.mentions}")


def test_watch_a_brand_on_bluesky_and_mastodon_in_two_commands(stack: Stack, sources: LocalSources) -> None:
    env = shell_env(stack)
    first = block("cat >> entities.toml")
    subprocess.run(["bash", "-c", first], cwd=stack.tmp, env=env, check=True)
    second = block("FIRESTORM_ENTITIES_FILE=entities.toml firestorm ingest").strip()
    assert second == "FIRESTORM_ENTITIES_FILE=entities.toml firestorm ingest --bluesky --mastodon mastodon.social"
    port = free_port()
    command = (
        second.replace("--bluesky", f"--bluesky {sources.jetstream.url}").replace(
            "--mastodon mastodon.social", f"--mastodon {sources.mastodon.base}"
        )
        + f" --metrics-port {port} --state-dir state"
    )
    proc = start(command, stack, env)
    try:
        mentions = mentions_on(stack, 7, proc)  # 6 skyway mentions in the Jetstream frames, 1 toot
        ready = wait_for(lambda: _readyz(port) == 200 or None, 30, what="/readyz")
        assert ready
    finally:
        out = stop(proc)
    assert proc.returncode == 0, out
    assert {m["entity"] for m in mentions} == {"skyway"}
    assert sorted(str(m["source"]) for m in mentions) == ["bluesky"] * 6 + ["mastodon"]
    assert f"ingest: bluesky, mastodon:127.0.0.1:{sources.mastodon.port} -> {stack.mentions}" in out
    assert "watching 1 entities (3 terms)" in out
    assert (stack.tmp / "state" / "bluesky.json").is_file()


def _readyz(port: int) -> int | None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


def test_the_webhook_commands(stack: Stack) -> None:
    env = {**shell_env(stack), "FIRESTORM_INGEST_WEBHOOK_HMAC_SECRET": "hmac-key"}
    port = free_port()
    serve = block("firestorm ingest --webhook").strip()
    assert serve == "FIRESTORM_INGEST_WEBHOOK_SECRET=change-me firestorm ingest --webhook 0.0.0.0:8787"
    proc = start(serve.replace("0.0.0.0:8787", f"127.0.0.1:{port}") + " --metrics-port -1", stack, env)
    try:
        wait_for(lambda: _listening(port) or None, 30, what="the webhook to listen")
        answers = []
        for text in (block("Authorization: Bearer change-me"), block("X-Firestorm-Signature")):
            run = subprocess.run(
                ["bash", "-c", text.replace("8787", str(port))], env=env, capture_output=True, text=True, timeout=30
            )
            answers.append(run.stdout.strip())
        mentions = mentions_on(stack, 2, proc)
    finally:
        out = stop(proc)
    assert proc.returncode == 0, out
    assert answers == ['{"accepted": 1}', '{"accepted": 1}']
    assert [(m["id"], m["entity"], m["source"]) for m in mentions] == [
        ("t-1", "skyway", "webhook"),
        ("t-2", "skyway", "webhook"),
    ]


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_ingest_stops_cleanly_on_sigterm_and_resumes_from_its_cursor(stack: Stack, sources: LocalSources) -> None:
    env = shell_env(stack)
    command = (
        f"firestorm ingest --bluesky {sources.jetstream.url} --watch skyway=skyway,#skywayfail "
        f"--metrics-port -1 --state-dir state"
    )
    proc = start(command, stack, env)
    try:
        mentions_on(stack, 6, proc)
        time.sleep(0.5)
    finally:
        out = stop(proc)
    assert proc.returncode == 0, out
    proc = start(command, stack, env)  # the same frames again: the cursor and the kept ids drop them
    try:
        time.sleep(3)
        assert proc.poll() is None
    finally:
        out = stop(proc)
    assert proc.returncode == 0, out
    assert len(stack.read_topic(stack.mentions, idle_s=0.5)) == 6
    assert [c["cursor"] for c in sources.jetstream.connections] == [None, 1764748801200000]


def test_a_killed_ingest_loses_nothing_and_repeats_at_most_the_unsaved_batch(stack: Stack) -> None:
    """kill -9 mid-stream: the restart resumes from the last saved cursor. A batch the broker acked
    just before the kill, but whose cursor was not yet written, may be produced again (the worker
    drops such repeats by id); nothing may be missing."""
    frames = [
        orjson.dumps(
            {
                "did": f"did:plc:k{n:05d}",
                "time_us": 1_764_748_800_000_000 + n * 1000,
                "kind": "commit",
                "commit": {
                    "operation": "create",
                    "collection": "app.bsky.feed.post",
                    "rkey": f"3lk{n:08d}",
                    "record": {"text": f"SkyWay update number {n}", "langs": ["en"]},
                },
            }
        ).decode()
        for n in range(600)
    ]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = JetstreamServer(frames, frame_delay_s=0.005)
    asyncio.run_coroutine_threadsafe(server.__aenter__(), loop).result(10)
    env = shell_env(stack)
    command = f"firestorm ingest --bluesky {server.url} --watch skyway=skyway --metrics-port -1 --state-dir state"
    try:
        proc = start(command, stack, env)
        wait_for(lambda: (stack.tmp / "state" / "bluesky.json").is_file() or None, 60, what="a first saved cursor")
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        before = len(stack.read_topic(stack.mentions, idle_s=0.5))
        assert 0 < before < len(frames), "the kill should land mid-stream"
        proc = start(command, stack, env)
        try:
            mentions = mentions_on(stack, len(frames), proc)
            time.sleep(1.0)
            mentions = [orjson.loads(v) for _k, v, _h in stack.read_topic(stack.mentions, idle_s=0.5)]
        finally:
            out = stop(proc)
        assert proc.returncode == 0, out
    finally:
        asyncio.run_coroutine_threadsafe(server.__aexit__(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
    ids = [str(m["id"]) for m in mentions]
    assert set(ids) == {f"at://did:plc:k{n:05d}/app.bsky.feed.post/3lk{n:08d}" for n in range(600)}  # none lost
    repeated = len(ids) - len(set(ids))
    print(f"kill -9 mid-stream: {before} mentions before, {repeated} produced twice")
    assert repeated <= 60, f"{repeated} mentions produced twice: more than one unsaved batch (0.25 s of frames)"
    assert server.connections[1]["cursor"] is not None
