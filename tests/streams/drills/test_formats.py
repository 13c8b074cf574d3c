"""Input formats: JSON lines, CSV with a column mapping, X API v2 pages; gzip by content; stdin."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from firestorm.models.records import decode_mention
from firestorm.streams.formats import InputError, InputFile, InputSpec, Rejected, WatchList, parse_csv_map, read_records
from tests.streams.drills.conftest import CSV_MAP, replay_file, to_csv, to_jsonl, to_x_pages

Writer = Callable[[str, bytes], Path]


def records(path: Path | str, spec: InputSpec | None = None, stdin: bytes | None = None) -> tuple[str, list[Any]]:
    source = InputFile(str(path), stdin=io.BytesIO(stdin) if stdin is not None else None)
    with source:
        fmt, recs = read_records(source, spec or InputSpec())
        return fmt, list(recs)


def bad(items: list[Any]) -> list[tuple[int, str, str]]:
    return [(n, r.reason, r.detail) for n, r in items if isinstance(r, Rejected) and r.error]


def good(items: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(n, orjson.loads(r)) for n, r in items if isinstance(r, bytes)]


# --- JSON lines, gzip, stdin -------------------------------------------------------------------


def test_jsonl_lines_pass_through_untouched_with_their_line_numbers(write: Writer) -> None:
    path = write("m.jsonl", b'{"id":"1"}\n\n  \nnot json\n{"id":"2"}\r\n')
    fmt, items = records(path)
    assert fmt == "jsonl"
    assert items == [(1, b'{"id":"1"}'), (4, b"not json"), (5, b'{"id":"2"}')]


def test_gzip_is_detected_by_content_whatever_the_name(write: Writer, incident: list[dict[str, Any]]) -> None:
    data = to_jsonl(incident[:5])
    plain = records(write("a.jsonl", data))
    assert records(write("a.jsonl.gz", data)) == plain
    misnamed = write("b.jsonl", gzip.compress(data))
    assert records(misnamed) == plain


def test_stdin_dash_reads_plain_and_gzip(incident: list[dict[str, Any]]) -> None:
    data = to_jsonl(incident[:3])
    fmt, items = records("-", stdin=gzip.compress(data))
    assert fmt == "jsonl" and [raw for _, raw in items] == data.splitlines()
    assert (
        records("-", stdin=to_csv(incident[:3]), spec=InputSpec(format="csv", csv_map=parse_csv_map(CSV_MAP)))[0]
        == "csv"
    )


def test_truncated_gzip_ends_with_a_reported_record_not_a_crash(write: Writer, incident: list[dict[str, Any]]) -> None:
    blob = gzip.compress(to_jsonl(incident[:200]))
    _fmt, items = records(write("t.jsonl", blob[: len(blob) // 2]))  # gzip by content
    assert isinstance(items[-1][1], Rejected)
    assert items[-1][1].reason == "bad_input" and "past line" in items[-1][1].detail
    assert len(items) > 1


def test_missing_file_is_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match=r"no such input file: nope\.jsonl"):
        InputFile("nope.jsonl")


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_with_a_mapping_gives_contract_mentions(write: Writer, incident: list[dict[str, Any]]) -> None:
    spec = InputSpec(csv_map=parse_csv_map(CSV_MAP))
    fmt, items = records(write("export.csv", to_csv(incident[:20])), spec)
    assert fmt == "csv" and not bad(items)
    first = good(items)[0]
    assert first[0] == 2  # line 1 is the header
    assert first[1] == {k: incident[0][k] for k in ("id", "entity", "ts", "text", "lang", "author")}
    for _, obj in good(items):
        decode_mention(orjson.dumps(obj))  # valid per the contract


def test_csv_default_columns_need_no_mapping_and_epoch_seconds_are_accepted(write: Writer) -> None:
    data = b"id,entity,ts,text,followers,author_id\n1,acme,1772409600,hello,12,bob\n2,acme,1772409600123,hi,,\n"
    _fmt, items = records(write("plain.csv", data))
    assert good(items) == [
        (
            2,
            {
                "id": "1",
                "entity": "acme",
                "ts": 1_772_409_600_000,
                "text": "hello",
                "author": {"id": "bob", "followers": 12},
            },
        ),
        (3, {"id": "2", "entity": "acme", "ts": 1_772_409_600_123, "text": "hi"}),
    ]


def test_csv_bad_rows_are_reported_with_their_line_numbers_and_the_rest_kept(write: Writer) -> None:
    data = (
        b"tweet_id;brand;created_at;body;followers\n"  # semicolons: the delimiter is sniffed
        b'1;acme;2026-03-02T00:00:00Z;"a quoted\ntext on two lines";5\n'  # lines 2-3
        b"2;acme;yesterday;bad time;5\n"  # line 4
        b"3;acme;2026-03-02T00:01:00Z;too;many;fields\n"  # line 5
        b"4;acme;2026-03-02T00:02:00Z;bad followers;lots\n"  # line 6
        b";acme;2026-03-02T00:03:00Z;no id;1\n"  # line 7
        b"6;acme;2026-03-02T00:04:00Z;fine;7\n"  # line 8
    ) + b"7;acme;2026-03-02T00:05:00Z;caf\xe9 latin-1;1\n"  # line 9
    spec = InputSpec(csv_map=parse_csv_map("id=tweet_id,entity=brand,ts=created_at,text=body,followers=followers"))
    _fmt, items = records(write("x.csv", data), spec)
    assert [n for n, _ in good(items)] == [2, 8]
    assert good(items)[0][1]["text"] == "a quoted\ntext on two lines"
    assert [(n, reason) for n, reason, _ in bad(items)] == [
        (4, "bad_timestamp"),
        (5, "bad_row"),
        (6, "bad_type"),
        (7, "missing_field"),
        (9, "invalid_utf8"),
    ]
    assert "6 fields, the header has 5" in bad(items)[1][2]


def test_csv_unterminated_quote_is_reported(write: Writer) -> None:
    data = b'id,entity,ts,text\n1,acme,2026-03-02T00:00:00Z,ok\n2,acme,2026-03-02T00:00:00Z,"never closed\n'
    _fmt, items = records(write("q.csv", data))
    assert [n for n, _ in good(items)] == [2]
    assert bad(items)[0][:2] == (3, "bad_row")


def test_csv_mapping_errors_are_clear(write: Writer, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown mention field 'brand'"):
        parse_csv_map("brand=entity")
    with pytest.raises(InputError, match="want FIELD=COLUMN"):
        parse_csv_map("id=tweet_id,=x")
    path = write("e.csv", b"tweet_id,body\n1,hi\n")
    with pytest.raises(InputError, match="column 'created' \\(for ts\\) is not in the CSV header: tweet_id, body"):
        records(path, InputSpec(csv_map=parse_csv_map("id=tweet_id,ts=created,text=body")))
    with pytest.raises(InputError, match="no column for ts"):
        records(path, InputSpec(csv_map=parse_csv_map("id=tweet_id,text=body")))
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"id": "tweet_id", "author_followers": "f"}))
    assert parse_csv_map(str(mapping)) == {"id": "tweet_id", "author.followers": "f"}
    toml = tmp_path / "map.toml"
    toml.write_text('id = "tweet_id"\ntext = "body"\n')
    assert parse_csv_map(str(toml)) == {"id": "tweet_id", "text": "body"}


def test_csv_without_entity_column_uses_entity_option_or_watch_list(write: Writer) -> None:
    data = b"id,ts,text\n1,2026-03-02T00:00:00Z,Skyway lost my bag\n2,2026-03-02T00:00:01Z,lunch\n"
    path = write("n.csv", data)
    _fmt, items = records(path)
    assert bad(items)[0][1] == "missing_field" and "--entity or --watch" in bad(items)[0][2]
    _fmt, items = records(path, InputSpec(entity="SkyWay"))
    assert [o["entity"] for _, o in good(items)] == ["skyway", "skyway"]
    _fmt, items = records(path, InputSpec(watch=WatchList.parse(["skyway=skyway,@skyway"])))
    assert [o["entity"] for _, o in good(items)] == ["skyway"]
    unmatched = [(n, r) for n, r in items if isinstance(r, Rejected)]
    assert unmatched == [(3, Rejected("no_entity", "names no watched entity", error=False))]


# --- X API v2 ------------------------------------------------------------------------------------

PAGE: dict[str, Any] = {
    "data": [
        {
            "id": "1900000000000000001",
            "text": "@skyway my flight is cancelled, what a mess",
            "created_at": "2026-03-06T07:43:01.000Z",
            "lang": "en",
            "author_id": "111",
            "public_metrics": {"retweet_count": 3, "reply_count": 0, "like_count": 5, "quote_count": 0},
            "edit_history_tweet_ids": ["1900000000000000001"],
        },
        {
            "id": "1900000000000000002",
            "text": "RT @news: Skyway grounds all flights after IT failure (trunc…",
            "created_at": "2026-03-06T07:44:00.000Z",
            "lang": "en",
            "author_id": "222",
            "referenced_tweets": [{"type": "retweeted", "id": "1900000000000000000"}],
        },
        {
            "id": "1900000000000000003",
            "text": "✈️✈️ #skyway",
            "note_tweet": {"text": "A long post about #skyway that goes past 280 characters ..."},
            "created_at": "2026-03-06T07:45:00.000Z",
            "lang": "qme",
            "author_id": "333",
        },
    ],
    "includes": {
        "users": [
            {"id": "111", "username": "traveller", "public_metrics": {"followers_count": 42, "following_count": 1}},
            {"id": "222", "username": "newsfan", "public_metrics": {"followers_count": 7}},
        ],
        "tweets": [{"id": "1900000000000000000", "text": "Skyway grounds all flights after IT failure, full text"}],
    },
    "meta": {"result_count": 3},
}


def test_x_v2_page_maps_the_documented_fields(write: Writer) -> None:
    path = write("search.jsonl", json.dumps(PAGE).encode() + b"\n")
    fmt, items = records(path, InputSpec(entity="skyway"))
    assert fmt == "x-v2" and not bad(items)
    objs = [o for _, o in good(items)]
    assert objs[0] == {
        "id": "x:1900000000000000001",
        "entity": "skyway",
        "ts": "2026-03-06T07:43:01.000Z",
        "text": "@skyway my flight is cancelled, what a mess",
        "lang": "en",
        "author": {"id": "traveller", "followers": 42},
        "source": "x",
        "url": "https://x.com/traveller/status/1900000000000000001",
    }
    assert objs[1]["repost_of"] == "x:1900000000000000000"
    assert objs[1]["text"] == "Skyway grounds all flights after IT failure, full text"  # the original's full text
    assert objs[1]["author"] == {"id": "newsfan", "followers": 7}
    assert objs[2]["text"].startswith("A long post")  # note_tweet
    assert "lang" not in objs[2]  # X's qme (media only) is not a language: detected instead
    assert objs[2]["author"] == {"id": "333", "followers": 0}  # user not expanded
    assert objs[2]["url"] == "https://x.com/i/web/status/1900000000000000003"


def test_x_v2_bad_pages_and_tweets_are_located(write: Writer) -> None:
    broken = {"data": [{"id": "5", "text": "skyway"}, {"text": "no id", "created_at": "2026-03-06T07:00:00Z"},
                       {"id": "7", "text": "skyway", "created_at": "March 6"}]}  # fmt: skip
    lines = [json.dumps(PAGE), "{not json", json.dumps(broken), json.dumps({"meta": {"result_count": 0}}), "[1, 2]"]
    path = write("pages.jsonl", ("\n".join(lines) + "\n").encode())
    fmt, items = records(path, InputSpec(format="x-v2", entity="skyway"))
    assert fmt == "x-v2"
    assert [n for n, _ in good(items)] == [1, 1, 1]
    problems = bad(items)
    assert [(n, reason) for n, reason, _ in problems] == [
        (2, "not_json"),
        (3, "missing_field"),
        (3, "missing_field"),
        (3, "bad_timestamp"),
        (5, "bad_row"),
    ]
    assert problems[1][2].startswith("data[0]: tweet 5 has no 'created_at'")
    assert problems[2][2].startswith("data[1]: tweet has no 'id'")
    assert problems[3][2].startswith("data[2]:")


def test_x_v2_whole_document_and_flattened_tweets(write: Writer) -> None:
    pretty = json.dumps(PAGE, indent=2).encode()
    fmt, items = records(write("page.json", pretty), InputSpec(watch=WatchList.parse(["skyway=skyway,@skyway"])))
    assert fmt == "x-v2" and len(good(items)) == 3 and not bad(items)
    flat = dict(PAGE["data"][0], author={"id": "111", "username": "flat", "public_metrics": {"followers_count": 9}})
    fmt, items = records(write("flat.jsonl", json.dumps(flat).encode() + b"\n"), InputSpec(entity="skyway"))
    assert fmt == "x-v2"
    assert good(items)[0][1]["author"] == {"id": "flat", "followers": 9}


def test_watch_list_maps_a_post_to_every_entity_it_names() -> None:
    watch = WatchList.parse(["skyway=skyway,@skyway", "northbank=north bank,#northbank"])
    assert watch.match("Both @SkyWay and North Bank are down") == ["skyway", "northbank"]
    assert watch.match("skywayfail and northbanking") == []  # whole terms only
    assert watch.match("#northbank is down") == ["northbank"]
    with pytest.raises(InputError):
        WatchList.parse(["no-equals-sign"])


# --- every format gives the same incident --------------------------------------------------------


def test_the_same_incident_alerts_the_same_in_every_format(write: Writer, incident: list[dict[str, Any]]) -> None:
    def timeline(path: Path, spec: InputSpec) -> list[tuple[str, str, str, int]]:
        result = replay_file(path, spec)
        assert result.tally.outcomes["dead_letter"] == 0
        assert result.tally.consumed == len(incident)
        return [(a.status, a.severity, a.detected_at, a.volume) for a in result.alerts]

    expected = timeline(write("i.jsonl", to_jsonl(incident)), InputSpec())
    assert [s for s, *_ in expected] == ["triggered", "resolved"]
    assert timeline(write("i.csv.gz", to_csv(incident)), InputSpec(csv_map=parse_csv_map(CSV_MAP))) == expected
    watch = WatchList.parse(["acme=acme,@acme", "calm=calm"])
    assert timeline(write("i.x.jsonl.gz", to_x_pages(incident)), InputSpec(watch=watch)) == expected
