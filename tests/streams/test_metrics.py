from __future__ import annotations

import re

import orjson
import pytest
from prometheus_client import generate_latest

from models.engine import Engine, EngineSettings
from models.pipeline import MentionProcessor, Processed
from models.sentiment import SentimentScorer
from streams.metrics import OTHER, Metrics
from tests.models.builders import mention_bytes, storm_stream

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def samples(metrics: Metrics) -> dict[str, float]:
    """Every sample line of the exposition, keyed by 'name{labels}' as Prometheus prints it."""
    out: dict[str, float] = {}
    for line in generate_latest(metrics.registry).decode().splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            out[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return out


@pytest.fixture(scope="module")
def processor() -> MentionProcessor:
    return MentionProcessor(SentimentScorer())


def feed(metrics: Metrics, processor: MentionProcessor, raws: list[bytes]) -> list[Processed]:
    engine = Engine(EngineSettings())
    done = []
    for raw in raws:
        processed = processor.process(engine, raw)
        metrics.record(processed)
        done.append(processed)
    for closed in engine.finish():
        metrics.record_window(closed)
    return done


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
    # acme: minutes 0, 1, 2 (the last closed by finish); beta: minute 2
    assert got["firestorm_windows_closed_total"] == 4
    assert got['firestorm_entity_window_mentions{entity="acme"}'] == 0  # its last window was quiet
    assert got['firestorm_entity_window_mentions{entity="beta"}'] == 1
    assert got['firestorm_entity_mean_compound{entity="beta"}'] > 0.5
    assert got['firestorm_entity_negative_ratio{entity="beta"}'] == 0
    # baseline learned from windows of 2 then 0 mentions (a plain average while young)
    assert got['firestorm_entity_expected_mentions{entity="acme"}'] == 1.0
    assert got['firestorm_entity_incident_open{entity="acme"}'] == 0
    assert got["firestorm_entity_labels_folded_total"] == 0
    assert not any(key.startswith("firestorm_alerts_total{") for key in got)


def test_alert_counter_and_incident_gauge(processor: MentionProcessor) -> None:
    metrics = Metrics()
    raws = [orjson.dumps(o) for o in storm_stream(tail_minutes=5)]
    feed(metrics, processor, raws)
    got = samples(metrics)
    assert got['firestorm_alerts_total{severity="critical",status="triggered"}'] == 1
    assert got['firestorm_alerts_total{severity="critical",status="updated"}'] == 1
    assert got['firestorm_entity_incident_open{entity="acme"}'] == 1  # 5 quiet minutes: not resolved yet
    assert got['firestorm_entity_incident_open{entity="quietco"}'] == 0


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
    assert got["firestorm_entity_labels_folded_total"] == 2  # gamma and delta, one window each
    assert metrics.entity_label("alpha") == "alpha"  # already labelled entities keep their label
    assert metrics.entity_label("epsilon") == OTHER
