"""`firestorm score` and FIRESTORM_SENTIMENT: the scorer every command builds from the configuration."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from firestorm.models.sentiment import SentimentScorer, label_of
from firestorm.streams.cli import EXIT_BAD_LINES, EXIT_ERROR, EXIT_OK, main
from firestorm.streams.config import ConfigError, load_config
from firestorm.streams.drills.score import ScoreTally, score_records
from tests.models.builders import storm_stream, write_jsonl

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
MENTIONS = [
    {
        "id": "a1",
        "entity": "skyway",
        "ts": "2026-03-06T07:45:00Z",
        "text": "My bag never arrived, third email",
        "lang": "en",
    },
    {
        "id": "a2",
        "entity": "skyway",
        "ts": "2026-03-06T07:46:00Z",
        "text": "Great crew, lovely flight :)",
        "lang": "en",
    },
    {"id": "a3", "entity": "maison-lait", "ts": "2026-03-06T07:47:00Z", "text": "Rappel de lot, mon fils en a bu"},
    {
        "id": "a4",
        "entity": "skyway",
        "ts": "2026-03-06T07:48:00Z",
        "text": "Das Flugzeug ist heute pünktlich",
        "lang": "de",
    },
]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def lines(out: str) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in out.splitlines()]


@pytest.fixture
def mentions_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "mentions.jsonl", MENTIONS)


def test_score_prints_one_line_per_mention(mentions_file: Path) -> None:
    code, out, err = run("score", str(mentions_file), "--sentiment", "vader+crisis")
    assert code == EXIT_OK
    results = lines(out)
    assert [r["id"] for r in results] == ["a1", "a2", "a3", "a4"]
    assert [r["lang"] for r in results] == ["en", "en", "fr", "de"]  # a3's language is detected
    assert [r["label"] for r in results] == ["negative", "positive", "negative", None]
    assert results[3]["compound"] is None
    for r in results[:3]:
        assert isinstance(r["compound"], float) and r["label"] == label_of(r["compound"])
    assert "scored 3 mentions (vader+crisis); 1 unscored; 0 bad rows" in err


def test_the_mode_comes_from_firestorm_sentiment(mentions_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRESTORM_SENTIMENT", "vader")
    _code, out, err = run("score", str(mentions_file))
    assert "(vader);" in err
    assert [r["label"] for r in lines(out)] == ["neutral", "positive", "neutral", None]  # stock misses both
    _code, out, _err = run("score", str(mentions_file), "--sentiment", "vader+crisis")  # the option wins
    assert lines(out)[0]["label"] == "negative"


def test_a_bad_mode_is_a_configuration_error(mentions_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRESTORM_SENTIMENT", "bert")
    code, out, err = run("score", str(mentions_file))
    assert code == EXIT_ERROR and out == ""
    assert "FIRESTORM_SENTIMENT must be one of vader, vader+crisis, model, got 'bert'" in err


def test_explain_lists_the_words_that_moved_the_score(mentions_file: Path) -> None:
    _code, out, _err = run("score", str(mentions_file), "--explain", "--sentiment", "vader+crisis")
    results = lines(out)
    assert results[0]["explain"] == [{"word": "never arrived", "valence": -2.0, "lexicon": "crisis"}]
    assert {"word": "Great", "valence": 3.1, "lexicon": "vader"} in results[1]["explain"]  # type: ignore[operator]
    assert results[2]["explain"] == [{"word": "Rappel de lot", "valence": -2.0, "lexicon": "crisis"}]
    assert results[3]["explain"] == []


def test_bad_rows_are_reported_and_the_others_scored(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "mixed.jsonl", [MENTIONS[0], b'{"id": "broken"', {"id": "x"}, MENTIONS[1]])
    code, out, err = run("score", str(path))
    assert code == EXIT_BAD_LINES
    assert [r["id"] for r in lines(out)] == ["a1", "a2"]
    assert "2 bad rows" in err and "line 2: not_json" in err and "line 3:" in err


def test_csv_with_a_column_map(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "tweet_id,brand,created_at,body\n"
        "1,skyway,2026-03-06T07:45:00Z,Flight delayed AGAIN and still waiting\n"
        "2,skyway,2026-03-06T07:46:00Z,Thanks for the upgrade\n",
        encoding="utf-8",
    )
    code, out, _err = run("score", str(path), "--csv-map", "id=tweet_id,entity=brand,ts=created_at,text=body")
    assert code == EXIT_OK
    assert [(r["id"], r["label"]) for r in lines(out)] == [("1", "negative"), ("2", "positive")]


def test_score_records_counts_what_it_read() -> None:
    tally = ScoreTally()
    records = [(1, orjson.dumps(m)) for m in MENTIONS]
    results = list(score_records(records, SentimentScorer("vader"), tally=tally))
    assert len(results) == 4 and tally.rows == {"scored": 3, "unscored": 1}


def test_config_sentiment_default_and_check() -> None:
    assert load_config({}).sentiment == "vader+crisis"
    assert load_config({"FIRESTORM_SENTIMENT": "vader"}).scorer().mode == "vader"
    with pytest.raises(ConfigError, match="FIRESTORM_SENTIMENT"):
        load_config({"FIRESTORM_SENTIMENT": "VADER"})


def test_replay_scores_with_firestorm_sentiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The storm's texts hold overlay words (cancelled, stuck, stranded): the alerts' mean moves.
    path = write_jsonl(tmp_path / "storm.jsonl", storm_stream())
    means = {}
    for mode in ("vader", "vader+crisis"):
        monkeypatch.setenv("FIRESTORM_SENTIMENT", mode)
        out = tmp_path / f"{mode}.jsonl"
        code, _out, _err = run("replay", str(path), "-q", "--alerts-out", str(out))
        assert code == EXIT_OK
        alerts = [orjson.loads(line) for line in out.read_bytes().splitlines()]
        means[mode] = alerts[0]["mean_compound"]
    assert means["vader+crisis"] < means["vader"] < 0


def test_score_help_names_the_modes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run("score", "--help")
    assert info.value.code == 0
    help_text = capsys.readouterr().out
    assert "--explain" in help_text and "{vader,vader+crisis,model}" in help_text and "FIRESTORM_SENTIMENT" in help_text


def test_samples_have_a_stable_label_set() -> None:
    code, out, _err = run("score", str(EXAMPLES / "skyway-outage-en.jsonl"))
    assert code == EXIT_OK
    assert {r["label"] for r in lines(out)} == {"negative", "neutral", "positive"}


def test_the_worker_scores_with_firestorm_sentiment() -> None:
    from typing import Any, cast

    from firestorm.streams.worker.service import BatchHandler

    for mode in ("vader", "vader+crisis"):
        config = load_config({"FIRESTORM_SENTIMENT": mode})
        handler = BatchHandler(cast(Any, None), cast(Any, None), cast(Any, None), config)  # only the config is read
        assert handler.processor.scorer.mode == mode


def test_id_and_text_lines_are_enough(tmp_path: Path) -> None:
    """A file of labelled texts has no entity or time: the score does not need them."""
    rows = [
        {"id": "t1", "text": "Worst service ever, never again", "lang": "en"},
        {"id": "t2", "text": "Pas content du tout"},
    ]
    path = write_jsonl(tmp_path / "texts.jsonl", [*rows, {"id": "t3", "entity": "", "ts": "", "text": "ok"}])
    code, out, err = run("score", str(path), "--sentiment", "vader")
    assert code == EXIT_OK, err
    assert [r["id"] for r in lines(out)] == ["t1", "t2", "t3"]
    assert "0 bad rows" in err


def test_a_file_with_no_usable_row_is_one_error_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [{"id": "x"}, {"id": "y"}, {"text": "no id"}])
    code, out, err = run("score", str(path))
    assert code == EXIT_ERROR
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"firestorm: no usable row in {path}: all 3 rows")


def test_the_model_mode_labels_and_explains_with_words_of_the_text(tmp_path: Path) -> None:
    text = "bag whereabouts unknown"  # a factual complaint the lexicons read as neutral
    path = write_jsonl(tmp_path / "texts.jsonl", [{"id": "s1", "text": text, "lang": "en"}])
    code, out, err = run("score", str(path), "--sentiment", "model", "--explain")
    assert code == EXIT_OK, err
    (result,) = lines(out)
    assert result["label"] == "negative" and isinstance(result["complaint"], bool)
    words = result["explain"]
    assert words and all(w["word"] in text and w["weight"] > 0 for w in words)  # type: ignore[index,operator,union-attr]


def test_the_model_mode_explains_a_sarcastic_label_by_its_praise_and_failure(tmp_path: Path) -> None:
    text = "Bravo pour la nouvelle appli, elle plante"  # the weights read it positive (models/sarcasm.py)
    path = write_jsonl(tmp_path / "texts.jsonl", [{"id": "s1", "text": text, "lang": "fr"}])
    code, out, err = run("score", str(path), "--sentiment", "model", "--explain")
    assert code == EXIT_OK, err
    (result,) = lines(out)
    assert result["label"] == "negative"
    assert result["explain"] == [{"word": "Bravo", "rule": "sarcasm"}, {"word": "plante", "rule": "sarcasm"}]
