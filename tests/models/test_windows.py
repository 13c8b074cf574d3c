from __future__ import annotations

import re
import zlib

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firestorm.models import windows
from firestorm.models.text import PieceMemo, terms_of
from firestorm.models.windows import (
    MAX_SAMPLES,
    TOP_K,
    WindowAccumulator,
    WindowStats,
    _top,
    content_key,
    empty_window,
    window_start,
)
from tests.models.builders import MINUTE, T0, make_mention, sentiment


def filled() -> WindowAccumulator:
    acc = WindowAccumulator(start_ms=T0)
    acc.add(make_mention("m1", text="refund refund delayed #fail", author=("alice", 100), url="u1"), sentiment(-0.6))
    acc.add(make_mention("m2", text="delayed again, refund please", author=("bob", 10), url="u2"), sentiment(-0.2))
    acc.add(make_mention("m3", text="lovely crew #fail", author=("alice", 150), url="u3"), sentiment(0.5))
    acc.add(make_mention("m4", text="delayed", author=None, repost_of="m1"), sentiment(0.0))
    acc.add(make_mention("m5", text="Das ist schlecht", lang=None, author=("carol", 7)), sentiment(None, "de"))
    return acc


def test_window_start_alignment() -> None:
    assert window_start(T0, MINUTE) == T0
    assert window_start(T0 + 59_999, MINUTE) == T0
    assert window_start(T0 + 60_000, MINUTE) == T0 + MINUTE
    assert window_start(T0 + 7 * MINUTE + 5, 5 * MINUTE) == T0 + 5 * MINUTE


def test_close_stats() -> None:
    stats = filled().close("acme", MINUTE)
    assert (stats.entity, stats.start_ms, stats.end_ms) == ("acme", T0, T0 + MINUTE)
    assert stats.count == 5
    assert stats.scored == 4
    assert stats.negative == 2
    assert stats.positive == 1
    assert stats.negative_share == pytest.approx(0.5)
    assert stats.mean_compound == pytest.approx((-0.6 - 0.2 + 0.5 + 0.0) / 4)
    assert stats.reach == 100 + 10 + 150 + 7  # every mention's followers, reposts included
    assert stats.unique_authors == 3
    assert stats.top_authors == (("alice", 150), ("bob", 10), ("carol", 7))  # max followers per author
    assert stats.reposts == 1
    assert stats.languages == (("en", 4), ("de", 1))


def test_top_terms_ordering() -> None:
    stats = filled().close("acme", MINUTE)
    # by count descending, then alphabetically; a term counts once per mention
    # ("again" is a stopword)
    assert stats.top_terms[:5] == (("delayed", 3), ("refund", 2), ("crew", 1), ("das", 1), ("ist", 1))
    assert len(stats.top_terms) == min(TOP_K, 8)  # 8 distinct terms in all
    assert stats.top_hashtags == (("#fail", 2),)


def test_top_terms_are_capped() -> None:
    acc = WindowAccumulator(start_ms=T0)
    for i in range(TOP_K + 3):
        acc.add(make_mention(f"m{i}", text=f"word{chr(97 + i)}xx"), sentiment())
    assert len(acc.close("acme", MINUTE).top_terms) == TOP_K


def test_samples_limit_and_reposts_excluded() -> None:
    acc = WindowAccumulator(start_ms=T0)
    acc.add(make_mention("r0", repost_of="orig", url="ru"), sentiment())
    for i in range(MAX_SAMPLES + 3):
        acc.add(make_mention(f"m{i}", url=f"https://x.com/{i}"), sentiment())
    stats = acc.close("acme", MINUTE)
    assert stats.samples == tuple((f"m{i}", f"https://x.com/{i}") for i in range(MAX_SAMPLES))
    assert stats.reposts == 1
    assert stats.count == MAX_SAMPLES + 4


def test_positive_threshold_and_unscored() -> None:
    acc = WindowAccumulator(start_ms=T0)
    for i, compound in enumerate((0.05, 0.049, -0.049, -0.05, None)):
        acc.add(make_mention(f"m{i}"), sentiment(compound))
    stats = acc.close("acme", MINUTE)
    assert (stats.scored, stats.positive, stats.negative) == (4, 1, 1)


def test_no_scored_mentions() -> None:
    acc = WindowAccumulator(start_ms=T0)
    acc.add(make_mention("m1"), sentiment(None, "und"))
    stats = acc.close("acme", MINUTE)
    assert (stats.negative_share, stats.mean_compound) == (0.0, 0.0)


def test_empty_window() -> None:
    stats = empty_window("acme", T0, MINUTE)
    assert stats == WindowStats(entity="acme", start_ms=T0, end_ms=T0 + MINUTE)
    assert stats.count == 0 and stats.negative_share == 0.0
    assert WindowAccumulator(start_ms=T0).close("acme", MINUTE) == stats


def test_round_trip_through_json() -> None:
    acc = filled()
    data = orjson.loads(orjson.dumps(acc.to_dict()))
    restored = WindowAccumulator.from_dict(data)
    assert restored == acc
    assert restored.close("acme", MINUTE) == acc.close("acme", MINUTE)
    # and it keeps accumulating the same way
    for target in (acc, restored):
        target.add(make_mention("m9", text="refund now", author=("dave", 1)), sentiment(-0.9))
    assert restored.close("acme", MINUTE) == acc.close("acme", MINUTE)


def test_round_trip_of_an_empty_accumulator() -> None:
    acc = WindowAccumulator(start_ms=T0)
    assert WindowAccumulator.from_dict(orjson.loads(orjson.dumps(acc.to_dict()))) == acc


# The fast paths of content_key and _top must give exactly what the plain definitions give:
# content_key values live in the changelogged window state, and top terms in alerts.
_PLAIN_NOISE = re.compile(r"https?://\S+|[@#]?\W+")
_PIECES = [*"aAbé É1_ @#:/.-'\u2019\t\xa0\x1c\u2028😡", "http", "https://x.y/z", "HTTP://Q", "www."]
_POST_TEXT = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


def plain_content_key(text: str) -> int:
    return zlib.crc32(_PLAIN_NOISE.sub(" ", text.lower()).strip().encode("utf-8", "surrogatepass"))


@given(_POST_TEXT)
def test_content_key_equals_its_plain_definition(text: str) -> None:
    assert content_key(text) == plain_content_key(text)


def test_content_key_memo_starts_over_when_full_and_skips_long_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(windows, "_WORDS", PieceMemo(windows._words, max_entries=2))
    assert content_key("Refund NOW!! @acme #fail") == plain_content_key("Refund NOW!! @acme #fail")
    assert len(windows._WORDS) <= 2
    long_piece = "-".join(["refund", "late", "#fail"] * 10)
    assert content_key(long_piece) == plain_content_key(long_piece)
    assert long_piece not in windows._WORDS


def test_content_key_treats_copies_as_one_text() -> None:
    assert content_key("Refund NOW!! @acme #fail") == content_key("refund now @acme fail")
    assert content_key("see https://a.b/c refund") == content_key("SEE http://x.y/z refund!")  # another link
    assert content_key("refund now") != content_key("refund later")


@given(st.dictionaries(st.text(alphabet="abcde", min_size=1, max_size=3), st.integers(1, 6)), st.integers(1, 12))
def test_top_equals_a_full_sort(counts: dict[str, int], k: int) -> None:
    assert _top(counts, k) == tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k])


def test_terms_leave_out_the_entity_own_name_and_french_filler_words() -> None:
    acc = WindowAccumulator(start_ms=0)
    for i, text in enumerate(
        ["Maison Lait: rappel du lait depuis cette année #maisonlait", "Chez maison-lait, rappel encore"]
    ):
        acc.add(make_mention(id=f"m{i}", entity="maison-lait", text=text, lang="fr"), sentiment(-0.5, "fr"))
    stats = acc.close("maison-lait", MINUTE)
    terms = dict(stats.top_terms)
    assert terms.get("rappel") == 2
    assert not {"maison", "lait", "maison-lait", "depuis", "chez", "année", "encore"} & terms.keys()
    assert stats.top_hashtags == ()


@given(_POST_TEXT)
def test_key_and_terms_equal_content_key_and_terms_of(text: str) -> None:
    """One lower-casing and split for both gives what each gives on its own (links, www., typographic
    apostrophes, hashtags and handles included)."""
    assert windows.key_and_terms(text) == (content_key(text), *terms_of(text))


def test_key_and_terms_of_a_post_with_apostrophes_handles_and_tags() -> None:
    text = "L\u2019avion d'Air   #Retard @Acme_Help: aujourd\u2019hui\tencore   www.x.fr"
    for post in (text, text.replace("www.x.fr", ""), "Don\u2019t FLY #skyway @skyway_help now!"):
        assert windows.key_and_terms(post) == (content_key(post), *terms_of(post))
    key, terms, hashtags = windows.key_and_terms("Don\u2019t FLY #skyway @skyway_help now!")
    assert (key, terms, hashtags) == (content_key("don't fly skyway skyway_help now"), {"fly"}, {"#skyway"})
