"""firestorm.streams.metrics: every family, the label caps, the HTTP endpoint, and a promtool-clean exposition."""

from __future__ import annotations

import asyncio
import io
import platform
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from prometheus_client import generate_latest

from firestorm.models.detectors.poisson import PoissonSpikeDetector, PoissonSpikeSettings
from firestorm.models.engine import Engine, EngineSettings
from firestorm.models.pipeline import MentionProcessor, Processed
from firestorm.models.sentiment import SentimentScorer
from firestorm.models.windows import WindowStats
from firestorm.streams.drills.replay import Pacer, replay
from firestorm.streams.drills.report.model import alert_threshold as report_alert_threshold
from firestorm.streams.endpoint import Health
from firestorm.streams.metrics import OTHER, TOP_DRIVERS, Metrics, alert_threshold
from firestorm.streams.metrics_collectors import sample_consumer_lag
from tests.deploy.tools import assert_ok, run
from tests.models.builders import T0, mention_bytes, storm_stream

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")
REPO = Path(__file__).resolve().parents[2]


def samples(metrics: Metrics) -> dict[str, float]:
    """Every sample line of the exposition, keyed by 'name{labels}' as Prometheus prints it."""
    out: dict[str, float] = {}
    for line in generate_latest(metrics.registry).decode().splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            out[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return out


def family(got: dict[str, float], name: str) -> dict[str, float]:
    return {k: v for k, v in got.items() if k == name or k.startswith(name + "{")}


@pytest.fixture(scope="module")
def processor() -> MentionProcessor:
    return MentionProcessor(SentimentScorer())


def feed(metrics: Metrics, processor: MentionProcessor, raws: list[bytes], finish: bool = True) -> list[Processed]:
    """As the worker feeds them: windows as they close, then the entities gone dormant."""
    engine = Engine(EngineSettings())
    engine.report_dormant = True
    done = []
    for raw in raws:
        processed = processor.process(engine, raw)
        metrics.record_message(processed)
        for closed in processed.closed:
            metrics.record_window(closed)
        metrics.record_dormant(engine.take_dormant())
        done.append(processed)
    if finish:
        for closed in engine.finish():
            metrics.record_window(closed)
        metrics.record_dormant(engine.take_dormant())
    return done


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_messages_and_windows(processor: MentionProcessor) -> None:
    metrics = Metrics()
    feed(
        metrics,
        processor,
        [
            mention_bytes(id="1", ts="2026-03-02T00:00:10Z", text="This is awful, a disgrace"),
            mention_bytes(id="1", ts="2026-03-02T00:00:10Z"),  # duplicate
            mention_bytes(id="2", ts="2026-03-02T00:00:20Z", lang="de", text="Das ist gut"),
            b"{broken",
            mention_bytes(id="3", ts="2026-03-02T00:02:10Z", entity="beta", text="Lovely, great crew"),
            mention_bytes(id="4", ts="2026-03-02T00:00:05Z"),  # late: minute 0 closed by 00:02:10
        ],
    )
    got = samples(metrics)
    assert got["firestorm_mentions_consumed_total"] == 6
    assert got['firestorm_mentions_total{outcome="accepted"}'] == 3
    assert got['firestorm_mentions_total{outcome="duplicate"}'] == 1
    assert got['firestorm_mentions_total{outcome="late"}'] == 1
    assert got['firestorm_mentions_total{outcome="dead_letter"}'] == 1
    assert got['firestorm_dead_letters_total{reason="not_json"}'] == 1
    assert got['firestorm_sentiment_mentions_total{language="en",scored="true"}'] == 4
    assert got['firestorm_sentiment_mentions_total{language="de",scored="false"}'] == 1
    # only scored mentions are in the compound histogram: the 4 English ones
    assert got['firestorm_sentiment_compound_count{language="en"}'] == 4
    assert 'firestorm_sentiment_compound_count{language="de"}' not in got
    assert got['firestorm_sentiment_compound_bucket{language="en",le="-0.05"}'] >= 1  # "awful, a disgrace"
    # accepted mentions per entity (duplicates and late ones are not counted)
    assert got['firestorm_entity_mentions_total{entity="acme"}'] == 2
    assert got['firestorm_entity_mentions_total{entity="beta"}'] == 1
    # Materialised windows only: acme's minute 0 (then it is dormant: nothing can fire, its quiet
    # minutes 1 and 2 are learned at once, not closed one by one); beta's minute 2, closed by finish.
    assert got["firestorm_windows_closed_total"] == 2
    assert got['firestorm_entity_window_mentions{entity="acme"}'] == 0  # dormant: read as a quiet window
    assert got['firestorm_entity_window_mentions{entity="beta"}'] == 1
    assert got['firestorm_entity_window_reach{entity="beta"}'] == 120
    assert got['firestorm_entity_window_unique_authors{entity="beta"}'] == 1
    assert got['firestorm_entity_mean_compound{entity="beta"}'] > 0.5
    assert got['firestorm_entity_negative_ratio{entity="beta"}'] == 0
    # acme is dormant: its baseline gauge holds the value of its last materialised window (minute 0's)
    assert got['firestorm_entity_expected_mentions{entity="acme"}'] == 0.5
    # the alert line: never below min_volume (10), and a Poisson tail of 1e-6 at the expected count
    assert got['firestorm_entity_alert_threshold_mentions{entity="acme"}'] == alert_threshold(1.0, 10, 3.0, 6.0)
    assert got['firestorm_entity_incident_open{entity="acme"}'] == 0
    assert family(got, "firestorm_entity_incident_severity") == {
        f'firestorm_entity_incident_severity{{entity="{e}",severity="{s}"}}': 0
        for e in ("acme", "beta")
        for s in ("info", "warning", "critical")
    }
    assert got["firestorm_entity_labels_folded_total"] == 0
    alerts = family(got, "firestorm_alerts_total")
    assert len(alerts) == 12 and set(alerts.values()) == {0}  # every status x severity, at 0 until used
    assert got['firestorm_dead_letters_total{reason="bad_timestamp"}'] == 0  # known reasons start at 0
    assert got['firestorm_entity_alerts_total{entity="acme",status="triggered"}'] == 0
    assert not family(got, "firestorm_entity_driver_mentions")
    assert not any(k.endswith("_created") or "_created{" in k for k in got)  # no _created series
    (build,) = family(got, "firestorm_build_info")
    assert 'role="worker"' in build and 'version="' in build
    assert f'python_version="{platform.python_version()}"' in build


def test_incident_state_severity_and_drivers_follow_the_lifecycle(processor: MentionProcessor) -> None:
    metrics = Metrics(driver_terms=True)
    raws = [orjson.dumps(o) for o in storm_stream(tail_minutes=5)]
    feed(metrics, processor, raws)
    got = samples(metrics)
    assert got['firestorm_alerts_total{severity="critical",status="triggered"}'] == 1
    assert got['firestorm_alerts_total{severity="critical",status="updated"}'] == 1
    assert got['firestorm_entity_alerts_total{entity="acme",status="triggered"}'] == 1
    assert got['firestorm_entity_incident_open{entity="acme"}'] == 1  # 5 quiet minutes: not resolved yet
    assert got['firestorm_entity_incident_severity{entity="acme",severity="critical"}'] == 1
    assert got['firestorm_entity_incident_severity{entity="acme",severity="warning"}'] == 0
    assert got['firestorm_entity_incident_open{entity="quietco"}'] == 0
    drivers = family(got, "firestorm_entity_driver_mentions")
    assert drivers, "an open incident exports the top terms of its last alert window"
    assert all('entity="acme"' in key for key in drivers)
    kinds = {re.search(r'kind="(\w+)"', key).group(1) for key in drivers}  # type: ignore[union-attr]
    assert kinds <= {"term", "hashtag"} and "term" in kinds
    assert len([k for k in drivers if 'kind="term"' in k]) <= TOP_DRIVERS
    assert all(value >= 1 for value in drivers.values())

    # the same storm with a long quiet tail: resolved, and the drivers are gone
    metrics = Metrics(driver_terms=True)
    feed(metrics, processor, [orjson.dumps(o) for o in storm_stream(tail_minutes=30)])
    got = samples(metrics)
    assert got['firestorm_entity_alerts_total{entity="acme",status="resolved"}'] == 1
    assert got['firestorm_entity_incident_open{entity="acme"}'] == 0
    assert got['firestorm_entity_incident_severity{entity="acme",severity="critical"}'] == 0
    assert not family(got, "firestorm_entity_driver_mentions")


def test_drivers_stay_out_of_labels_unless_asked_for(processor: MentionProcessor) -> None:
    # Terms are free text from posts (they may name people): off by default.
    metrics = Metrics()
    feed(metrics, processor, [orjson.dumps(o) for o in storm_stream(tail_minutes=5)])
    got = samples(metrics)
    assert got['firestorm_entity_incident_open{entity="acme"}'] == 1
    assert not family(got, "firestorm_entity_driver_mentions")


def test_entity_label_cap_folds_into_other(processor: MentionProcessor) -> None:
    metrics = Metrics(entity_label_cap=2)
    feed(
        metrics,
        processor,
        [
            mention_bytes(id=f"{name}-1", entity=name, ts="2026-03-02T00:00:10Z")
            for name in ("alpha", "beta", "gamma", "delta")
        ],
    )
    got = samples(metrics)
    prefix = 'firestorm_entity_window_mentions{entity="'
    entities = {key[len(prefix) : -2] for key in got if key.startswith(prefix)}
    assert entities == {"alpha", "beta", OTHER}
    # every per-entity family stays within the cap + "other"
    for name in got:
        if 'entity="' in name:
            assert re.search(r'entity="(alpha|beta|other)"', name), name
    assert got["firestorm_entity_labels_folded_total"] == 2  # gamma and delta, one window each
    assert got['firestorm_entity_mentions_total{entity="other"}'] == 2  # mentions are summed in "other"
    assert got['firestorm_entity_mentions_total{entity="alpha"}'] == 1
    assert metrics.entity_label("alpha") == "alpha"  # already labelled entities keep their label
    assert metrics.entity_label("epsilon") == OTHER


@pytest.mark.parametrize("batch_size", [1, 7, 500])
def test_record_batch_matches_record(processor: MentionProcessor, batch_size: int) -> None:
    """The worker records per batch: the same exposition as per message, label caps included."""
    raws = [orjson.dumps(o) for o in storm_stream(tail_minutes=5)]
    raws[3:3] = [b"{broken", mention_bytes(id="x1", lang="de", text="Das ist gut")]
    raws += [mention_bytes(id=f"{name}-1", entity=name, lang=lang) for name, lang in (("e1", "it"), ("e2", "es"))]
    one, batched = Metrics(entity_label_cap=3, language_label_cap=3), Metrics(entity_label_cap=3, language_label_cap=3)
    feed(one, processor, raws, finish=False)
    engine = Engine(EngineSettings())
    processed = [processor.process(engine, raw) for raw in raws]
    for start in range(0, len(processed), batch_size):
        batched.record_batch(processed[start : start + batch_size])
    batched.record_batch([])
    assert samples(batched) == samples(one)


def test_other_bucket_never_gets_drivers(processor: MentionProcessor) -> None:
    metrics = Metrics(entity_label_cap=1)  # quietco takes the only label; acme's storm is "other"
    objs = storm_stream(entities=("quietco", "acme"), tail_minutes=5)
    first = next(i for i, o in enumerate(objs) if o["entity"] == "quietco")
    objs.insert(0, objs.pop(first))
    feed(metrics, processor, [orjson.dumps(o) for o in objs])
    got = samples(metrics)
    assert got['firestorm_entity_alerts_total{entity="other",status="triggered"}'] == 1
    assert got['firestorm_entity_incident_open{entity="other"}'] in (0, 1)  # last writer of the bucket
    assert not family(got, "firestorm_entity_driver_mentions")


def test_language_labels_are_capped_and_validated() -> None:
    metrics = Metrics(language_label_cap=2)
    assert metrics.language_label("en") == "en"
    assert metrics.language_label("fr") == "fr"
    assert metrics.language_label("de") == OTHER  # over the cap
    assert metrics.language_label("en") == "en"
    assert Metrics().language_label("x" * 40) == OTHER  # not a language code: never a label
    assert Metrics().language_label("und") == "und"


@pytest.mark.parametrize("expected", [0.5, 1.0, 2.3, 4.0, 7.5, 20.0, 120.0])
def test_alert_line_is_where_the_poisson_detector_starts_alerting(expected: float) -> None:
    settings = PoissonSpikeSettings(warmup_windows=0, min_expected=0.0)
    line = alert_threshold(expected, settings.min_volume, settings.min_ratio, settings.trigger_score)
    assert line == report_alert_threshold(expected, EngineSettings())  # the drill report draws the same line
    detector = PoissonSpikeDetector(settings)

    def anomalous(count: int) -> bool:
        state = {"mean": expected, "n": 100}
        window = WindowStats(entity="acme", start_ms=T0, end_ms=T0 + 60_000, count=count)
        return detector.assess(state, window).anomalous

    assert anomalous(line)
    assert not anomalous(line - 1)


def test_alert_line_uses_the_entity_sensitivity() -> None:
    settings = EngineSettings(entity_overrides={"skyway": {"min_volume": 40}})
    metrics = Metrics(settings=settings)
    assert metrics._alert_line("skyway", 1.0) == 40
    assert metrics._alert_line("northbank", 1.0) == alert_threshold(1.0, 10, 3.0, 6.0)


def test_watermark_delay_is_computed_at_scrape() -> None:
    metrics = Metrics()
    metrics.set_watermark("partition-0", int((time.time() - 90) * 1000))
    metrics.set_watermark("partition-1", None)  # no event yet: no series
    got = samples(metrics)
    assert 89 <= got['firestorm_watermark_delay_seconds{domain="partition-0"}'] <= 120
    assert 'firestorm_watermark_delay_seconds{domain="partition-1"}' not in got
    metrics.forget_domains()
    got = samples(metrics)
    assert not family(got, "firestorm_watermark_delay_seconds")
    assert not family(got, "firestorm_watermark_timestamp_seconds")


@dataclass(frozen=True, order=True)
class TP:
    topic: str
    partition: int


class FakeConsumer:
    """The slice of Faust's consumer the lag sampler uses."""

    def __init__(self, highwaters: dict[TP, int | None], positions: dict[TP, int | None]) -> None:
        self.highwaters = highwaters
        self.positions = positions

    def assignment(self) -> set[TP]:
        return set(self.highwaters)

    def highwater(self, tp: TP) -> int | None:
        return self.highwaters[tp]

    async def position(self, tp: TP) -> int | None:
        return self.positions[tp]


def test_consumer_lag_per_partition() -> None:
    metrics = Metrics()
    consumer = FakeConsumer(
        {TP("mentions", 0): 120, TP("mentions", 1): 50, TP("mentions", 2): None, TP("other-topic", 0): 9},
        {TP("mentions", 0): 100, TP("mentions", 1): 50, TP("mentions", 2): 0, TP("other-topic", 0): 0},
    )
    asyncio.run(sample_consumer_lag(consumer, "mentions", metrics))
    assert family(samples(metrics), "firestorm_consumer_lag") == {
        'firestorm_consumer_lag{partition="0",topic="mentions"}': 20,
        'firestorm_consumer_lag{partition="1",topic="mentions"}': 0,
    }
    # partition 0 moved to another worker: its series goes away
    consumer = FakeConsumer({TP("mentions", 1): 70}, {TP("mentions", 1): 60})
    asyncio.run(sample_consumer_lag(consumer, "mentions", metrics))
    assert family(samples(metrics), "firestorm_consumer_lag") == {
        'firestorm_consumer_lag{partition="1",topic="mentions"}': 10
    }


def test_event_to_alert_latency_from_the_replay() -> None:
    metrics = Metrics(role="replay")
    objs = storm_stream(tail_minutes=30)
    result = replay(enumerate((orjson.dumps(o) for o in objs), 1), EngineSettings(), metrics=metrics)
    got = samples(metrics)
    assert got["firestorm_event_to_alert_latency_seconds_count"] == len(result.alerts) == 3
    assert 0 <= got["firestorm_event_to_alert_latency_seconds_sum"] < 1
    assert got['firestorm_watermark_timestamp_seconds{domain="replay"}'] * 1000 == pytest.approx(
        max(o["ts"] if isinstance(o["ts"], int) else 0 for o in objs), abs=120_000
    )


def test_health_liveness_follows_the_heartbeat() -> None:
    now = [100.0]
    health = Health(stale_after_s=60, clock=lambda: now[0])
    assert health.live() and not health.report()["ready"]  # nothing beats yet: alive, not ready
    health.ready = True
    health.beat()
    now[0] += 59
    assert health.report() == {
        "live": True,
        "ready": True,
        "uptime_seconds": 59.0,
        "last_heartbeat_seconds_ago": 59.0,
    }
    now[0] += 2
    assert not health.live() and not health.report()["ready"]  # a stuck loop is neither


def test_http_endpoint_serves_metrics_health_and_readiness() -> None:
    metrics = Metrics(role="worker")
    port = free_port()
    metrics.serve("127.0.0.1", port)
    try:
        assert metrics.server_port == port
        status, body = http_get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and b"firestorm_mentions_consumed_total 0.0" in body
        status, body = http_get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and orjson.loads(body)["status"] == "ok"
        status, body = http_get(f"http://127.0.0.1:{port}/readyz")
        assert status == 503 and orjson.loads(body)["ready"] is False  # not in its consumer group yet
        metrics.health.ready = True
        assert http_get(f"http://127.0.0.1:{port}/readyz")[0] == 200
        metrics.health.last_beat = time.monotonic() - 3600  # the event loop stopped beating an hour ago
        assert http_get(f"http://127.0.0.1:{port}/healthz")[0] == 503
        assert http_get(f"http://127.0.0.1:{port}/nope")[0] == 404
    finally:
        metrics.close()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2)
    assert Metrics().serve("127.0.0.1", 0) is None  # port 0: not served


def full_exposition(processor: MentionProcessor) -> Metrics:
    """A Metrics with every family populated: a storm (open incident), a bad line, lag, watermarks."""
    metrics = Metrics(driver_terms=True)
    objs = storm_stream(tail_minutes=5)
    raws = [orjson.dumps(o) for o in objs]
    raws.insert(10, b"{broken")
    raws.insert(20, mention_bytes(id="fr-1", lang="fr", text="Quelle honte, service nul"))
    feed(metrics, processor, raws)
    metrics.set_watermark("partition-0", int(time.time() * 1000) - 5000)
    metrics.set_consumer_lag([("mentions", 0, 12)])
    metrics.batch_seconds.observe(0.02)
    metrics.observe_alert_latency(time.monotonic() - 0.5)
    return metrics


def test_a_scrape_passes_promtool_check_metrics(processor: MentionProcessor) -> None:
    metrics = full_exposition(processor)
    port = free_port()
    metrics.serve("127.0.0.1", port)
    try:
        status, body = http_get(f"http://127.0.0.1:{port}/metrics")
    finally:
        metrics.close()
    assert status == 200
    text = body.decode()
    for name in (
        "firestorm_consumer_lag",
        "firestorm_watermark_delay_seconds",
        "firestorm_event_to_alert_latency_seconds_bucket",
        "firestorm_entity_driver_mentions",
        "firestorm_entity_incident_severity",
        "firestorm_entity_alert_threshold_mentions",
        "firestorm_build_info",
    ):
        assert f"\n{name}{{" in text or f"\n{name} " in text, name
    result = run("promtool", "check", "metrics", stdin=body)
    output = assert_ok(result)
    assert output.strip() == "", f"promtool check metrics has remarks:\n{output}"


def test_pacer_replays_event_time_at_the_given_speed() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(60.0, start_ms=T0 + 60_000, sleep=sleep, clock=lambda: now[0])
    pacer.wait(T0)  # before start_ms: fast-forwarded
    pacer.wait(T0 + 30_000)
    pacer.wait(T0 + 60_000)  # the origin
    pacer.wait(T0 + 120_000)  # one minute of event time = one second at 60x
    pacer.wait(T0 + 90_000)  # out of order: no wait
    pacer.wait(T0 + 180_000)
    assert slept == [1.0, 1.0]
    with pytest.raises(ValueError):
        Pacer(0)


def test_cli_replay_serves_metrics_and_holds_them(tmp_path: Path) -> None:
    from firestorm.streams.cli import main

    objs = storm_stream(tail_minutes=3, baseline_minutes=70)
    path = tmp_path / "storm.jsonl"
    path.write_bytes(b"".join(orjson.dumps(o) + b"\n" for o in objs))
    port = free_port()
    out, err = io.StringIO(), io.StringIO()
    codes: list[int] = []
    thread = threading.Thread(
        target=lambda: codes.append(
            main(["replay", str(path), "-q", "--metrics-port", str(port), "--hold", "3"], out=out, err=err)
        )
    )
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while "serving http://" not in err.getvalue():
            assert time.monotonic() < deadline and thread.is_alive(), err.getvalue()
            time.sleep(0.05)
        status, body = http_get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        text = body.decode()
        assert f"firestorm_mentions_consumed_total {float(len(objs))}" in text
        assert 'firestorm_entity_incident_severity{entity="acme",severity="critical"} 1.0' in text
        assert "firestorm_build_info{python_version=" in text and 'role="replay"' in text
        assert http_get(f"http://127.0.0.1:{port}/readyz")[0] == 200
    finally:
        thread.join(timeout=40)  # --hold 3: returns by itself
    assert codes == [0]
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2)


def test_cli_replay_speed_paces_event_time(tmp_path: Path) -> None:
    from firestorm.streams.cli import main

    path = tmp_path / "two.jsonl"
    path.write_bytes(
        mention_bytes(id="1", ts="2026-03-02T00:00:00Z") + b"\n" + mention_bytes(id="2", ts="2026-03-02T00:01:00Z")
    )
    started = time.monotonic()
    assert main(["replay", str(path), "-q", "--speed", "60"], out=io.StringIO(), err=io.StringIO()) == 0
    assert 0.9 <= time.monotonic() - started < 10  # one minute of event time at 60x: about a second
