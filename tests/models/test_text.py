from __future__ import annotations

import pytest

from models.text import terms_of


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
