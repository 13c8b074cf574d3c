from __future__ import annotations

import orjson
import pytest

from firestorm.models.records import (
    MAX_FIELD_CHARS,
    MAX_MESSAGE_BYTES,
    MAX_TEXT_CHARS,
    Author,
    DecodeError,
    decode_mention,
    mention_from_obj,
    normalize_entity,
)
from tests.models.builders import DROP, mention_bytes, mention_obj


def reason_of(raw: bytes | str) -> str:
    with pytest.raises(DecodeError) as info:
        decode_mention(raw)
    assert str(info.value).startswith(info.value.reason + ": ")
    assert info.value.detail
    return info.value.reason


class TestValid:
    def test_full_mention(self) -> None:
        m = decode_mention(mention_bytes(repost_of="x:0"))
        assert m.id == "x:1"
        assert m.entity == "acme"
        assert m.ts_ms == 1_772_409_610_000
        assert m.text == "Flying acme again next week"
        assert m.lang == "en"
        assert m.author == Author(id="alice", followers=120)
        assert m.source == "x"
        assert m.url == "https://x.com/alice/status/1"
        assert m.repost_of == "x:0"
        assert m.extra == {}

    def test_minimal_mention(self) -> None:
        m = decode_mention(mention_bytes(lang=DROP, author=DROP, source=DROP, url=DROP))
        assert (m.lang, m.author, m.source, m.url, m.repost_of) == (None, None, None, None, None)

    def test_str_input_and_integer_ts(self) -> None:
        m = decode_mention(orjson.dumps(mention_obj(ts=1_772_409_610_123)).decode())
        assert m.ts_ms == 1_772_409_610_123

    def test_empty_text_is_allowed_for_reposts(self) -> None:
        assert decode_mention(mention_bytes(text="", repost_of="x:0")).text == ""

    def test_null_optionals_are_absent(self) -> None:
        m = decode_mention(mention_bytes(lang=None, author=None, source=None, url=None, repost_of=None))
        assert (m.lang, m.author, m.source, m.url, m.repost_of) == (None, None, None, None, None)

    def test_unknown_fields_are_kept_in_extra(self) -> None:
        m = decode_mention(mention_bytes(likes=12, geo={"lat": 1.5}, campaign="spring"))
        assert m.extra == {"likes": 12, "geo": {"lat": 1.5}, "campaign": "spring"}
        assert "id" not in m.extra and "ts" not in m.extra

    def test_extra_does_not_affect_equality(self) -> None:
        assert decode_mention(mention_bytes(likes=1)) == decode_mention(mention_bytes(likes=2))

    @pytest.mark.parametrize(
        ("raw", "slug"), [("  AcMe ", "acme"), ("SKYWAY", "skyway"), ("maison-lait", "maison-lait")]
    )
    def test_entity_normalised(self, raw: str, slug: str) -> None:
        assert decode_mention(mention_bytes(entity=raw)).entity == slug
        assert normalize_entity(raw) == slug

    @pytest.mark.parametrize(
        ("lang", "expected"),
        [("en", "en"), ("EN", "en"), (" fr ", "fr"), ("en-US", "en"), ("fr_CA", "fr"), ("", None), ("   ", None)],
    )
    def test_lang_normalised(self, lang: str, expected: str | None) -> None:
        assert decode_mention(mention_bytes(lang=lang)).lang == expected

    def test_undetermined_lang_is_not_mangled(self) -> None:
        # Platforms send "und" for an undetermined language; truncating to "un" invents a code.
        assert decode_mention(mention_bytes(lang="und")).lang in (None, "und")


class TestAuthor:
    def test_integer_id_becomes_string(self) -> None:
        assert decode_mention(mention_bytes(author={"id": 12345, "followers": 3})).author == Author("12345", 3)

    def test_integral_float_followers(self) -> None:
        assert decode_mention(mention_bytes(author={"id": "a", "followers": 1500.0})).author == Author("a", 1500)

    @pytest.mark.parametrize("followers", [None, DROP])
    def test_missing_followers_default_to_zero(self, followers: object) -> None:
        author = {"id": "a"} if followers is DROP else {"id": "a", "followers": followers}
        assert decode_mention(mention_bytes(author=author)).author == Author("a", 0)

    @pytest.mark.parametrize(
        "author",
        [
            "alice",
            ["alice", 3],
            {"followers": 3},
            {"id": "", "followers": 3},
            {"id": True, "followers": 3},
            {"id": 1.5, "followers": 3},
            {"id": "a", "followers": 1.5},
            {"id": "a", "followers": -1},
            {"id": "a", "followers": "100"},
            {"id": "a", "followers": True},
        ],
    )
    def test_bad_author(self, author: object) -> None:
        assert reason_of(mention_bytes(author=author)) == "bad_type"

    @pytest.mark.parametrize("followers", [float("inf"), float("nan")])
    def test_non_finite_followers(self, followers: float) -> None:
        # JSON has no infinity or NaN: go through the object validator directly.
        with pytest.raises(DecodeError) as info:
            mention_from_obj(mention_obj(author={"id": "a", "followers": followers}))
        assert info.value.reason == "bad_type"

    def test_long_author_id_is_truncated(self) -> None:
        author = decode_mention(mention_bytes(author={"id": "a" * 5000, "followers": 1})).author
        assert author is not None and len(author.id) == MAX_FIELD_CHARS


class TestDecodeErrors:
    @pytest.mark.parametrize("raw", [b"{not json", b'{"id": 1', b"nope", b"  ", b'{"id":"a"} trailing'])
    def test_not_json(self, raw: bytes) -> None:
        assert reason_of(raw) == "not_json"

    @pytest.mark.parametrize(
        "raw",
        [
            b"\xff\xfe\x00",
            mention_bytes()[:-2] + b'\xc3\x28"}',  # broken two-byte sequence inside a string
            mention_bytes(text="caf\u00e9").replace("\u00e9".encode(), b"\xe9"),  # latin-1 byte
        ],
    )
    def test_invalid_utf8(self, raw: bytes) -> None:
        assert reason_of(raw) == "invalid_utf8"

    def test_lone_surrogate_in_str_is_invalid_utf8(self) -> None:
        assert reason_of('{"id": "\udcff"}') == "invalid_utf8"

    @pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"42", b"null", b"true"])
    def test_not_object(self, raw: bytes) -> None:
        assert reason_of(raw) == "not_object"

    @pytest.mark.parametrize("field", ["id", "entity", "ts", "text"])
    def test_missing_field(self, field: str) -> None:
        assert reason_of(mention_bytes(**{field: DROP})) == "missing_field"

    @pytest.mark.parametrize("field", ["id", "entity", "ts", "text"])
    def test_null_required_field_is_missing(self, field: str) -> None:
        assert reason_of(mention_bytes(**{field: None})) == "missing_field"

    @pytest.mark.parametrize(("field", "value"), [("id", ""), ("entity", ""), ("entity", "   ")])
    def test_empty_id_or_entity_is_missing(self, field: str, value: str) -> None:
        assert reason_of(mention_bytes(**{field: value})) == "missing_field"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("id", 17),
            ("entity", ["acme"]),
            ("text", 3.5),
            ("text", {"body": "x"}),
            ("lang", 1),
            ("source", True),
            ("url", ["https://x.com"]),
            ("repost_of", 99),
        ],
    )
    def test_bad_type(self, field: str, value: object) -> None:
        assert reason_of(mention_bytes(**{field: value})) == "bad_type"

    @pytest.mark.parametrize(
        "ts", ["2026-03-02T00:00:10", "not a date", 1_772_409_610, 1.7e12, True, "1999-01-01T00:00:00Z", [1]]
    )
    def test_bad_timestamp(self, ts: object) -> None:
        assert reason_of(mention_bytes(ts=ts)) == "bad_timestamp"

    def test_text_limit(self) -> None:
        assert decode_mention(mention_bytes(text="a" * MAX_TEXT_CHARS)).text == "a" * MAX_TEXT_CHARS
        assert reason_of(mention_bytes(text="a" * (MAX_TEXT_CHARS + 1))) == "too_large"

    @pytest.mark.parametrize("field", ["id", "source", "url", "repost_of"])
    def test_field_limit(self, field: str) -> None:
        assert reason_of(mention_bytes(**{field: "a" * (MAX_FIELD_CHARS + 1)})) == "too_large"

    def test_entity_limit(self) -> None:
        assert reason_of(mention_bytes(entity="a" * 201)) == "too_large"

    def test_message_limit(self) -> None:
        raw = mention_bytes(padding="x" * MAX_MESSAGE_BYTES)
        assert len(raw) > MAX_MESSAGE_BYTES
        assert reason_of(raw) == "too_large"

    @pytest.mark.parametrize("raw", [b"", ""])
    def test_empty(self, raw: bytes | str) -> None:
        assert reason_of(raw) == "empty"

    def test_first_problem_wins_in_a_stable_order(self) -> None:
        # id is checked before ts: a record broken twice reports the same reason every time.
        raw = mention_bytes(id=DROP, ts="garbage")
        assert reason_of(raw) == "missing_field"
