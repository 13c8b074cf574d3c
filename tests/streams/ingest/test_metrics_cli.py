"""The ingest metrics endpoint (/metrics, /readyz) and the `firestorm ingest` command line."""

from __future__ import annotations

import asyncio
import io
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from firestorm.streams.cli import build_parser, main
from firestorm.streams.ingest import SOURCES
from firestorm.streams.ingest.jetstream import JetstreamConnector
from tests.streams.ingest.harness import MemorySink, fast_backoff, make_runner, watch_file
from tests.streams.ingest.servers import JetstreamServer, jetstream_frames


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _sample(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_and_readiness_of_a_running_connector(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with JetstreamServer(jetstream_frames()) as server:
            sink = MemorySink()
            source = JetstreamConnector(server.url, batch_size=3, batch_wait_s=0.05, backoff=fast_backoff())
            runner = make_runner([source], tmp_path, sink)
            port = runner.metrics.serve("127.0.0.1", 0)
            assert port
            try:
                status, body = await asyncio.to_thread(_get, port, "/readyz")
                assert status == 503 and '"ready":false' in body  # not started yet
                stop = asyncio.Event()
                task = asyncio.create_task(runner.run(stop))
                while len(sink.mentions) < 7:
                    await asyncio.sleep(0.02)
                await asyncio.sleep(1.2)  # the health loop runs every second
                status, body = await asyncio.to_thread(_get, port, "/readyz")
                assert status == 200, body
                _, text = await asyncio.to_thread(_get, port, "/metrics")
                stop.set()
                await task
            finally:
                runner.metrics.close()
        assert _sample(text, 'firestorm_ingest_received_total{connector="bluesky"}') == 14
        assert _sample(text, 'firestorm_ingest_matched_total{connector="bluesky"}') == 6
        assert _sample(text, 'firestorm_ingest_produced_total{connector="bluesky"}') == 7
        assert _sample(text, 'firestorm_ingest_reconnects_total{connector="bluesky"}') == 0
        assert _sample(text, 'firestorm_ingest_malformed_frames_total{connector="bluesky",reason="not_json"}') == 1
        assert _sample(text, 'firestorm_ingest_last_event_timestamp_seconds{connector="bluesky"}') == 1764748801.2
        lag = _sample(text, 'firestorm_ingest_lag_seconds{connector="bluesky"}')
        assert lag is not None and lag > 1e6  # the fixture frames are from the past
        assert _sample(text, "firestorm_ingest_watched_entities") == 2

    asyncio.run(scenario())


def test_help_lists_the_sources(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ingest", "--help"])
    text = capsys.readouterr().out
    for source in SOURCES:
        assert f"\n  {source} " in text
    assert "--bluesky" in text and "--mastodon" in text and "--rss" in text and "--webhook" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ingest", "--watch", "acme=acme"], "no source: give --bluesky, --mastodon, --rss or --webhook"),
        (["ingest", "--bluesky"], "the watch list is empty"),
        (["ingest", "--webhook", "127.0.0.1:8787"], "--webhook needs a secret"),
        (["ingest", "--bluesky", "--watch", "acme"], "--watch wants ENTITY=TERM"),
    ],
)
def test_command_line_errors_are_clear(argv: list[str], message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FIRESTORM_ENTITIES_FILE", "FIRESTORM_INGEST_WEBHOOK_SECRET", "FIRESTORM_INGEST_WEBHOOK_HMAC_SECRET"):
        monkeypatch.delenv(name, raising=False)
    err = io.StringIO()
    assert main(argv, err=err) == 1
    assert message in err.getvalue()


def test_a_broken_watch_list_stops_the_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = watch_file(tmp_path, "[watch.acme]\nterms = 3\n")
    monkeypatch.setenv("FIRESTORM_ENTITIES_FILE", str(path))
    err = io.StringIO()
    assert main(["ingest", "--bluesky"], err=err) == 1
    assert "[watch.acme]: terms must be a list of strings" in err.getvalue()
