"""bench/train_sentiment.py end to end, on a tiny data set generated here in each source's layout.

The real sets are third-party and not shipped; these files have the same paths, columns and
label codes (SemEval tsv with \\u escapes, complaints csv, X-CI csv, xlm-t text/label files,
Allociné tsv, Sanders csv), with texts built from a few clearly negative, neutral and positive
words. The script must read them all, pick its constants by cross-validation, write a weights
file that the product's loader reads, and the model must give the words' classes back.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from bench import sentiment_data
from bench.train_sentiment import best_threshold, class_biases, macro_f1, main
from firestorm.models.sentiment_model import CLASSES, load

WORDS = {
    "negative": ["awful", "broken", "furious", "refund", "worst"],
    "neutral": ["tuesday", "schedule", "meeting", "address", "update"],
    "positive": ["lovely", "brilliant", "thanks", "delighted", "great"],
}
MOTS = {
    "negative": ["nul", "panne", "honteux", "déçu", "arnaque"],
    "neutral": ["mardi", "horaire", "adresse", "réunion", "gare"],
    "positive": ["génial", "merci", "parfait", "bravo", "super"],
}
FILLER = ["the", "a", "today", "my", "with", "and", "for"]
MOTS_FILLER = ["le", "la", "de", "mon", "avec", "et", "pour"]


def sentence(rng: random.Random, words: list[str], filler: list[str]) -> str:
    picked = rng.sample(words, 2) + rng.sample(filler, 3)
    rng.shuffle(picked)
    return " ".join(picked)


def generated(rng: random.Random, words: dict[str, list[str]], filler: list[str], n: int) -> list[tuple[str, str]]:
    return [(sentence(rng, words[label], filler), label) for label in CLASSES for _ in range(n)]


def write_sources(root: Path) -> dict[str, Path]:
    rng = random.Random(7)
    dirs = {name: root / name for name in ("semeval", "complaints", "xci", "xlmt", "allocine", "sanders")}
    a = dirs["semeval"] / sentiment_data.SEMEVAL_DIR
    (a / "downloaded").mkdir(parents=True)
    (a / "gold").mkdir(parents=True)
    train = generated(rng, WORDS, FILLER, 40)
    (a / "downloaded" / "twitter-2016train-A.tsv").write_text(
        "".join(f"{1000 + i}\t{label}\t{text} caf\\u00e9\n" for i, (text, label) in enumerate(train)), encoding="utf-8"
    )
    (a / "gold" / "SemEval2017-task4-test.subtask-A.english.txt").write_text(
        "1000\tnegative\tthis tweet is the test set\n", encoding="utf-8"
    )
    dirs["complaints"].mkdir()
    with (dirs["complaints"] / "complaints-data.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for i in range(30):
            complaint = i % 2
            text = sentence(rng, WORDS["negative" if complaint else "neutral"], FILLER)
            writer.writerow([str(5000 + i), text, str(complaint), "airline" if i < 15 else "bank"])
    dirs["xci"].mkdir()
    with (dirs["xci"] / "X-CI Dataset.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "tweet", "label", "domain", "sentiment", "emotion", "Severity", "Explain"])
        writer.writerow(["1", "no such tweet", "0", "airline", "Positive", "other", "0", ""])
    french_dir = dirs["xlmt"] / sentiment_data.XLMT_DIR
    french_dir.mkdir(parents=True)
    codes = {"negative": "0", "neutral": "1", "positive": "2"}
    for split in ("train", "val"):
        pairs = generated(rng, MOTS, MOTS_FILLER, 20)
        (french_dir / f"{split}_text.txt").write_text("\n".join(t for t, _ in pairs) + "\n", encoding="utf-8")
        (french_dir / f"{split}_labels.txt").write_text(
            "\n".join(codes[lab] for _, lab in pairs) + "\n", encoding="utf-8"
        )
    reviews_dir = dirs["allocine"] / sentiment_data.ALLOCINE_DIR
    reviews_dir.mkdir(parents=True)
    for split in ("train", "dev"):
        lines = [
            f"{int(label == 'positive')}\t{sentence(rng, MOTS[label], MOTS_FILLER)} série"
            for label in ("negative", "positive")
            for _ in range(10)
        ]
        (reviews_dir / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dirs["sanders"].mkdir()
    with (dirs["sanders"] / "full-corpus.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(["Topic", "Sentiment", "TweetId", "TweetDate", "TweetText"])
        for i, (text, label) in enumerate(generated(rng, WORDS, FILLER, 10)):
            writer.writerow(["apple", label, str(126415614616154112 + i), "Tue Oct 18 21:53:25 +0000 2011", text])
    return dirs


def test_training_end_to_end_writes_weights_the_product_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dirs = write_sources(tmp_path)
    out = tmp_path / "model.npz"
    argv = [f"--{name}={path}" for name, path in dirs.items()] + ["--out", str(out), "--folds", "2", "--bits", "14"]
    assert main(argv) == 0
    log = capsys.readouterr().err
    # 120 generated tweets less the one whose id is in the test file; 30 complaints; the dev half of 30
    assert "English: 119 SemEval, 30 complaints," in log
    assert "French: 120 xlm-t tweets, 40 Allociné reviews" in log
    assert "picked C=" in log and "complaint head C=" in log
    by_lang = load(out)
    assert sorted(by_lang) == ["en", "fr"]
    assert by_lang["en"].weights.shape == (1 << 14, 4)  # three classes and the complaint head
    assert by_lang["fr"].weights.shape == (1 << 14, 3)
    for lang, words, filler in (("en", WORDS, FILLER), ("fr", MOTS, MOTS_FILLER)):
        for label, vocabulary in words.items():
            text = f"{vocabulary[0]} {filler[0]} {vocabulary[1]}"
            assert CLASSES[by_lang[lang].label(text)[0]] == label, (lang, text)
    assert by_lang["en"].complaint("furious worst refund") is True
    assert by_lang["en"].complaint("tuesday meeting schedule") is False


def test_a_missing_source_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dirs = write_sources(tmp_path)
    argv = [f"--{name}={path}" for name, path in dirs.items() if name != "xlmt"]
    assert main([*argv, f"--xlmt={tmp_path / 'nowhere'}", "--out", str(tmp_path / "m.npz"), "--folds", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "nowhere" in err[0]


def test_class_biases_lift_the_class_the_scores_under_read() -> None:
    # Positive rows score a little under neutral: argmax reads them all neutral (macro recall 2/3);
    # a positive bias of more than 0.3 and less than 0.5 (the neutral rows' lead) reads them back.
    y = np.array([0, 0, 1, 1, 2, 2])
    scores = np.array(
        [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.5, 0.0], [0.0, 0.3, 0.0], [0.0, 0.3, 0.0]]
    )
    negative, positive, macro = class_biases(y, scores)
    assert negative == 0.0 and 0.3 < positive < 0.5 and macro == pytest.approx(1.0)
    # scores already right: no shift at all
    assert class_biases(y, np.eye(3)[y]) == (0.0, 0.0, pytest.approx(1.0))


def test_class_biases_keep_the_negative_precision() -> None:
    # A negative bias of 0.1 or more reads the two under-read negatives back (macro recall 7/9 ->
    # 5/6), but from 0.05 it also reads the first neutral row as negative (precision 1 -> 3/4):
    # refused, the detectors count negatives.
    y = np.array([0, 0, 0, 1, 1, 2])
    scores = np.array(
        [[1.0, 0.0, 0.0], [0.4, 0.5, 0.0], [0.4, 0.5, 0.0], [0.45, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    )
    negative, _, macro = class_biases(y, scores)
    assert negative < 0.05 and macro == pytest.approx(7 / 9)


def test_french_biases_take_the_best_macro_f1_that_reaches_the_negative_recall() -> None:
    # Two of the four negatives score under neutral (by 0.15 and 0.35). A negative bias of 0.2
    # reads the first back (recall 3/4), one of 0.4 both (4/4) but also the neutral row 0.38
    # under (a false negative). With a floor of 0.7 the bias of 0.2 gives the best macro-F1;
    # with a floor of 1.0 only 0.4 and up reach it, though the F1 falls.
    y = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
    scores = np.array(
        [
            [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.35, 0.5, 0.0], [0.15, 0.5, 0.0],
            [0.12, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0],
        ]
    )  # fmt: skip
    negative, positive, f1 = class_biases(y, scores, negative_recall=0.7)
    assert negative == 0.2 and positive == 0.0
    assert f1 == pytest.approx(macro_f1(y, (scores + np.array([negative, 0.0, 0.0])).argmax(axis=1), 3))
    best_f1 = f1
    negative, _, f1 = class_biases(y, scores, negative_recall=1.0)
    assert negative >= 0.4 and f1 < best_f1
    # a floor no bias reaches: the highest negative recall instead (0.5 from a bias of 0.5)
    negative, _, recall = class_biases(y[:4], scores[:4] - np.array([1.5, 0.0, 0.0]), negative_recall=0.9)
    assert recall == 0.5 and negative == 0.5


def test_the_complaint_threshold_is_the_best_f1_cut_of_the_logits() -> None:
    # Two of the four complaints have logits under 0 (-0.25, -0.45). F1 of `logit > cut`: at 0,
    # 2 found (4/6); at -0.3, 3 (6/7); at -0.5, all 4 and no false one (1.0): that cut is taken.
    y = np.array([1, 1, 1, 1, 0, 0, 0])
    logit = np.array([1.0, 0.5, -0.25, -0.45, -0.6, -1.0, -2.0])
    assert best_threshold(y, logit) == (-0.5, pytest.approx(1.0))
    # a non-complaint at -0.47: -0.5 now also takes it (8/9), still better than -0.3 (6/7)
    logit[4] = -0.47
    assert best_threshold(y, logit) == (-0.5, pytest.approx(8 / 9))
    # at -0.35 it would cost more than -0.5 gains: -0.3 (6/7 against 8/10) is taken
    logit[5] = -0.35
    assert best_threshold(y, logit) == (-0.3, pytest.approx(6 / 7))
    # logits already right: no shift
    assert best_threshold(y, np.where(y == 1, 1.0, -1.0)) == (0.0, pytest.approx(1.0))
