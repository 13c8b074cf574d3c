"""Property-based and fuzz tests of the mention decoder: any bytes are a Mention or a reasoned dead letter.

Hypothesis runs derandomized (the same examples on every run, so CI is reproducible) with a bounded
number of examples; FIRESTORM_FUZZ_EXAMPLES=2000 (for instance) explores more, off CI.
"""

from __future__ import annotations

import base64
import hashlib
import os
import string
from typing import Any

import orjson
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from firestorm.models.records import (
    MAX_FIELD_CHARS,
    MAX_FOLLOWERS,
    MAX_MESSAGE_BYTES,
    MAX_TEXT_CHARS,
    DecodeError,
    Mention,
    _checked_mention,
    _plain_mention,
    decode_mention,
)
from firestorm.models.sentiment import Sentiment
from firestorm.models.timeutil import MAX_TS_MS, MIN_TS_MS
from firestorm.models.windows import WindowAccumulator
from firestorm.streams.kafka.dead_letter import REASON_HEADER, dead_letter_record

REASONS = {"empty", "too_large", "not_json", "invalid_utf8", "not_object", "missing_field", "bad_type", "bad_timestamp"}
EXAMPLES = int(os.environ.get("FIRESTORM_FUZZ_EXAMPLES", "0"))


def fuzz(examples: int) -> Any:
    """Settings for one property: derandomized, no example database, no per-example deadline."""
    return settings(
        max_examples=EXAMPLES or examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


class Raw:
    """A JSON token written as is: NaN, Infinity, 1e400, a 30-digit integer, a lone surrogate escape, bad UTF-8."""

    def __init__(self, token: bytes) -> None:
        self.token = token

    def __repr__(self) -> str:
        return f"Raw({self.token!r})"


def encode(value: Any) -> bytes:
    """JSON text that may hold Raw tokens anywhere (orjson cannot write them)."""
    if isinstance(value, Raw):
        return value.token
    if isinstance(value, dict):
        return b"{" + b",".join(orjson.dumps(str(k)) + b":" + encode(v) for k, v in value.items()) + b"}"
    if isinstance(value, list):
        return b"[" + b",".join(encode(v) for v in value) + b"]"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).encode()  # any size: orjson writes 64-bit integers only
    return orjson.dumps(value)


def check(raw: bytes) -> Mention | DecodeError:
    """The decoder's contract for any input, and the dead-letter record of what it rejects."""
    try:
        mention = decode_mention(raw)
    except DecodeError as exc:
        assert exc.reason in REASONS, exc
        assert exc.detail and len(exc.detail) < 1_000
        value, headers = dead_letter_record(raw, exc, "mentions", 3, 42)
        envelope = orjson.loads(value)
        assert envelope["reason"] == exc.reason and dict(headers)[REASON_HEADER] == exc.reason.encode()
        payload = base64.b64decode(envelope["payload_b64"])
        assert envelope["size"] == len(raw) and envelope["sha256"] == hashlib.sha256(raw).hexdigest()
        if envelope["truncated"]:  # too large to carry whole: a reference and the first bytes
            assert len(raw) > MAX_MESSAGE_BYTES and payload and raw.startswith(payload)
        else:
            assert payload == raw  # the original bytes, exactly
        return exc
    # Anything accepted is within the contract's limits ...
    assert mention.id and len(mention.id) <= MAX_FIELD_CHARS
    assert mention.entity and mention.entity == mention.entity.strip().lower() and len(mention.entity) <= 200
    assert MIN_TS_MS <= mention.ts_ms < MAX_TS_MS
    assert isinstance(mention.text, str) and len(mention.text) <= MAX_TEXT_CHARS
    if mention.author is not None:
        assert mention.author.id and 0 <= mention.author.followers <= MAX_FOLLOWERS
    # ... and can be counted into a window whose state serialises for the changelog.
    acc = WindowAccumulator(start_ms=0)
    acc.add(mention, Sentiment(lang=mention.lang or "und", compound=0.0))
    assert WindowAccumulator.from_dict(orjson.loads(orjson.dumps(acc.to_dict()))).count == 1
    return mention


# ---------------------------------------------------------------------------------------------
# strategies

weird_numbers = st.sampled_from(
    [b"NaN", b"-NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400", b"1e-400", b"9" * 30, b"-" + b"9" * 30, b"0.5"]
).map(Raw)
surrogates = st.sampled_from([b'"\\ud800"', b'"\\udfff x"', b'"a\\ud83d"', b'"\\u0000"', b'"\\ud83d\\ude21"']).map(Raw)
bad_utf8 = st.binary(min_size=1, max_size=8).map(lambda b: Raw(b'"' + b.replace(b'"', b"").replace(b"\\", b"") + b'"'))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    weird_numbers,
    surrogates,
    bad_utf8,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
zones = st.sampled_from(["Z", "+00:00", "+14:00", "-12:00", "+05:30", "-23:59", ""])
iso_ts = st.builds(
    lambda dt, zone: dt.isoformat() + zone,
    st.datetimes(),  # years 1-9999
    zones,
)
epoch_ms = st.one_of(
    st.integers(min_value=MIN_TS_MS - 10**6, max_value=MAX_TS_MS + 10**6),  # around both limits
    st.integers(min_value=-(2**63), max_value=2**63 - 1),  # seconds, microseconds, negatives
)
timestamps = st.one_of(iso_ts, epoch_ms, json_values)
valid_ts = st.integers(min_value=MIN_TS_MS, max_value=MAX_TS_MS - 1)
slug = st.text(alphabet=string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=30)
followers = st.one_of(
    st.integers(min_value=0, max_value=MAX_FOLLOWERS),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False),
    weird_numbers,
    json_values,
)
authors = st.one_of(
    st.none(),
    st.fixed_dictionaries({"id": st.one_of(slug, st.integers(), json_values), "followers": followers}),
    json_values,
)


@st.composite
def mention_objects(draw: st.DrawFn) -> dict[str, Any]:
    """A mention object whose every field may be right, wrong-typed, missing, huge or weird."""
    obj: dict[str, Any] = {}
    fields: dict[str, st.SearchStrategy[Any]] = {
        "id": st.one_of(slug, json_values),
        "entity": st.one_of(slug, st.text(max_size=250), json_values),
        "ts": st.one_of(valid_ts, timestamps),
        "text": st.one_of(st.text(max_size=300), json_values),
        "lang": st.one_of(st.sampled_from(["en", "fr", "fr-CA", "und", "", "EN_us", "zxx"]), json_values),
        "author": authors,
        "source": st.one_of(st.sampled_from(["x", "bluesky", "news"]), json_values),
        "url": st.one_of(st.none(), st.text(max_size=60), json_values),
        "repost_of": st.one_of(st.none(), slug, json_values),
        "extra": json_values,
    }
    for name, strategy in fields.items():
        if draw(st.booleans()) or (name in ("id", "entity", "ts", "text") and draw(st.integers(0, 9)) > 0):
            obj[name] = draw(strategy)
    return obj


# ---------------------------------------------------------------------------------------------
# properties


@fuzz(400)
@given(st.binary(max_size=600))
def test_random_bytes_are_a_mention_or_a_reasoned_dead_letter(raw: bytes) -> None:
    check(raw)


@fuzz(300)
@given(mention_objects())
def test_wrong_types_nan_inf_surrogates_never_crash(obj: dict[str, Any]) -> None:
    check(encode(obj))


@fuzz(150)
@given(mention_objects(), st.integers(min_value=0, max_value=400), st.binary(min_size=1, max_size=6))
def test_invalid_utf8_anywhere_is_dead_lettered(obj: dict[str, Any], where: int, junk: bytes) -> None:
    raw = encode(obj)
    where = min(where, len(raw))
    mutated = raw[:where] + junk + raw[where:]
    try:
        mutated.decode("utf-8")
    except UnicodeDecodeError:
        result = check(mutated)
        assert isinstance(result, DecodeError) and result.reason in ("invalid_utf8", "not_json")
    else:
        check(mutated)


@fuzz(60)
@given(st.integers(min_value=1, max_value=6_000), st.sampled_from([b"[", b'{"a":', b'{"id":[']))
def test_deep_json_is_dead_lettered_not_a_recursion_error(depth: int, opener: bytes) -> None:
    closer = {b"[": b"]", b'{"a":': b"}", b'{"id":[': b"]}"}[opener]
    result = check(opener * depth + b"1" + closer * depth)
    assert isinstance(result, DecodeError)


@fuzz(40)
@given(
    st.integers(min_value=MAX_TEXT_CHARS - 2, max_value=MAX_TEXT_CHARS + 2),
    st.sampled_from(["a", "é", "\U0001f621", " "]),
    st.integers(min_value=MAX_MESSAGE_BYTES - 64, max_value=MAX_MESSAGE_BYTES + 64),
)
def test_enormous_texts_and_messages_hit_the_limits(chars: int, char: str, message_bytes: int) -> None:
    base = {"id": "x:1", "entity": "acme", "ts": "2026-03-02T00:00:10Z"}
    result = check(orjson.dumps({**base, "text": char * chars}))
    assert isinstance(result, Mention) == (chars <= MAX_TEXT_CHARS)
    # A message padded to around the byte limit with an unknown field.
    raw = orjson.dumps({**base, "text": "hi", "pad": ""})
    padded = raw[:-2] + b"x" * (message_bytes - len(raw)) + b'"}'
    assert len(padded) == message_bytes
    result = check(padded)
    assert isinstance(result, Mention) == (message_bytes <= MAX_MESSAGE_BYTES)
    if message_bytes > MAX_MESSAGE_BYTES:
        assert isinstance(result, DecodeError) and result.reason == "too_large"


@fuzz(300)
@given(timestamps)
def test_timestamps_far_in_the_past_or_future_are_bad_timestamps(ts: Any) -> None:
    raw = encode({"id": "x:1", "entity": "acme", "ts": ts, "text": "hi"})
    result = check(raw)
    if isinstance(result, DecodeError):
        assert result.reason in ("bad_timestamp", "not_json", "invalid_utf8", "missing_field")
    else:
        assert MIN_TS_MS <= result.ts_ms < MAX_TS_MS


@fuzz(200)
@given(followers)
def test_follower_counts_stay_within_64_bit_json(value: Any) -> None:
    result = check(
        encode({"id": "x:1", "entity": "acme", "ts": MIN_TS_MS, "text": "", "author": {"id": "a", "followers": value}})
    )
    if isinstance(result, Mention):
        assert result.author is not None
        # Even 10 million such mentions in one window keep the reach sum inside orjson's integers.
        assert result.author.followers * 10_000_000 < 2**63


@fuzz(200)
@given(
    slug,
    st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=30).filter(lambda e: e.strip()),
    valid_ts,
    st.text(max_size=200),
    st.integers(min_value=0, max_value=MAX_FOLLOWERS),
)
def test_valid_mentions_round_trip(mention_id: str, entity: str, ts_ms: int, text: str, count: int) -> None:
    assume(not any(0xD800 <= ord(c) <= 0xDFFF for c in text))
    obj = {"id": mention_id, "entity": entity, "ts": ts_ms, "text": text, "author": {"id": "a", "followers": count}}
    mention = check(orjson.dumps(obj))
    assert isinstance(mention, Mention)
    assert (mention.id, mention.entity, mention.ts_ms, mention.text) == (
        mention_id,
        entity.strip().lower(),
        ts_ms,
        text,
    )
    assert mention.author is not None and mention.author.followers == count


def test_found_by_fuzzing_huge_follower_counts_are_rejected() -> None:
    # 1e300 followers used to be accepted (a float that is an integer), and the window's reach then
    # overflowed orjson's 64-bit integers when the worker wrote its state: a crash, not a dead letter.
    for token in (b"1e300", b"99999999999999999999999999", b"18446744073709551615"):
        raw = (
            b'{"id":"a","entity":"e","ts":"2026-01-01T00:00:00Z","text":"","author":{"id":"x","followers":'
            + token
            + b"}}"
        )
        result = check(raw)
        assert isinstance(result, DecodeError) and result.reason in ("bad_type", "not_json")


# The decoder's fast path for the usual mention must build exactly what the full checks build,
# and leave everything it does not take (a wrong or unusual field) to them.
long_entities = st.sampled_from([" E" * 100, "e" * 200, "e" * 201, "É" * 201])
mostly_valid_objects = st.fixed_dictionaries(
    {
        "id": slug,
        "entity": st.one_of(slug, st.text(max_size=250), long_entities),
        "ts": st.one_of(valid_ts, timestamps),
    },
    optional={
        "text": st.text(max_size=300),
        "lang": st.one_of(st.none(), st.sampled_from(["en", "fr", "fr-CA", "und", "", " EN_us", "zxx"])),
        "author": st.one_of(
            authors, st.fixed_dictionaries({"id": slug}, optional={"followers": followers}), st.just({"id": ""})
        ),
        "source": st.one_of(st.none(), st.text(max_size=MAX_FIELD_CHARS + 2)),
        "url": st.one_of(st.none(), st.text(max_size=60), st.just("u" * (MAX_FIELD_CHARS + 1))),
        "repost_of": st.one_of(st.none(), slug, json_values),
        "extra": json_values,
    },
)


@fuzz(600)
@given(st.one_of(mention_objects(), mostly_valid_objects))
def test_the_usual_mention_fast_path_equals_the_full_checks(obj: dict[str, Any]) -> None:
    try:
        decoded = orjson.loads(encode(obj))
    except orjson.JSONDecodeError:
        return
    plain = _plain_mention(decoded) if type(decoded) is dict else None
    try:
        full = _checked_mention(decoded)
    except DecodeError:
        assert plain is None
        return
    if plain is not None:
        assert plain == full and plain.extra == full.extra
        assert repr((plain.ts_ms, plain.author)) == repr((full.ts_ms, full.author))  # the same types too
