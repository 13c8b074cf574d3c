"""VADER's text-level arithmetic, as the stock analyzers compute it (the same floating-point
operations in the same order): normalisation, punctuation and capitals emphasis, the neg/neu/pos
proportions, token stripping. models/vader_fast.py calls them per text."""

from __future__ import annotations

import math
import re
import string

ALPHA = 15  # normalize()'s default alpha (an int, as in the stock code)
_PUNCTUATION = string.punctuation
_ELLIPSIS = re.compile(r"\.{2,}")
_UC_PUNCTUATION = ("?", "!", ".", ",", ";")


def strip_punc_if_word(token: str) -> str:
    stripped = token.strip(_PUNCTUATION)
    if len(stripped) <= 2:
        return token
    return stripped


def normalize(score: float) -> float:
    norm_score = score / math.sqrt((score * score) + ALPHA)
    if norm_score < -1.0:
        return -1.0
    elif norm_score > 1.0:
        return 1.0
    else:
        return norm_score


def amplify_ep(text: str) -> float:
    ep_count = text.count("!")
    if ep_count > 4:
        ep_count = 4
    return ep_count * 0.292


def amplify_qm(text: str) -> float:
    qm_count = text.count("?")
    qm_amplifier: float = 0.0
    if qm_count > 1:
        qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
    return qm_amplifier


def proportions(sentiments: list[float], sum_punct: float) -> tuple[float, float, float]:
    """(neg, neu, pos) before rounding, as the stock score_valence computes them."""
    pos_sum = 0.0
    neg_sum = 0.0
    neu_count = 0
    for sentiment_score in sentiments:
        if sentiment_score > 0:
            pos_sum += float(sentiment_score) + 1
        if sentiment_score < 0:
            neg_sum += float(sentiment_score) - 1
        if sentiment_score == 0:
            neu_count += 1
    if pos_sum > math.fabs(neg_sum):
        pos_sum += sum_punct
    elif pos_sum < math.fabs(neg_sum):
        neg_sum -= sum_punct
    total = pos_sum + math.fabs(neg_sum) + neu_count
    return math.fabs(neg_sum / total), math.fabs(neu_count / total), math.fabs(pos_sum / total)


def amplify_sp(text: str) -> float:
    if ".." not in text:
        return 0.0
    sp_count = len("".join(_ELLIPSIS.findall(text)))
    sp_coeff = 0.21
    if sp_count in (1, 0):
        return 0.0
    if sp_count in (2, 3):
        return 0.21
    if sp_count <= 6:
        return (sp_count - 2) * sp_coeff
    sp_count = 6
    return (sp_count - 2) * sp_coeff


def amplify_uc(text: str) -> float:
    """Words (punctuation removed, split on spaces, longer than one character) with no lowercase
    character after their first, counted up to five, as the French port's `amplify_uc`."""
    for mark in _UC_PUNCTUATION:
        text = text.replace(mark, "")
    uc_count = 0
    for word in text.split(" "):
        if len(word) > 1:
            tail = word[1:]
            if tail.islower():  # the common case: a cased character, all lowercase
                continue
            if tail.isupper() or not any(character.islower() for character in tail):
                if uc_count > 4:
                    break
                uc_count += 1
    return uc_count * 0.292
