"""Sentiment quality: stock VADER against VADER with the crisis/complaint overlay (a benchmark).

Usage:
  python -m bench.sentiment_quality sanders PATH/full-corpus.csv [--half held-out|dev|all]
  python -m bench.sentiment_quality samples

`sanders`: the Sanders Twitter sentiment corpus (Niek Sanders, 2011: 5,513 tweets about Apple,
Google, Microsoft and Twitter, hand-labelled positive/negative/neutral/irrelevant). It is
third-party data and is not shipped here; get `full-corpus.csv` from the public repository
zfz/twitter_corpus (e.g. `git clone` it, or download the file) and pass its path. Rows labelled
`irrelevant` are left out. The split is fixed: a tweet is in the development half when the
first byte of sha256(tweet id) is even, else in the held-out half. The overlay was written and
adjusted looking at the development half only; report the held-out half. Each tweet goes
through `firestorm.streams.score.score_records` (what `firestorm score` prints) as an English mention, and
its label (negative <= -0.05 < neutral < 0.05 <= positive) is compared with the human label:
per-class precision, recall and F1, and the macro-F1, for `vader` and `vader+crisis`.

`samples`: the bundled samples (examples/*.jsonl and their labels): the share of negative
mentions of the storm entity before the onset and between onset and end, and of the quiet
entities, per mode and language.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from firestorm.models.sentiment import SENTIMENT_MODES, SentimentScorer
from firestorm.models.timeutil import parse_ts
from firestorm.streams.formats.base import Record
from firestorm.streams.score import score_records

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ("negative", "neutral", "positive")
HALVES = ("held-out", "dev", "all")


def half_of(tweet_id: str) -> str:
    """The fixed split: `dev` when the first byte of sha256(id) is even, else `held-out`."""
    return "dev" if hashlib.sha256(tweet_id.encode("ascii")).digest()[0] % 2 == 0 else "held-out"


def read_sanders(path: str | Path) -> list[dict[str, str]]:
    """The labelled rows (positive/negative/neutral) of full-corpus.csv, as mention-like dicts."""
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            label = row["Sentiment"].strip()
            if label not in CLASSES:
                continue  # irrelevant
            when = datetime.strptime(row["TweetDate"], "%a %b %d %H:%M:%S %z %Y")
            rows.append(
                {
                    "id": row["TweetId"],
                    "entity": row["Topic"],
                    "ts": when.isoformat(),
                    "text": row["TweetText"],
                    "gold": label,
                }
            )
    return rows


def _records(rows: list[dict[str, str]]) -> Iterator[Record]:
    for number, row in enumerate(rows, start=1):
        obj = {"id": row["id"], "entity": row["entity"], "ts": row["ts"], "text": row["text"], "lang": "en"}
        yield number, json.dumps(obj).encode("utf-8")


def confusion(gold: list[str], predicted: list[str]) -> dict[str, dict[str, float]]:
    """Per class: precision, recall, F1 and support; plus `macro` F1 over the three classes."""
    out: dict[str, dict[str, float]] = {}
    for cls in CLASSES:
        tp = sum(g == cls and p == cls for g, p in zip(gold, predicted, strict=True))
        predicted_n = sum(p == cls for p in predicted)
        support = sum(g == cls for g in gold)
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[cls] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    out["macro"] = {"f1": sum(out[c]["f1"] for c in CLASSES) / len(CLASSES)}
    return out


def evaluate(rows: list[dict[str, str]], mode: str) -> dict[str, dict[str, float]]:
    results = list(score_records(_records(rows), SentimentScorer(mode)))
    if len(results) != len(rows):
        raise SystemExit(f"scored {len(results)} of {len(rows)} tweets")
    predicted = [str(r["label"]) for r in results]
    return confusion([row["gold"] for row in rows], predicted)


def print_table(mode: str, table: dict[str, dict[str, float]]) -> None:
    print(f"{mode:<13} {'class':<9} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
    for cls in CLASSES:
        r = table[cls]
        print(f"{'':<13} {cls:<9} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1']:>6.3f} {int(r['support']):>8}")
    print(f"{'':<13} {'macro-F1':<9} {'':>9} {'':>7} {table['macro']['f1']:>6.3f}")


def run_sanders(path: str, half: str) -> int:
    rows = read_sanders(path)
    chosen = [r for r in rows if half == "all" or half_of(r["id"]) == half]
    counts = Counter(r["gold"] for r in chosen)
    print(
        f"# Sanders corpus, {half} half: {len(chosen)} of {len(rows)} labelled tweets "
        f"({', '.join(f'{counts[c]} {c}' for c in CLASSES)}); labels at -0.05/0.05"
    )
    for mode in SENTIMENT_MODES:
        print_table(mode, evaluate(chosen, mode))
    return 0


def _storm_shares(path: Path, mode: str) -> list[tuple[str, str, int, float]]:
    labels = json.loads(path.with_suffix(".labels.json").read_text(encoding="utf-8"))
    onset, end = parse_ts(labels["onset"]), parse_ts(labels["end"])
    scorer = SentimentScorer(mode)
    groups: dict[tuple[str, str], list[bool]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            obj = json.loads(line)
            ts = parse_ts(obj["ts"])
            if obj["entity"] == labels["entity"]:
                period = "storm" if onset <= ts <= end else ("before" if ts < onset else "after")
                name = f"{obj['entity']} {period}"
            else:
                name = f"{obj['entity']} (quiet)"
            sentiment = scorer.score(obj["text"], obj.get("lang"))
            if sentiment.scored:
                groups.setdefault((name, sentiment.lang), []).append(sentiment.negative)
    return [(name, lang, len(v), sum(v) / len(v)) for (name, lang), v in sorted(groups.items())]


def run_samples() -> int:
    for path in sorted((ROOT / "examples").glob("*.jsonl")):
        print(f"# {path.name}: share of negative mentions (compound <= -0.05)")
        print(f"{'group':<30} {'lang':<4} {'mentions':>8} " + " ".join(f"{m:>13}" for m in SENTIMENT_MODES))
        by_mode = [_storm_shares(path, mode) for mode in SENTIMENT_MODES]
        for row in zip(*by_mode, strict=True):
            name, lang, n, _ = row[0]
            print(f"{name:<30} {lang:<4} {n:>8} " + " ".join(f"{share:>13.3f}" for *_, share in row))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sanders = sub.add_parser("sanders", help="per-class precision/recall and macro-F1 on the Sanders corpus")
    sanders.add_argument("path", help="full-corpus.csv of the Sanders corpus (not shipped: see above)")
    sanders.add_argument("--half", choices=HALVES, default="held-out")
    sub.add_parser("samples", help="negative shares on the bundled samples")
    args = parser.parse_args(argv)
    if args.command == "sanders":
        return run_sanders(args.path, args.half)
    return run_samples()


if __name__ == "__main__":
    sys.exit(main())
