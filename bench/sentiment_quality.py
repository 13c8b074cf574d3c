"""Sentiment quality: stock VADER, VADER with the crisis/complaint overlay, and the trained model.

Usage:
  python -m bench.sentiment_quality sanders PATH/full-corpus.csv [--half held-out|dev|all]
  python -m bench.sentiment_quality semeval DIR          (cbaziotis/datastories-semeval2017-task4)
  python -m bench.sentiment_quality french --xlmt DIR --allocine DIR
  python -m bench.sentiment_quality complaints DIR [--folds 10]  (danielpreotiuc/complaints-social-media)
  python -m bench.sentiment_quality examples
  python -m bench.sentiment_quality samples

`semeval`, `french`: the held-out test splits (SemEval-2017 Task 4A English test, 12,284 tweets;
xlm-t's French test tweets; the Allociné test reviews), never used in training
(bench/train_sentiment.py). The French `vader` row is vaderSentiment-fr. Allociné reviews are
positive or negative: a scorer's answer there is negative when its negative score beats its
positive one (VADER: compound < 0). `complaints`: complaint F1 by 10-fold cross-validation, as in
the dataset's paper: VADER's negative label against the model's complaint head, trained as the
shipped one (its C picked by 3-fold cross-validation) on nine folds and scored on the tenth
(needs scikit-learn), overall and per brand domain. `examples`: the
complaints and sarcastic lines of issue 25, each of which should be negative.

`sanders`: the Sanders Twitter sentiment corpus (Niek Sanders, 2011: 5,513 tweets about Apple,
Google, Microsoft and Twitter, hand-labelled positive/negative/neutral/irrelevant). It is
third-party data and is not shipped here; get `full-corpus.csv` from the public repository
zfz/twitter_corpus (e.g. `git clone` it, or download the file) and pass its path. Rows labelled
`irrelevant` are left out. The split is fixed: a tweet is in the development half when the
first byte of sha256(tweet id) is even, else in the held-out half. The overlay was written and
adjusted looking at the development half only; report the held-out half. Each tweet goes
through `firestorm.streams.drills.score.score_records` (what `firestorm score` prints) as an English mention, and
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

from bench import sentiment_data
from firestorm.models.sentiment import MODEL, SENTIMENT_MODES, VADER, VADER_CRISIS, SentimentScorer, label_of
from firestorm.models.timeutil import parse_ts
from firestorm.streams.drills.score import score_records
from firestorm.streams.formats.base import Record

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


def macro_recall(table: dict[str, dict[str, float]]) -> float:
    return sum(table[c]["recall"] for c in CLASSES) / len(CLASSES)


def scored_labels(texts: list[str], mode: str, lang: str) -> list[str]:
    """The label each text gets from the scorer of `mode`, read as a mention in `lang`."""
    scorer = SentimentScorer(mode)
    return [label_of(scorer.score(text, lang).compound or 0.0) for text in texts]


def print_summary(name: str, pairs: list[tuple[str, str]], lang: str) -> None:
    """One line per mode: per-class recall, macro recall, negative precision, macro-F1."""
    counts = Counter(label for _, label in pairs)
    print(f"# {name}: {len(pairs)} texts ({', '.join(f'{counts[c]} {c}' for c in CLASSES)})")
    print(f"{'mode':<13} {'neg P':>6} {'neg R':>6} {'neu R':>6} {'pos R':>6} {'macro-R':>8} {'macro-F1':>8}")
    gold = [label for _, label in pairs]
    for mode in SENTIMENT_MODES:
        t = confusion(gold, scored_labels([text for text, _ in pairs], mode, lang))
        print(
            f"{mode:<13} {t['negative']['precision']:>6.3f} {t['negative']['recall']:>6.3f} "
            f"{t['neutral']['recall']:>6.3f} {t['positive']['recall']:>6.3f} {macro_recall(t):>8.3f} "
            f"{t['macro']['f1']:>8.3f}"
        )


def binary_negative(texts: list[str], mode: str, lang: str) -> list[bool]:
    """Negative or not, for a two-class set: the model's negative logit against its positive one
    (or the sarcasm rule, as in the scorer), VADER's compound below 0."""
    if mode == MODEL:
        from firestorm.models.sarcasm import sarcastic
        from firestorm.models.sentiment_model import shipped

        model = shipped()[lang]
        return [bool(model.logits(t)[0] > model.logits(t)[2]) or sarcastic(t, lang) for t in texts]  # no neutral
    scorer = SentimentScorer(mode)
    return [(scorer.score(t, lang).compound or 0.0) < 0 for t in texts]


def run_semeval(root: str) -> int:
    print_summary("SemEval-2017 Task 4A English test", sentiment_data.semeval_test(Path(root)), "en")
    return 0


def run_french(xlmt: str, allocine: str) -> int:
    print_summary(
        "xlm-t French test tweets (vader = vaderSentiment-fr)", sentiment_data.xlmt_french(Path(xlmt), "test"), "fr"
    )
    reviews = sentiment_data.allocine(Path(allocine), "test")
    print(f"# Allociné test reviews: {len(reviews)} (accuracy, negative or positive)")
    for mode in SENTIMENT_MODES:
        answers = binary_negative([t for t, _ in reviews], mode, "fr")
        right = sum(a == (label == "negative") for a, (_, label) in zip(answers, reviews, strict=True))
        print(f"{mode:<13} {right / len(reviews):.3f}")
    return 0


def _f1(gold: list[int], predicted: list[int]) -> float:
    tp = sum(g == p == 1 for g, p in zip(gold, predicted, strict=True))
    return 2 * tp / (sum(gold) + sum(predicted)) if sum(gold) + sum(predicted) else 0.0


def run_complaints(root: str, folds: int) -> int:
    from bench.train_sentiment import complaint_folds

    rows = sentiment_data.complaints(Path(root))
    gold = [c for _, c, _ in rows]
    texts = [t for t, _, _ in rows]
    answers = {
        mode: [int(label == "negative") for label in scored_labels(texts, mode, "en")] for mode in (VADER, VADER_CRISIS)
    }
    answers[f"{MODEL} ({folds}-fold)"] = complaint_folds(texts, gold, folds)
    domains = sorted({d for _, _, d in rows})
    print(f"# complaints: {len(rows)} tweets, {sum(gold)} complaints; complaint F1 (VADER: negative label)")
    print(f"{'domain':<16} {'tweets':>6} " + " ".join(f"{name:>16}" for name in answers))
    for domain in ["all", *domains]:
        keep = [i for i, (_, _, d) in enumerate(rows) if domain in ("all", d)]
        cells = [_f1([gold[i] for i in keep], [a[i] for i in keep]) for a in answers.values()]
        print(f"{domain:<16} {len(keep):>6} " + " ".join(f"{c:>16.3f}" for c in cells))
    return 0


# Issue 25's complaints and sarcastic lines: each should be labelled negative.
ISSUE_EXAMPLES = (
    ("en", "Great, another outage, thanks a lot"),
    ("en", "Oh wonderful... cancelled again. Love it."),
    ("en", "charged my card 11 times for one ticket"),
    ("en", "on hold for two hours"),
    ("en", "bag whereabouts unknown"),
    ("fr", "Pas content du tout"),
    ("fr", "Impossible de me connecter à mon espace client"),
    ("fr", "c'est scandaleux de traiter les clients comme ça"),
    ("fr", "Bravo pour la nouvelle appli, elle plante"),
    ("fr", "Super, encore une panne, merci beaucoup 🙄"),
)


def run_examples() -> int:
    print(f"{'text':<50} " + " ".join(f"{m:>13}" for m in SENTIMENT_MODES))
    hits = Counter[str]()
    for lang, text in ISSUE_EXAMPLES:
        labels = [scored_labels([text], mode, lang)[0] for mode in SENTIMENT_MODES]
        hits.update(m for m, label in zip(SENTIMENT_MODES, labels, strict=True) if label == "negative")
        print(f"{text:<50} " + " ".join(f"{label:>13}" for label in labels))
    total = len(ISSUE_EXAMPLES)
    print(f"{'negative':<50} " + " ".join(f"{f'{hits[m]}/{total}':>13}" for m in SENTIMENT_MODES))
    return 0


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
    semeval = sub.add_parser("semeval", help="the SemEval-2017 Task 4A English test set")
    semeval.add_argument("root", help="checkout of cbaziotis/datastories-semeval2017-task4")
    french = sub.add_parser("french", help="xlm-t French test tweets and Allociné test reviews")
    french.add_argument("--xlmt", required=True, help="checkout of cardiffnlp/xlm-t")
    french.add_argument("--allocine", required=True, help="checkout of Akram-ch/TP_NLP_2023")
    complaints = sub.add_parser("complaints", help="complaint F1 by k-fold cross-validation, per domain")
    complaints.add_argument("root", help="checkout of danielpreotiuc/complaints-social-media")
    complaints.add_argument("--folds", type=int, default=10)
    sub.add_parser("examples", help="issue 25's complaints and sarcastic lines")
    args = parser.parse_args(argv)
    try:
        if args.command == "sanders":
            return run_sanders(args.path, args.half)
        if args.command == "semeval":
            return run_semeval(args.root)
        if args.command == "french":
            return run_french(args.xlmt, args.allocine)
        if args.command == "complaints":
            return run_complaints(args.root, args.folds)
    except sentiment_data.DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.command == "examples":
        return run_examples()
    return run_samples()


if __name__ == "__main__":
    sys.exit(main())
