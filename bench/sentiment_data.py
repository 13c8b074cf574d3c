"""Readers of the public labelled sets the sentiment model is trained and measured on.

None of the data ships with firestorm: each reader takes a git checkout (or an export) of the
public repository that holds it, and returns (text, label) pairs with labels in
negative/neutral/positive (complaints: 1/0). Held-out splits have their own readers, used only
by bench/sentiment_quality.py; the training script never calls them.

| source | repository | path in it |
| --- | --- | --- |
| SemEval-2017 Task 4A | cbaziotis/datastories-semeval2017-task4 | dataset/Subtask_A/downloaded/*.tsv (train), |
| | | dataset/Subtask_A/gold/SemEval2017-task4-test.subtask-A.english.txt (test) |
| complaints | danielpreotiuc/complaints-social-media | complaints-data.csv |
| X-CI (complaints with sentiment) | appy1608/ACL2023 | X-CI Dataset.csv |
| French tweets | cardiffnlp/xlm-t | data/sentiment/french/{train,val,test}_{text,labels}.txt |
| Allociné TV-series reviews | Akram-ch/TP_NLP_2023 | 2-python_data_analysis/fr/{train,dev,test}.tsv |
| Sanders | zfz/twitter_corpus | full-corpus.csv (split as bench/sentiment_quality.py) |
| TweetEval irony (not trained on) | cardiffnlp/tweeteval | datasets/irony/{train,val,test}_{text,labels}.txt |
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

Pair = tuple[str, str]
SEMEVAL_DIR = Path("dataset/Subtask_A")
SEMEVAL_TEST = SEMEVAL_DIR / "gold" / "SemEval2017-task4-test.subtask-A.english.txt"
XLMT_DIR = Path("data/sentiment/french")
ALLOCINE_DIR = Path("2-python_data_analysis/fr")
IRONY_DIR = Path("datasets/irony")
XLMT_LABELS = {"0": "negative", "1": "neutral", "2": "positive"}
ALLOCINE_LABELS = {"0": "negative", "1": "positive"}
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
CLASSES = ("negative", "neutral", "positive")


class DataError(ValueError):
    """A source directory that does not hold what its reader expects."""


def _need(path: Path) -> Path:
    if not path.exists():
        raise DataError(f"{path} not found: pass a checkout of the repository that holds it")
    return path


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text).replace("\\n", " ")


def _semeval_rows(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and fields[1] in CLASSES:
            rows.append((fields[0], fields[1], _unescape(fields[2])))
    return rows


def semeval_test_ids(root: Path) -> set[str]:
    """The ids of the SemEval-2017 test tweets (only the first column is read), to keep them
    out of training."""
    path = _need(root / SEMEVAL_TEST)
    return {line.split("\t", 1)[0] for line in path.read_text(encoding="utf-8", errors="replace").splitlines()}


def semeval_train(root: Path) -> list[Pair]:
    """SemEval 2013-2016 Task 4A tweets (train, dev and earlier tests), one per id, without the
    2017 test tweets."""
    files = sorted(_need(root / SEMEVAL_DIR / "downloaded").glob("twitter-20*-A.tsv"))
    if not files:
        raise DataError(f"no twitter-20*-A.tsv under {root / SEMEVAL_DIR / 'downloaded'}")
    held_out = semeval_test_ids(root)
    seen: dict[str, Pair] = {}
    for path in files:
        for tweet_id, label, text in _semeval_rows(path):
            if tweet_id not in held_out and text.strip():
                seen.setdefault(tweet_id, (text, label))
    return list(seen.values())


def semeval_test(root: Path) -> list[Pair]:
    """The SemEval-2017 Task 4A English gold test set (12,284 tweets): held out."""
    return [(text, label) for _, label, text in _semeval_rows(_need(root / SEMEVAL_TEST))]


def complaints(root: Path) -> list[tuple[str, int, str]]:
    """(text, 1 for a complaint else 0, domain) of complaints-data.csv (3,449 tweets)."""
    out = []
    with _need(root / "complaints-data.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            if len(row) == 4 and row[2] in ("0", "1"):
                out.append((row[1], int(row[2]), row[3]))
    if not out:
        raise DataError(f"no labelled row in {root / 'complaints-data.csv'}")
    return out


def xci_sentiment(root: Path) -> dict[str, str]:
    """Text -> sentiment label of the X-CI set (the complaints tweets, relabelled with sentiment)."""
    out = {}
    with _need(root / "X-CI Dataset.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            label = row["sentiment"].strip().lower()
            if label in CLASSES:
                out[row["tweet"]] = label
    return out


def complaint_sentiment(complaints_root: Path, xci_root: Path | None) -> list[Pair]:
    """The complaints tweets as sentiment pairs: a complaint is negative; another tweet takes its
    X-CI sentiment when there is one, else neutral."""
    relabel = xci_sentiment(xci_root) if xci_root is not None else {}
    return [
        (text, "negative" if complaint else relabel.get(text, "neutral"))
        for text, complaint, _ in complaints(complaints_root)
    ]


def xlmt_french(root: Path, split: str) -> list[Pair]:
    """A split (train, val, test) of xlm-t's French tweets."""
    texts = _need(root / XLMT_DIR / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = _need(root / XLMT_DIR / f"{split}_labels.txt").read_text(encoding="utf-8").split()
    return [(text, XLMT_LABELS[label]) for text, label in zip(texts, labels, strict=False)]


def allocine(root: Path, split: str) -> list[Pair]:
    """A split (train, dev, test) of the Allociné TV-series reviews (0 negative, 1 positive)."""
    out = []
    for line in _need(root / ALLOCINE_DIR / f"{split}.tsv").read_text(encoding="utf-8").splitlines():
        label, _, text = line.partition("\t")
        if label in ALLOCINE_LABELS and text.strip():
            out.append((text, ALLOCINE_LABELS[label]))
    return out


def irony(root: Path, split: str) -> list[tuple[str, bool]]:
    """A split (train, val, test) of TweetEval's English irony tweets (SemEval 2018 Task 3):
    (text, whether it is ironic)."""
    texts = _need(root / IRONY_DIR / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = _need(root / IRONY_DIR / f"{split}_labels.txt").read_text(encoding="utf-8").split()
    if not labels or set(labels) - {"0", "1"}:
        raise DataError(f"{root / IRONY_DIR / f'{split}_labels.txt'} must hold one 0 or 1 a line")
    return [(text.strip(), label == "1") for text, label in zip(texts, labels, strict=False)]


def sanders(path: Path, half: str) -> list[Pair]:
    """The Sanders tweets of one half (`dev` for training, `held-out` for the measure)."""
    from bench.sentiment_quality import half_of, read_sanders

    file = path / "full-corpus.csv" if path.is_dir() else path
    return [(r["text"], r["gold"]) for r in read_sanders(_need(file)) if half == "all" or half_of(r["id"]) == half]
