"""Comparing detector settings on the same incident."""

from __future__ import annotations

from typing import Any

import pytest

from firestorm.models.engine import EngineSettings
from firestorm.streams.drills.compare import CachingScorer, format_table, parse_variant, run_variants
from firestorm.streams.drills.report import Labels
from firestorm.streams.formats import InputError
from tests.streams.drills.conftest import ONSET, labels_obj, to_jsonl


def test_variants_parse_engine_settings_with_durations() -> None:
    assert parse_variant("min_volume=5") == {"min_volume": 5}
    assert parse_variant("window=5m, trigger_score=8,lateness_ms=1000") == {
        "window_ms": 300_000,
        "trigger_score": 8.0,
        "lateness_ms": 1000,
    }
    assert parse_variant("detector=seasonal") == {"detector": "seasonal"}
    for spec, message in (
        ("min_volume", "NAME=VALUE"),
        ("volume=3", "unknown setting 'volume'"),
        ("drill=true", "unknown setting"),
        ("min_volume=lots", "min_volume"),
        ("", "empty variant"),
    ):
        with pytest.raises(InputError, match=message):
            parse_variant(spec)


def test_caching_scorer_scores_each_text_once() -> None:
    scorer = CachingScorer()
    first = scorer.score("This is awful", "en")
    assert scorer.score("This is awful", "en") is first
    assert first.negative


def test_more_and_less_sensitive_settings_side_by_side(incident: list[dict[str, Any]]) -> None:
    records = list(enumerate(to_jsonl(incident).splitlines(), start=1))
    labels = Labels(path="t", entity="acme", onset_ms=ONSET, quiet_entities=("calm",))
    results = run_variants(
        records, EngineSettings(), ["min_volume=5", "min_volume=1000", "window=5m,min_volume=50"], labels
    )
    base, sensitive, deaf, coarse = results
    assert base.name == "current settings" and base.time_to_detect_ms is not None
    assert 0 < base.time_to_detect_ms <= 3 * 60_000
    assert sensitive.time_to_detect_ms == base.time_to_detect_ms
    # 30/min never reaches 1000, in a window or summed over a span
    assert deaf.first_alert_ms is None and deaf.pages == 0 and not deaf.alerts
    assert coarse.settings.window_ms == 300_000 and coarse.first_alert_ms is not None
    assert all(r.quiet_alerts == 0 for r in results)
    table = format_table(results, labels)
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["variant", "first", "alert"]
    assert "time to detect (onset 02:00Z)" in lines[0] and "quiet-entity alerts" in lines[0]
    assert lines[2].startswith("current settings") and lines[4].startswith("min_volume=1000")
    assert " none " in lines[4] + " "
    assert labels_obj()["entity"] == "acme"
