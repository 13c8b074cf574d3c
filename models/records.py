"""The mention contract: decode raw bytes into a validated Mention or say why not."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import orjson

from firestorm.models.timeutil import MAX_TS_MS, MIN_TS_MS, TimestampError, parse_ts

MAX_MESSAGE_BYTES = 256 * 1024
MAX_TEXT_CHARS = 10_000
MAX_FIELD_CHARS = 2_048
# More than any account has; bounds reach sums so state and alerts stay within 64-bit JSON integers.
MAX_FOLLOWERS = 10**10


class DecodeError(ValueError):
    """A mention that breaks the contract; `reason` is a short stable slug for counting."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    followers: int = 0


@dataclass(frozen=True, slots=True)
class Mention:
    """One post that names a watched entity, as the contract defines it."""

    id: str
    entity: str
    ts_ms: int
    text: str
    lang: str | None = None
    author: Author | None = None
    source: str | None = None
    url: str | None = None
    repost_of: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


_KNOWN = {"id", "entity", "ts", "text", "lang", "author", "source", "url", "repost_of"}


def _required_str(obj: dict[str, Any], name: str, limit: int = MAX_FIELD_CHARS) -> str:
    if name not in obj or obj[name] is None:
        raise DecodeError("missing_field", f"required field {name!r} is missing")
    value = obj[name]
    if not isinstance(value, str):
        raise DecodeError("bad_type", f"field {name!r} must be a string, got {type(value).__name__}")
    if len(value) > limit:
        raise DecodeError("too_large", f"field {name!r} has {len(value)} chars (limit {limit})")
    return value


def _optional_str(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DecodeError("bad_type", f"field {name!r} must be a string, got {type(value).__name__}")
    if len(value) > MAX_FIELD_CHARS:
        raise DecodeError("too_large", f"field {name!r} has {len(value)} chars (limit {MAX_FIELD_CHARS})")
    return value


def _author(value: Any) -> Author | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DecodeError("bad_type", "field 'author' must be an object {id, followers}")
    author_id = value.get("id")
    if isinstance(author_id, int) and not isinstance(author_id, bool):
        author_id = str(author_id)
    if not isinstance(author_id, str) or not author_id:
        raise DecodeError("bad_type", "field 'author.id' must be a non-empty string")
    followers = value.get("followers", 0)
    if followers is None:
        followers = 0
    if isinstance(followers, float) and math.isfinite(followers) and followers.is_integer():
        followers = int(followers)
    if isinstance(followers, bool) or not isinstance(followers, int) or followers < 0:
        raise DecodeError("bad_type", "field 'author.followers' must be a non-negative integer")
    if followers > MAX_FOLLOWERS:
        raise DecodeError("bad_type", f"field 'author.followers' is over {MAX_FOLLOWERS:,}")
    return Author(id=author_id[:MAX_FIELD_CHARS], followers=followers)


def _language_tag(lang: str | None) -> str | None:
    """The primary subtag of a language tag ('fr-CA' -> 'fr'); 'und' or empty means unknown."""
    if not lang:
        return None
    primary = lang.strip().lower().replace("_", "-").split("-")[0]
    return None if primary in ("", "und", "zxx") else primary


def normalize_entity(entity: str) -> str:
    """Entities are lowercase slugs; surrounding space and case are not meaningful."""
    return entity.strip().lower()


def _fits(value: Any) -> bool:
    """An optional string field that needs no checking beyond this: absent or a short str."""
    return value is None or (type(value) is str and len(value) <= MAX_FIELD_CHARS)


def _plain_mention(obj: dict[str, Any]) -> Mention | None:
    """The usual well-formed mention (known fields, exact JSON types, nothing to convert), built
    without the field-by-field checks; None for anything else, which the full checks then judge
    (and name what is wrong). Only ever returns what the full checks would."""
    mention_id, entity, ts, text = obj.get("id"), obj.get("entity"), obj.get("ts"), obj.get("text")
    if not (type(mention_id) is str and type(entity) is str and type(ts) is int and type(text) is str):
        return None
    if not (0 < len(mention_id) <= MAX_FIELD_CHARS and len(entity) <= 200 and len(text) <= MAX_TEXT_CHARS):
        return None
    lang, source, url, repost_of = obj.get("lang"), obj.get("source"), obj.get("url"), obj.get("repost_of")
    entity = normalize_entity(entity)
    if not entity or not MIN_TS_MS <= ts < MAX_TS_MS or not obj.keys() <= _KNOWN:
        return None
    if not (_fits(lang) and _fits(source) and _fits(url) and _fits(repost_of)):
        return None
    author = obj.get("author")
    if author is not None:
        if type(author) is not dict:
            return None
        author_id, followers = author.get("id"), author.get("followers")
        if type(author_id) is not str or not author_id or type(followers) is not int:
            return None
        if not 0 <= followers <= MAX_FOLLOWERS:
            return None
        author = Author(id=author_id[:MAX_FIELD_CHARS], followers=followers)
    return Mention(mention_id, entity, ts, text, _language_tag(lang), author, source, url, repost_of, {})


def mention_from_obj(obj: Any) -> Mention:
    """Validate a decoded JSON object against the mention contract."""
    if type(obj) is dict:
        plain = _plain_mention(obj)
        if plain is not None:
            return plain
    return _checked_mention(obj)


def _checked_mention(obj: Any) -> Mention:
    """Every rule of the contract, field by field, each failure with its own reason."""
    if not isinstance(obj, dict):
        raise DecodeError("not_object", f"a mention must be a JSON object, got {type(obj).__name__}")
    mention_id = _required_str(obj, "id")
    if not mention_id:
        raise DecodeError("missing_field", "field 'id' is empty")
    entity = normalize_entity(_required_str(obj, "entity", limit=200))
    if not entity:
        raise DecodeError("missing_field", "field 'entity' is empty")
    if "ts" not in obj or obj["ts"] is None:
        raise DecodeError("missing_field", "required field 'ts' is missing")
    try:
        ts_ms = parse_ts(obj["ts"])
    except TimestampError as exc:
        raise DecodeError("bad_timestamp", str(exc)) from exc
    text = _required_str(obj, "text", limit=MAX_TEXT_CHARS)
    lang = _optional_str(obj, "lang")
    return Mention(
        id=mention_id,
        entity=entity,
        ts_ms=ts_ms,
        text=text,
        lang=_language_tag(lang),
        author=_author(obj.get("author")),
        source=_optional_str(obj, "source"),
        url=_optional_str(obj, "url"),
        repost_of=_optional_str(obj, "repost_of"),
        extra={k: v for k, v in obj.items() if k not in _KNOWN},
    )


def mention_to_obj(mention: Mention) -> dict[str, Any]:
    """The contract's JSON object for a Mention: `mention_from_obj` gives the same Mention back
    (an engine keeps mentions it holds aside this way in its changelogged state)."""
    obj: dict[str, Any] = {**mention.extra, "id": mention.id, "entity": mention.entity, "ts": mention.ts_ms}
    obj["text"] = mention.text
    optional = {"lang": mention.lang, "source": mention.source, "url": mention.url, "repost_of": mention.repost_of}
    obj.update({k: v for k, v in optional.items() if v is not None})
    if mention.author is not None:
        obj["author"] = {"id": mention.author.id, "followers": mention.author.followers}
    return obj


def decode_mention(raw: bytes | str) -> Mention:
    """Decode one Kafka message value (UTF-8 JSON) into a Mention or raise DecodeError."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="surrogatepass")
    if not raw:
        raise DecodeError("empty", "empty message")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise DecodeError("too_large", f"message has {len(raw)} bytes (limit {MAX_MESSAGE_BYTES})")
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = "invalid_utf8" if "utf-8" in str(exc).lower() else "not_json"
        raise DecodeError(reason, str(exc)[:200]) from exc
    return mention_from_obj(obj)
