"""The scorer on a tiny hand-made alert list."""

from __future__ import annotations

import pytest

from bench.detection.scoring import AlertRecord, Label, nearest_rank, score

MIN = 60_000
HOUR = 60 * MIN
T = 1_767_571_200_000


def alert(entity: str, at_min: float, status: str, severity: str, incident: str) -> AlertRecord:
    return AlertRecord(entity, T + int(at_min * MIN), status, severity, incident)


LABELS = [
    Label("a", "sudden", T, T + 60 * MIN, "busy", 20.0),
    Label("a", "campaign", T + 10 * HOUR, T + 12 * HOUR, "busy", 6.0),
    Label("b", "sudden", T, T + 60 * MIN, "quiet", 30.0),
    Label("b", "positive_spike", T + 5 * HOUR, T + 6 * HOUR, "quiet", 15.0),
]
ALERTS = [
    # a's storm: info first (no page), escalated to warning 3 minutes after the onset, then critical.
    alert("a", 1, "triggered", "info", "a-1"),
    alert("a", 3, "escalated", "warning", "a-1"),
    alert("a", 9, "escalated", "critical", "a-1"),
    alert("a", 80, "resolved", "critical", "a-1"),
    # a page 31 minutes after the storm's end: outside its window, a false page
    alert("a", 91, "triggered", "warning", "a-2"),
    # a false incident that escalates: one false page, not two
    alert("a", 5 * 60, "triggered", "warning", "a-3"),
    alert("a", 5 * 60 + 2, "escalated", "critical", "a-3"),
    alert("a", 5 * 60 + 30, "resolved", "critical", "a-3"),
    # the declared campaign pages (target 0)
    alert("a", 10 * 60 + 20, "triggered", "critical", "a-4"),
    # b: its storm is missed; an info alert on its positive spike; an info incident on background
    alert("b", 5 * 60 + 10, "triggered", "info", "b-1"),
    alert("b", 20 * 60, "triggered", "info", "b-2"),
    alert("b", 20 * 60 + 5, "updated", "info", "b-2"),
    # exactly at end + 30 minutes still counts for the event
    alert("b", 6 * 60 + 30, "triggered", "warning", "b-3"),
]


def test_recall_delay_and_pages() -> None:
    result = score(LABELS, ALERTS, entity_runs=2, weeks=4.0, tiers={"a": "busy", "b": "quiet"})
    sudden = result.kinds["sudden"]
    assert (sudden.events, sudden.paged, sudden.recall) == (2, 1, 0.5)
    assert sudden.median_delay_min == 3.0 and sudden.p90_delay_min == 3.0
    assert sudden.critical == 1  # the highest page of a's storm was critical
    campaign = result.kinds["campaign"]
    assert (campaign.paged, campaign.critical, campaign.recall) == (1, 1, None)
    positive = result.kinds["positive_spike"]
    assert (positive.paged, positive.info_only) == (1, 0)  # b-3 at end + 30 min pages it


def test_false_pages_and_background_info() -> None:
    result = score(LABELS, ALERTS, entity_runs=2, weeks=4.0, tiers={"a": "busy", "b": "quiet"})
    assert [a.incident_id for a in result.false_incidents] == ["a-2", "a-3"]
    assert result.false_pages == 2
    assert result.false_pages_per_entity_4wk == pytest.approx(1.0)
    assert result.background_info == 1  # b-2 (b-1 falls inside the positive spike)
    assert result.false_by_tier == {"busy": 2}
    assert result.entity_runs_by_tier == {"busy": 1, "quiet": 1}
    # the same alerts over 8 weeks of the same 2 entities: half the rate
    assert score(LABELS, ALERTS, 2, 8.0).false_pages_per_entity_4wk == pytest.approx(0.5)


def test_info_only_event() -> None:
    labels = [Label("c", "positive_spike", T, T + HOUR)]
    result = score(labels, [alert("c", 4, "triggered", "info", "c-1")], 1, 4.0)
    assert (result.kinds["positive_spike"].paged, result.kinds["positive_spike"].info_only) == (0, 1)
    assert result.false_pages == 0 and result.background_info == 0


def test_delays_over_several_events() -> None:
    labels = [Label(f"e{i}", "sudden", T, T + HOUR) for i in range(10)]
    alerts = [alert(f"e{i}", i + 1, "triggered", "critical", f"e{i}-1") for i in range(9)]
    kind = score(labels, alerts, 10, 4.0).kinds["sudden"]
    assert kind.recall == 0.9
    assert kind.median_delay_min == 5.0  # delays 1..9
    assert kind.p90_delay_min == 9.0


def test_nearest_rank() -> None:
    assert nearest_rank(list(range(1, 11)), 0.9) == 9
    assert nearest_rank([4.0], 0.9) == 4.0
    assert nearest_rank([3.0, 1.0, 2.0], 0.5) == 2.0


def test_pages_per_episode_counts_distinct_incidents() -> None:
    labels = [
        Label("s", "storm", T, T + 6 * HOUR, "busy", 20.0),
        Label("s", "sudden", T + 10 * HOUR, T + 11 * HOUR, "busy", 20.0),
        Label("s", "neg_shift", T + 20 * HOUR, T + 22 * HOUR, "busy", 1.8),
    ]
    alerts = [
        # the storm: one incident, escalated and updated (one page), resolved, then its tail pages anew
        alert("s", 2, "triggered", "warning", "s-1"),
        alert("s", 5, "escalated", "critical", "s-1"),
        alert("s", 30, "updated", "critical", "s-1"),
        alert("s", 100, "resolved", "critical", "s-1"),
        alert("s", 116, "triggered", "warning", "s-2"),
        alert("s", 4 * 60, "triggered", "warning", "s-3"),  # the second wave: a third page
        # the sudden storm: info first, escalated to warning: one page
        alert("s", 10 * 60 + 1, "triggered", "info", "s-4"),
        alert("s", 10 * 60 + 3, "escalated", "warning", "s-4"),
    ]
    result = score(labels, alerts, 1, 4.0)
    storm = result.kinds["storm"]
    assert (storm.paged, storm.pages_per_episode, storm.max_pages) == (1, 3.0, 3)
    sudden = result.kinds["sudden"]
    assert (sudden.pages_per_episode, sudden.max_pages) == (1.0, 1)
    shift = result.kinds["neg_shift"]
    assert (shift.paged, shift.pages_per_episode, shift.max_pages) == (0, None, 0)
    assert [o.incidents for o in result.outcomes] == [3, 1, 0]
    assert result.false_pages == 0


def test_false_pages_by_entity_group() -> None:
    labels = [Label("r", "sudden", T, T + HOUR)]
    alerts = [
        alert("n1", 100, "triggered", "warning", "n1-1"),
        alert("n1", 300, "triggered", "warning", "n1-2"),
        alert("n2", 100, "triggered", "critical", "n2-1"),
        alert("b", 50, "triggered", "info", "b-1"),
        alert("r", 5, "triggered", "warning", "r-1"),
    ]
    groups = {"r": "regular", "n1": "high_negative", "n2": "high_negative", "b": "bursty"}
    result = score(labels, alerts, 4, 2.0, groups=groups)
    assert result.false_by_group == {"high_negative": 3}
    assert result.entity_runs_by_group == {"regular": 1, "high_negative": 2, "bursty": 1}
    assert result.false_pages_per_entity_4wk_in("high_negative") == pytest.approx(3.0)  # 3 pages / (2 x 2 wk / 4 wk)
    assert result.false_pages_per_entity_4wk_in("bursty") == 0.0
    assert result.false_pages_per_entity_4wk_in("nothing") is None
    assert result.info_by_group == {"bursty": 1}
