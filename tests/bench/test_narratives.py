"""The narratives benchmark: its storms are what it says, and its scoring can fail."""

from __future__ import annotations

import io
from collections import Counter
from contextlib import redirect_stdout

import orjson

from bench.narratives import BACKGROUND, Score, evaluate, main, make_storm
from firestorm.models.pipeline import MentionProcessor


def test_storms_are_deterministic_and_labelled() -> None:
    a, b = make_storm(1003), make_storm(1003)
    assert a.lines == b.lines and a.truth == b.truth
    assert 2 <= len(a.narratives) <= 4
    ids = [orjson.loads(line)["id"] for line in a.lines]
    assert set(ids) == set(a.truth) and len(ids) == len(set(ids))
    told = Counter(a.truth.values())
    assert told[BACKGROUND] > 0 and all(told[n.name] > 0 for n in a.narratives)


def test_storm_variety_across_seeds() -> None:
    storms = [make_storm(1000 + i) for i in range(20)]
    assert any(n.lang != "en" for s in storms for n in s.narratives)  # another language
    assert any(n.reposts for s in storms for n in s.narratives)  # carried by reposts
    assert any(n.start_minute > 0 for s in storms for n in s.narratives)  # starting later
    assert {len(s.narratives) for s in storms} >= {2, 3, 4}
    viral = next(s for s in storms if any(n.reposts for n in s.narratives))
    reposts = sum(1 for line in viral.lines if b'"repost_of"' in line)
    assert reposts > 20


def test_one_storm_scores_within_the_targets() -> None:
    score = evaluate(make_storm(1002), MentionProcessor())
    assert isinstance(score, Score) and score.detected
    assert score.purity >= 0.85 and score.top_correct and score.alert_top_correct
    assert 0 < score.sampled <= 200 and score.state_bytes < 200 * 400


def test_the_documented_command_prints_the_scores() -> None:
    """python -m bench.narratives --storms 2 (docs/narratives.md shows it with --storms 40)"""
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["--storms", "2"]) == 0
    text = out.getvalue()
    for line in (
        "cluster purity (mean over storms):",
        "story posts in the right narrative:",
        "top narrative correct (state):",
        "window sample cost per post:",
        "grouping per alert event:",
        "open incident's narrative state:",
    ):
        assert line in text


def test_the_scorer_is_chosen_with_sentiment() -> None:
    """The header names the scorer (with one storm, the model may detect none: exit 1)."""
    out = io.StringIO()
    with redirect_stdout(out):
        main(["--storms", "1", "--sentiment", "model"])
    assert "sentiment model," in out.getvalue().splitlines()[0]
