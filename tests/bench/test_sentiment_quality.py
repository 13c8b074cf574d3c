"""bench/sentiment_quality.py: the Sanders reader, the fixed split, the scores and the tables.

The Sanders corpus itself is third-party data and is not shipped: these tests use a small file
in its format (same header, same date format, an `irrelevant` row) written here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.sentiment_quality import confusion, half_of, main, read_sanders

ROWS = [
    ("apple", "negative", "126415614616154112", "Tue Oct 18 21:53:25 +0000 2011", "@apple my order never arrived"),
    ("apple", "negative", "126415614616154113", "Tue Oct 18 21:54:25 +0000 2011", "@apple this is terrible"),
    ("google", "positive", "126415614616154114", "Tue Oct 18 21:55:25 +0000 2011", "#google love the new phone"),
    ("google", "neutral", "126415614616154115", "Tue Oct 18 21:56:25 +0000 2011", "#google event at 10am"),
    ("twitter", "irrelevant", "126415614616154116", "Tue Oct 18 21:57:25 +0000 2011", "#twitter hola"),
    ("twitter", "neutral", "126415614616154117", "Tue Oct 18 21:58:25 +0000 2011", "#twitter is down again\nsigh"),
]


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "full-corpus.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(["Topic", "Sentiment", "TweetId", "TweetDate", "TweetText"])
        writer.writerows(ROWS)
    return path


def test_reader_leaves_out_irrelevant_and_keeps_multiline_texts(corpus_file: Path) -> None:
    rows = read_sanders(corpus_file)
    assert [r["id"][-3:] for r in rows] == ["112", "113", "114", "115", "117"]
    assert rows[0]["ts"] == "2011-10-18T21:53:25+00:00"
    assert rows[-1]["text"] == "#twitter is down again\nsigh"


def test_the_split_is_fixed_and_about_half() -> None:
    ids = [str(126415614616154112 + i) for i in range(2000)]
    halves = [half_of(i) for i in ids]
    assert halves == [half_of(i) for i in ids]
    assert 900 < halves.count("dev") < 1100
    assert half_of("126415614616154112") == "dev"  # sha256 starts with an even byte (pinned)


def test_confusion_by_hand() -> None:
    gold = ["negative", "negative", "neutral", "positive", "neutral"]
    pred = ["negative", "neutral", "negative", "positive", "neutral"]
    table = confusion(gold, pred)
    assert table["negative"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert table["neutral"]["precision"] == 0.5 and table["neutral"]["recall"] == 0.5
    assert table["positive"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert table["macro"]["f1"] == pytest.approx(2 / 3)


def test_sanders_prints_both_modes(corpus_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sanders", str(corpus_file), "--half", "all"]) == 0
    out = capsys.readouterr().out
    assert "all half: 5 of 5 labelled tweets (2 negative, 2 neutral, 1 positive)" in out
    blocks = out.split("vader+crisis")
    # stock VADER finds 1 of the 2 negatives; the overlay finds both, and reads "is down again" as negative
    assert "negative      1.000   0.500" in blocks[0]
    assert "negative      0.667   1.000" in blocks[1]
    assert out.count("macro-F1") == 3


def test_samples_report_negative_shares(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["samples"]) == 0
    out = capsys.readouterr().out
    assert "# maison-rappel-fr.jsonl" in out and "# skyway-outage-en.jsonl" in out
    storm = next(line for line in out.splitlines() if line.startswith("maison-lait storm") and " fr " in line)
    vader, crisis, model = (float(x) for x in storm.split()[-3:])
    assert 0.9 < vader <= crisis and model > 0.9


def test_the_held_out_commands_read_each_sources_test_split(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """semeval, french and complaints on generated files in the real layouts (the real sets
    are third-party: see docs/sentiment.md); every mode gets its row."""
    from bench import sentiment_data
    from tests.bench.test_train_sentiment import write_sources

    dirs = write_sources(tmp_path)
    french = dirs["xlmt"] / sentiment_data.XLMT_DIR
    (french / "test_text.txt").write_text(
        "Service nul, toujours en panne\nMerci, parfait\nRéunion mardi\n", encoding="utf-8"
    )
    (french / "test_labels.txt").write_text("0\n2\n1\n", encoding="utf-8")
    reviews = dirs["allocine"] / sentiment_data.ALLOCINE_DIR
    (reviews / "test.tsv").write_text("0\tUne série nulle, ennuyeuse\n1\tSérie géniale, bravo\n", encoding="utf-8")
    assert main(["semeval", str(dirs["semeval"])]) == 0
    out = capsys.readouterr().out
    assert "# SemEval-2017 Task 4A English test: 1 texts" in out
    assert all(f"\n{mode} " in out for mode in ("vader", "vader+crisis", "model"))
    assert main(["french", "--xlmt", str(dirs["xlmt"]), "--allocine", str(dirs["allocine"])]) == 0
    out = capsys.readouterr().out
    assert "xlm-t French test tweets" in out and "3 texts" in out and "# Allociné test reviews: 2" in out
    assert main(["complaints", str(dirs["complaints"]), "--folds", "2"]) == 0
    out = capsys.readouterr().out
    assert "# complaints: 30 tweets, 15 complaints" in out
    assert "airline" in out and "bank" in out and "model (2-fold)" in out


def test_a_missing_test_split_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["semeval", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "not found" in err[0]


def test_examples_lists_every_issue_line_per_mode(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.sentiment_quality import ISSUE_EXAMPLES

    assert main(["examples"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(ISSUE_EXAMPLES) + 2 and out[-1].startswith("negative")
