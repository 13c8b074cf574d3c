"""How often the sarcasm rule (models/sarcasm.py) fires on real tweets, and how often it is right.

Usage:
  python -m bench.sentiment_sarcasm [--semeval DIR] [--complaints DIR --xci DIR] [--sanders PATH]
                                    [--xlmt DIR] [--allocine DIR] [--irony DIR]

The rule was written from the shape of issue 25's sarcastic lines, not from these sets, so they
check it: the training splits of the sentiment model (SemEval 2013-2016, the complaints tweets as
sentiment, the Sanders development half, xlm-t's French train and val tweets, the Allociné train
and dev reviews; never the held-out tests) and TweetEval's irony tweets (cardiffnlp/tweeteval,
`datasets/irony`, not trained on). Each DIR is a checkout of the repository named in
bench/sentiment_data.py. For each labelled set: how many texts the rule fires on, their gold
labels, and the texts whose label it changes in the `model` mode (the model's own label was
positive) with how many of those are negative in the gold labels. `overlay` shows what the same
rule would do after `vader+crisis` (where it is not applied) on a positive compound. For the irony
tweets: the share of ironic and of other tweets labelled negative, without and with the rule.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import sentiment_data
from firestorm.models.sarcasm import sarcastic
from firestorm.models.sentiment import VADER_CRISIS, SentimentScorer, label_of
from firestorm.models.sentiment_model import CLASSES, shipped

IRONY_SPLITS = ("train", "val", "test")


def model_label(text: str, lang: str) -> str:
    """The shipped weights' own label, without the rule."""
    return CLASSES[shipped()[lang].probabilities(text)[0]]


def overlay_label(text: str, lang: str, scorer: SentimentScorer) -> str:
    return label_of(scorer.score(text, lang).compound or 0.0)


def labelled_sets(args: argparse.Namespace) -> list[tuple[str, list[tuple[str, str]], str]]:
    """(name, (text, gold label) pairs, language) of each training split given."""
    sets = []
    if args.semeval:
        sets.append(("SemEval 2013-2016", sentiment_data.semeval_train(Path(args.semeval)), "en"))
    if args.complaints:
        xci = Path(args.xci) if args.xci else None
        sets.append(("complaints", sentiment_data.complaint_sentiment(Path(args.complaints), xci), "en"))
    if args.sanders:
        sets.append(("Sanders dev half", sentiment_data.sanders(Path(args.sanders), "dev"), "en"))
    two_splits = (
        ("xlm-t fr train+val", args.xlmt, sentiment_data.xlmt_french, ("train", "val")),
        ("Allociné train+dev", args.allocine, sentiment_data.allocine, ("train", "dev")),
    )
    for name, root, reader, splits in two_splits:
        if root:
            sets.append((name, [pair for split in splits for pair in reader(Path(root), split)], "fr"))
    return sets


def flips(fired: list[tuple[str, str]], labels: list[str]) -> tuple[int, int]:
    """How many fired texts the rule turns negative (their label was positive, as the `model`
    mode requires), and how many of those are negative in the gold labels."""
    turned = [gold for (_, gold), label in zip(fired, labels, strict=True) if label == "positive"]
    return len(turned), sum(gold == "negative" for gold in turned)


def run_labelled(sets: list[tuple[str, list[tuple[str, str]], str]]) -> None:
    overlay = SentimentScorer(VADER_CRISIS)
    print(
        f"{'set':<20} {'texts':>6} {'fires':>5} {'gold neg/neu/pos':>16} "
        f"{'model: turned, right':>21} {'overlay: turned, right':>23}"
    )
    for name, pairs, lang in sets:
        fired = [(text, gold) for text, gold in pairs if sarcastic(text, lang)]
        gold = Counter(g for _, g in fired)
        model = flips(fired, [model_label(t, lang) for t, _ in fired])
        lay = flips(fired, [overlay_label(t, lang, overlay) for t, _ in fired])
        golds = "/".join(str(gold[c]) for c in CLASSES)
        print(
            f"{name:<20} {len(pairs):>6} {len(fired):>5} {golds:>16} "
            f"{f'{model[0]}, {model[1]}':>21} {f'{lay[0]}, {lay[1]}':>23}"
        )


def run_irony(root: Path) -> None:
    overlay = SentimentScorer(VADER_CRISIS)
    print("# TweetEval irony: share labelled negative (without the rule -> with it)")
    print(f"{'split':<6} {'tweets':<11} {'count':>6} {'fires':>5} {'model':>15} {'overlay':>15}")
    for split in IRONY_SPLITS:
        rows = sentiment_data.irony(root, split)
        for ironic, name in ((True, "ironic"), (False, "not ironic")):
            texts = [t for t, i in rows if i == ironic]
            fires = [sarcastic(t, "en") for t in texts]
            cells = []
            for labels in ([model_label(t, "en") for t in texts], [overlay_label(t, "en", overlay) for t in texts]):
                before = [label == "negative" for label in labels]
                after = [lab == "negative" or (lab == "positive" and f) for lab, f in zip(labels, fires, strict=True)]
                cells.append(f"{sum(before) / len(texts):.3f} -> {sum(after) / len(texts):.3f}")
            print(f"{split:<6} {name:<11} {len(texts):>6} {sum(fires):>5} {cells[0]:>15} {cells[1]:>15}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--semeval", help="checkout of cbaziotis/datastories-semeval2017-task4 (training tweets only)")
    parser.add_argument("--complaints", help="checkout of danielpreotiuc/complaints-social-media")
    parser.add_argument("--xci", help="checkout of appy1608/ACL2023 (the complaints' sentiment labels)")
    parser.add_argument("--sanders", help="zfz/twitter_corpus checkout or its full-corpus.csv (development half only)")
    parser.add_argument("--xlmt", help="checkout of cardiffnlp/xlm-t (French train and val tweets)")
    parser.add_argument("--allocine", help="checkout of Akram-ch/TP_NLP_2023 (train and dev reviews)")
    parser.add_argument("--irony", help="checkout of cardiffnlp/tweeteval (datasets/irony)")
    args = parser.parse_args(argv)
    if not any(vars(args).values()):
        parser.error("give at least one data set")
    try:
        sets = labelled_sets(args)
        if sets:
            run_labelled(sets)
        if args.irony:
            run_irony(Path(args.irony))
    except sentiment_data.DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
