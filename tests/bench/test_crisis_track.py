"""The crisis-event track on small CrisisLexT6-format fixtures: snowflake times, the trailing rules,
the held-out events refused, and a neutral accident surge paged by the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.detection import crisis_data
from bench.detection.cli import main
from bench.detection.crisis_data import CrisisDataError, load_event, parse_event_names, snowflake_ms
from bench.detection.crisis_track import AlertRow, flap_cycles, minute_counts, replay_event, trailing_rule

OKLAHOMA = crisis_data.event_info("2013_Oklahoma_Tornado")
MINUTE = 60_000


def snowflake(ts_ms: int, seq: int) -> int:
    return ((ts_ms - crisis_data.SNOWFLAKE_EPOCH_MS) << 22) + seq


def write_event(root: Path, info: crisis_data.EventInfo, surge_text: str, quiet_hours: int = 20) -> None:
    """A quiet day (one tweet every 3 minutes), then 40 neutral tweets a minute for an hour from the onset."""
    folder = root / crisis_data.T6_DIR / info.folder
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["tweet id, tweet, label"]
    seq = 0
    start = info.onset_ms - quiet_hours * 3_600_000
    for minute in range(0, quiet_hours * 60, 3):
        seq += 1
        lines.append(f"'{snowflake(start + minute * MINUTE + 1000, seq)}',lunch in town today number {seq},off-topic")
    for minute in range(60):
        for k in range(40):
            seq += 1
            ts = info.onset_ms + minute * MINUTE + k * 1000
            lines.append(f"'{snowflake(ts, seq)}',\"{surge_text} report {seq}\",on-topic")
    (folder / f"{info.folder}-ontopic_offtopic.csv").write_text("\n".join(lines) + "\n")


def test_a_tweet_time_comes_from_its_snowflake_id() -> None:
    # The timestamp sits above the id's low 22 bits (worker and sequence), from Twitter's epoch.
    assert snowflake_ms(1 << 22) == 1_288_834_974_657 + 1
    assert snowflake_ms((1000 << 22) + (1 << 22) - 1) == 1_288_834_974_657 + 1000
    assert snowflake_ms(snowflake(1_400_000_000_000, 7)) == 1_400_000_000_000


def test_the_trailing_rule_needs_history_and_fires_on_the_first_minute_over_the_line() -> None:
    counts = [2] * (6 * 60) + [2] * 10 + [30] * 20
    first = trailing_rule(counts, 5.0)
    # 15-minute mean is 30; the sum reaches 150 once 5 minutes of 30 a minute and 10 of 2 ... : 5*30+10*2=170.
    assert first is not None and 6 * 60 + 10 <= first <= 6 * 60 + 14
    assert trailing_rule([2] * 100 + [50] * 20, 5.0) is None  # under 6 hours of history: never
    assert trailing_rule(counts, 5.0, start=len(counts)) is None


def test_held_out_events_are_refused_unless_named_and_then_warned(tmp_path: Path) -> None:
    assert [e.folder for e in parse_event_names(",".join(crisis_data.TUNING_NAMES))] == list(crisis_data.TUNING_NAMES)
    with pytest.raises(CrisisDataError, match="unknown CrisisLexT6 event"):
        parse_event_names("2013_Nowhere")
    held = crisis_data.HELD_OUT_EVENTS[0]
    assert crisis_data.untouched_warning([held]) is not None
    assert crisis_data.untouched_warning(list(crisis_data.TUNING_NAMES)) is None


def test_a_missing_directory_or_event_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--track", "crisis", "--crisislex-dir", str(tmp_path)]) == 2
    assert "has no data/CrisisLexT6/" in capsys.readouterr().err
    (tmp_path / crisis_data.T6_DIR).mkdir(parents=True)
    with pytest.raises(CrisisDataError, match="is missing"):
        load_event(tmp_path, OKLAHOMA)


def test_a_neutral_accident_surge_pages_no_later_than_the_naive_rule(tmp_path: Path) -> None:
    write_event(tmp_path, OKLAHOMA, "large explosion at the plant, evacuation under way")
    event = load_event(tmp_path, OKLAHOMA)
    first, counts = minute_counts(event)
    assert sum(counts) == len(event.tweets) and first % MINUTE == 0
    result = replay_event(event)
    assert result.rise_ms is not None and result.naive_ms is not None
    page = result.first_page
    assert page is not None and page.minute_ms <= result.naive_ms
    assert result.pages_before_onset == 0 and result.flaps <= 1
    assert result.max_severity == "critical"  # crisis words in most of the surge's mentions
    assert "explosion" in page.summary or "evacuation" in page.summary
    assert result.verdict() == "ok"


def test_a_positive_surge_does_not_page(tmp_path: Path) -> None:
    write_event(tmp_path, OKLAHOMA, "we love this amazing wonderful launch, great job, thank you")
    result = replay_event(load_event(tmp_path, OKLAHOMA))
    assert result.naive_ms is not None
    assert result.first_page is None


def test_flap_cycles_count_resolves_followed_by_an_alert_on_the_same_incident() -> None:
    rows = [AlertRow(i, status, "info", "a", "") for i, status in enumerate(["triggered", "resolved", "updated"])]
    rows += [AlertRow(9, "resolved", "info", "a", ""), AlertRow(10, "triggered", "info", "b", "")]
    assert flap_cycles(rows) == {"a": 1}


def test_the_cli_prints_the_crisis_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_event(tmp_path, OKLAHOMA, "huge fire and explosion downtown, people injured")
    assert main(["--track", "crisis", "--crisislex-dir", str(tmp_path), "--crisis-events", OKLAHOMA.folder]) == 0
    out = capsys.readouterr().out
    assert "# crisis-event track" in out and "oklahoma" in out and "naive" in out
    assert "oklahoma: ok" in out
