"""The watch list: parsing the entities file, matching rules, scale, and hot reload."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from firestorm.streams.entity_file import load_entity_file
from firestorm.streams.ingest.watchlist import (
    LiveWatchList,
    Matcher,
    WatchListError,
    fold,
    load_watch_file,
    parse_watch_specs,
    watch_from_table,
)
from tests.streams.ingest.harness import WATCH_TOML, watch_file


@pytest.fixture
def m(tmp_path: Path) -> Matcher:
    return Matcher(load_watch_file(str(watch_file(tmp_path))))


def test_fold_is_case_and_accent_insensitive() -> None:
    assert fold("LUMIÈRE Ça Über") == "lumiere ca uber"
    assert fold("SkyWay") == "skyway"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("SKYWAY lost my bags", "en", ["skyway"]),
        ("#SkyWayFail again", "en", ["skyway"]),
        ("#skyway is trending", None, ["skyway"]),  # a term also matches as a hashtag ...
        ("cc @SkyWay.bsky.social", None, ["skyway"]),  # ... or inside a handle
        ("skyways and skywayers", "en", []),  # whole words only
        ("my_skyway_bot", "en", []),
        ("Lumiere et SkyWay, même combat", "fr", ["lumiere", "skyway"]),  # one post, two entities
        ("la lumière du jour, enfin", "fr", []),  # an exclusion
        ("Lumière app down", "de", []),  # not one of lumiere's languages
        ("Lumière app down", None, ["lumiere"]),  # unknown language passes
        ("Lumière app down", "fr-CA", ["lumiere"]),
        ("", "en", []),
    ],
)
def test_matching_rules(m: Matcher, text: str, lang: str | None, expected: list[str]) -> None:
    assert m.match(text, lang) == expected


def test_the_entities_file_with_a_watch_list_still_serves_the_worker(tmp_path: Path) -> None:
    loaded = load_entity_file(str(watch_file(tmp_path)))
    assert loaded.overrides == {"skyway": {"min_volume": 5.0}}


def test_bad_watch_tables_are_named(tmp_path: Path) -> None:
    path = watch_file(tmp_path, '[watch.skyway]\nterms = "skyway"\nkeywords = ["x"]\n')
    with pytest.raises(WatchListError, match=r"\[watch.skyway\]: unknown keys \['keywords'\]"):
        load_watch_file(str(path))
    with pytest.raises(WatchListError, match="must be a list of strings"):
        watch_from_table("x", {"terms": [1]}, "here")
    with pytest.raises(WatchListError, match="--watch wants ENTITY=TERM"):
        parse_watch_specs(["skyway"])


def test_command_line_entries_split_terms_handles_and_hashtags() -> None:
    (watch,) = parse_watch_specs(["SkyWay=skyway,@skyway.bsky.social,#skywayfail"])
    assert (watch.entity, watch.terms, watch.handles, watch.hashtags) == (
        "skyway",
        ("skyway",),
        ("@skyway.bsky.social",),
        ("#skywayfail",),
    )
    assert parse_watch_specs(["acme="])[0].terms == ("acme",)  # no term: the entity's own name


def test_thousands_of_entities_in_one_automaton() -> None:
    watches = [watch_from_table(f"brand{i}", {"terms": [f"brand{i}", f"Bränd {i} app"]}, "t") for i in range(3000)]
    big = Matcher(watches)
    assert big.size == 6000
    assert big.match("brand17 and BRAND 2999 APP and brand3000 and Bränd 5 app", "en") == [
        "brand17",
        "brand2999",
        "brand5",
    ]


def test_live_watch_list_reloads_on_change_and_keeps_the_old_one_on_error(tmp_path: Path) -> None:
    path = watch_file(tmp_path)
    live = LiveWatchList(str(path), parse_watch_specs(["acme=acme"]))
    assert live.matcher.entities == ("acme", "lumiere", "skyway")
    assert not live.check()
    path.write_text(WATCH_TOML + '\n[watch.nova]\nterms = ["Nova Air"]\n', encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different mtime even within the same clock tick
    assert live.check() and live.reloads == 1
    assert live.matcher.match("nova air and acme") == ["acme", "nova"]
    path.write_text("[watch.nova\n", encoding="utf-8")
    assert not live.check()
    assert live.failures == 1 and live.last_error and "entities.toml" in live.last_error
    assert live.matcher.match("nova air") == ["nova"]  # still the last good list
