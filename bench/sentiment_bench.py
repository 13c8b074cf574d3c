"""Sentiment scoring speed: stock VADER against firestorm.models.vader_fast (a benchmark, not a test).

Usage: python bench/sentiment_bench.py [--texts 4000] [--runs 5]
Scores the same tweet-like texts (bench/throughput/data.py: the sample generator's text banks)
with the stock analyzer and the fast one, per language; prints texts/s (median of the runs,
each run alternating stock and fast) and the ratio, after checking the compounds are equal.
The `crisis` column is the fast analyzer with the crisis/complaint overlay (`vader+crisis`, the
phrase rewrite included), and the `model` column the trained classifier (`model`: its label
and probabilities, then the sarcasm rule of models/sarcasm.py on a positive label;
its word memo fills in the first run, as in a running worker), in texts/s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.throughput.data import TextMaker
from firestorm.models.crisis import CrisisEnglishVader, CrisisFrenchVader
from firestorm.models.sarcasm import rule as sarcasm_rule
from firestorm.models.sentiment_model import LinearModel
from firestorm.models.sentiment_model import load as load_model
from firestorm.models.vader_fast import EnglishVader, FrenchVader


def stock_analyzers() -> dict[str, Callable[[str], dict[str, float]]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as StockEnglish
        from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer as StockFrench
    return {"en": StockEnglish().polarity_scores, "fr": StockFrench().polarity_scores}


def rate(score: Callable[[str], object], texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        score(text)
    return len(texts) / (time.perf_counter() - started)


def model_mode(model: LinearModel, lang: str) -> Callable[[str], bool]:
    """What the `model` mode computes per text: the weights' label, then the sarcasm rule
    (models/sarcasm.py) when that label is positive. Returns whether the text is negative."""
    fires = sarcasm_rule(lang).fires

    def negative(text: str) -> bool:
        label = model.probabilities(text)[0]
        return label == 0 or (label == 2 and fires(text))

    return negative


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=4000, help="texts per language")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    maker = TextMaker(args.seed)
    stock = stock_analyzers()
    fast = {"en": EnglishVader(), "fr": FrenchVader()}
    crisis = {"en": CrisisEnglishVader(), "fr": CrisisFrenchVader()}
    model = load_model()
    load = os.getloadavg()[0]
    print(
        f"# sentiment: {args.texts} tweet-like texts per language, median of {args.runs} runs, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load {load:.2f}"
    )
    print(
        f"{'language':<9} {'stock texts/s':>14} {'fast texts/s':>13} {'ratio':>6} {'mismatches':>11} "
        f"{'crisis texts/s':>15} {'model texts/s':>14}"
    )
    for lang in ("en", "fr"):
        texts = maker.texts(lang, args.texts)
        mismatches = sum(stock[lang](t)["compound"] != fast[lang].compound(t) for t in texts)
        stock_rates, fast_rates, crisis_rates, model_rates = [], [], [], []
        for _ in range(args.runs):
            stock_rates.append(rate(stock[lang], texts))
            fast_rates.append(rate(fast[lang].compound, texts))
            crisis_rates.append(rate(crisis[lang].compound, texts))
            model_rates.append(rate(model_mode(model[lang], lang), texts))
        s, f = statistics.median(stock_rates), statistics.median(fast_rates)
        c, m = statistics.median(crisis_rates), statistics.median(model_rates)
        print(f"{lang:<9} {s:>14,.0f} {f:>13,.0f} {f / s:>5.1f}x {mismatches:>11} {c:>15,.0f} {m:>14,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
