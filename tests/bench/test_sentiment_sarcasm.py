"""bench/sentiment_sarcasm.py on the tiny sets of tests/bench/test_train_sentiment.py and a few
irony tweets written here in TweetEval's layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import sentiment_data
from bench.sentiment_sarcasm import main
from tests.bench.test_train_sentiment import write_sources

IRONIC = ["Great, another outage, thanks a lot", "Oh wonderful... cancelled again. Love it.", "I just love Mondays"]
PLAIN = ["The outage is fixed, thanks", "Lovely day at the beach", "Flight cancelled, rebooked for tomorrow"]


def write_irony(root: Path) -> Path:
    folder = root / sentiment_data.IRONY_DIR
    folder.mkdir(parents=True)
    for split in ("train", "val", "test"):
        (folder / f"{split}_text.txt").write_text("\n".join(IRONIC + PLAIN) + "\n", encoding="utf-8")
        (folder / f"{split}_labels.txt").write_text("1\n1\n1\n0\n0\n0\n", encoding="utf-8")
    return root


def test_it_counts_the_rule_on_each_training_set_and_the_irony_tweets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dirs = write_sources(tmp_path)
    irony = write_irony(tmp_path / "tweeteval")
    argv = [f"--{name}={path}" for name, path in dirs.items()] + [f"--irony={irony}"]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    rows = {line[:20].strip(): line.split() for line in out}
    # the generated sets have no interjection of praise: the rule never fires on them
    assert rows["SemEval 2013-2016"][2:4] == ["119", "0"]
    assert rows["complaints"][1:3] == ["30", "0"]
    assert rows["Allociné train+dev"][2:4] == ["40", "0"]
    ironic = [line.split() for line in out if " ironic " in f" {line} " and "not ironic" not in line]
    plain = [line.split() for line in out if "not ironic" in line]
    assert [r[0] for r in ironic] == ["train", "val", "test"]
    for row in ironic:
        assert row[2:4] == ["3", "2"]  # three ironic tweets, the rule fires on the two of the issue
        model_after, overlay_after = float(row[6]), float(row[9])
        assert model_after >= 2 / 3 and overlay_after >= 2 / 3
    for row in plain:
        assert row[3:5] == ["3", "0"]  # "not ironic" is two words; the rule never fires


def test_no_data_set_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "give at least one data set" in capsys.readouterr().err


def test_a_missing_irony_split_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--irony", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "train_text.txt not found" in err[0]


def test_bad_irony_labels_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_irony(tmp_path)
    (root / sentiment_data.IRONY_DIR / "train_labels.txt").write_text("1\nironic\n", encoding="utf-8")
    assert main(["--irony", str(root)]) == 1
    assert "must hold one 0 or 1 a line" in capsys.readouterr().err
