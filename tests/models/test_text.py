from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firestorm.models import text
from firestorm.models.text import terms_of


def test_terms_and_hashtags() -> None:
    terms, tags = terms_of("Stuck at the gate for 5 hours, this is a disgrace #SkywayFail #delays")
    assert terms == {"stuck", "gate", "hours", "disgrace"}
    assert tags == {"#skywayfail", "#delays"}


def test_terms_are_distinct_and_lowercased() -> None:
    terms, _ = terms_of("Refund REFUND refund! Refund?")
    assert terms == {"refund"}


def test_urls_are_dropped() -> None:
    terms, tags = terms_of("read https://news.example/skyway-outage-live?x=1 and www.example.com/page now")
    assert terms == {"read"}
    assert tags == set()


def test_handles_are_dropped() -> None:
    terms, _ = terms_of("@skyway @coffee_and_miles lost my luggage")
    assert terms == {"lost", "luggage"}


def test_stopwords_short_tokens_and_numbers_are_dropped() -> None:
    terms, _ = terms_of("it is so bad and we are on a 2026 trip to go")
    assert terms == {"bad", "trip"}


def test_french_stopwords_and_elision() -> None:
    terms, tags = terms_of("C'est un scandale, l'usine de la marque a été fermée #boycott")
    assert terms == {"scandale", "usine", "marque", "fermée"}
    assert tags == {"#boycott"}


@pytest.mark.parametrize("apostrophe", ["'", "\u2019"])
def test_typographic_apostrophes_behave_like_plain_ones(apostrophe: str) -> None:
    terms, _ = terms_of(f"I can{apostrophe}t believe it{apostrophe}s so late, don{apostrophe}t fly")
    assert terms == {"believe", "late", "fly"}


def test_single_character_hashtag_is_dropped() -> None:
    assert terms_of("#a #ab")[1] == {"#ab"}


def test_empty_text() -> None:
    assert terms_of("") == (set(), set())


# terms_of remembers what each token contributes; it must give exactly what the plain
# token-by-token definition gives (top terms end up in alerts and in the detector's state).
_PLAIN_ELISION = re.compile(r"^(?:[cdjlmnst]|qu)['\u2019]")
_PIECES = [*"aAbcdélqu É19_ @#:/.-'\u2019\t\xa0\x1c\u2028😡", "http", "https://x.y/z", "www."]
_PIECES += [" the", " it's", " qu'elle", " l\u2019usine", " 2026"]
_POST_TEXT = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


def plain_terms_of(post: str) -> tuple[set[str], set[str]]:
    terms: set[str] = set()
    hashtags: set[str] = set()
    lowered = text._URL.sub(" ", post.lower().replace("\u2019", "'"))
    handles = set(text._HANDLE.findall(lowered))
    for token in text._TOKEN.findall(lowered):
        if token.startswith("#"):
            if len(token) > 2:
                hashtags.add(token)
            continue
        token = _PLAIN_ELISION.sub("", token.strip("'\u2019-_"))
        if len(token) < text.MIN_TERM_CHARS or token in text._STOPWORDS or token.isdigit():
            continue
        terms.add(token)
    return terms - handles, hashtags


@given(_POST_TEXT)
def test_terms_of_equals_its_plain_definition(post: str) -> None:
    assert terms_of(post) == plain_terms_of(post)


def test_the_memo_starts_over_when_full_and_skips_long_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text, "_PIECES", text.PieceMemo(text._piece_terms, max_entries=2))
    assert terms_of("refund delayed flights #fail") == ({"refund", "delayed", "flights"}, {"#fail"})
    assert len(text._PIECES) <= 2
    long_piece = ",".join(["refund", "late", "#fail"] * 10)
    assert terms_of(long_piece) == plain_terms_of(long_piece) == ({"refund", "late"}, {"#fail"})
    assert long_piece not in text._PIECES
