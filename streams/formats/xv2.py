"""X (Twitter) API v2 exports mapped to mentions.

Accepts what the search and timeline endpoints return (and what twarc2 writes): one response
page `{"data": [...], "includes": {"users": [...], "tweets": [...]}, "meta": {...}}` per line,
a whole file holding one page (or a list of pages), or one tweet object per line (twarc's
"flattened" form, with the user embedded as `author`). Per tweet:

- `id` -> `x:<id>`; `created_at` -> `ts`; `text` (or `note_tweet.text` for long posts; for a
  retweet, the original's full text when `includes.tweets` has it) -> `text`
- `lang` -> `lang` (X's `und`, `qme`, `zxx`... are left out, so the language is detected)
- `author_id` -> `author.id` (the `username` when `includes.users` has it) and
  `public_metrics.followers_count` of that user -> `author.followers`
- `referenced_tweets` of type `retweeted` -> `repost_of` (`x:<id>`)
- `source` is `x`, `url` is the post's link. The entity comes from `--entity` or `--watch`.

Request `tweet.fields=created_at,lang,author_id,referenced_tweets,note_tweet`,
`expansions=author_id,referenced_tweets.id` and `user.fields=public_metrics,username`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from firestorm.streams.formats.base import BAD_ROW, InputSpec, Record, Rejected, finish

_LANG = re.compile(r"^[a-z]{2}(?:[-_].*)?$")


def is_page(obj: Any) -> bool:
    return isinstance(obj, dict) and ("data" in obj or "includes" in obj or "meta" in obj) and "entity" not in obj


def is_tweet(obj: Any) -> bool:
    return isinstance(obj, dict) and "id" in obj and "created_at" in obj and "ts" not in obj


def _included(page: Mapping[str, Any], kind: str) -> dict[str, Mapping[str, Any]]:
    """The page's `includes.<kind>` (users, tweets) by id; none where the page has no such list."""
    includes = page.get("includes")
    items = includes.get(kind) if isinstance(includes, dict) else None
    if not isinstance(items, list):
        return {}
    return {str(item["id"]): item for item in items if isinstance(item, dict) and "id" in item}


def _full_text(tweet: Mapping[str, Any]) -> Any:
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("text"), str):
        return note["text"]
    return tweet.get("text")


def tweet_to_obj(
    tweet: Any, users: Mapping[str, Mapping[str, Any]], originals: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any] | Rejected:
    """One v2 tweet object as a mention dict without its entity (the caller adds it)."""
    if not isinstance(tweet, dict):
        return Rejected("not_object", f"a tweet must be a JSON object, got {type(tweet).__name__}")
    tweet_id = tweet.get("id")
    if isinstance(tweet_id, int) and not isinstance(tweet_id, bool):
        tweet_id = str(tweet_id)
    if not isinstance(tweet_id, str) or not tweet_id:
        return Rejected("missing_field", "tweet has no 'id'")
    if tweet.get("created_at") is None:
        return Rejected("missing_field", f"tweet {tweet_id} has no 'created_at' (request tweet.fields=created_at)")
    obj: dict[str, Any] = {"id": f"x:{tweet_id}", "ts": tweet["created_at"], "text": _full_text(tweet), "source": "x"}
    repost_of = None
    refs = tweet.get("referenced_tweets")
    if isinstance(refs, list):
        for ref in refs:
            if isinstance(ref, dict) and ref.get("type") == "retweeted" and ref.get("id") is not None:
                repost_of = str(ref["id"])
                break
    if repost_of is not None:
        obj["repost_of"] = f"x:{repost_of}"
        original = originals.get(repost_of)
        if original is not None and isinstance(_full_text(original), str):
            obj["text"] = _full_text(original)
    lang = tweet.get("lang")
    if isinstance(lang, str) and _LANG.match(lang.lower()):
        obj["lang"] = lang.lower()[:2]
    author_id = tweet.get("author_id")
    user: Any = tweet.get("author") if isinstance(tweet.get("author"), dict) else None
    if author_id is not None and user is None:
        user = users.get(str(author_id))
    if user is not None and author_id is None:
        author_id = user.get("id")
    username = user.get("username") if isinstance(user, dict) else None
    if author_id is not None or username:
        metrics = user.get("public_metrics") if isinstance(user, dict) else None
        followers = metrics.get("followers_count", 0) if isinstance(metrics, dict) else 0
        obj["author"] = {"id": str(username or author_id), "followers": followers}
    obj["url"] = f"https://x.com/{username}/status/{tweet_id}" if username else f"https://x.com/i/web/status/{tweet_id}"
    return obj


def page_items(page: Any, spec: InputSpec) -> Iterator[bytes | Rejected]:
    """The mentions of one decoded page, or of one flattened tweet object."""
    if is_tweet(page) and "data" not in page:
        tweets: list[Any] = [page]
        where = ""
    elif isinstance(page, dict) and is_page(page):
        data = page.get("data", [])
        tweets = [data] if isinstance(data, dict) else data if isinstance(data, list) else [None]
        where = "data[{}]: "
    else:
        yield Rejected(BAD_ROW, "not an X API v2 response page or tweet object")
        return
    users = _included(page, "users") if isinstance(page, dict) else {}
    originals = _included(page, "tweets") if isinstance(page, dict) else {}
    for i, tweet in enumerate(tweets):
        label = where.format(i)
        obj = tweet_to_obj(tweet, users, originals)
        if isinstance(obj, Rejected):
            yield Rejected(obj.reason, f"{label}{obj.detail}", obj.error)
            continue
        yield from finish(obj, spec, label)


def read_x_v2(lines: Iterator[tuple[int, bytes]], spec: InputSpec) -> Iterator[Record]:
    """Pages (or tweets) one per line; a file that is one pretty-printed document is read whole."""
    first = True
    for number, raw in lines:
        if not raw.strip():
            continue
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            if first and raw.strip()[:1] in (b"{", b"["):
                rest = b"\n".join([raw, *(line for _, line in lines)])
                yield from _whole_document(rest, spec)
                return
            yield number, Rejected("not_json", str(exc)[:200])
            continue
        first = False
        for item in page_items(doc, spec):
            yield number, item


def _whole_document(blob: bytes, spec: InputSpec) -> Iterator[Record]:
    try:
        doc = orjson.loads(blob)
    except orjson.JSONDecodeError as exc:
        yield 1, Rejected("not_json", f"neither JSON lines nor one JSON document: {str(exc)[:160]}")
        return
    pages = doc if isinstance(doc, list) else [doc]
    for i, page in enumerate(pages):
        for item in page_items(page, spec):
            if isinstance(item, Rejected) and len(pages) > 1:
                item = Rejected(item.reason, f"page {i}: {item.detail}", item.error)
            yield 1, item
