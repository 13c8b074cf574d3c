"""The narratives as people read them: texts shortened to a line, the top narrative in one line
(the replay timeline, the sinks, the reports). No grouping here: see narrative_groups.py."""

from __future__ import annotations

from firestorm.models.alerts import NarrativeSummary

SHOWN_TEXT_CHARS = 200  # representative texts in alerts


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut at a word with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "\u2026"


def top_narrative_line(narratives: list[NarrativeSummary] | None, limit: int = 160) -> str | None:
    """'top narrative "label" (42% of posts, 80% negative): "text" <url>' or None (an alert's
    drivers.narratives)."""
    if not narratives:
        return None
    top = narratives[0]
    negative = top["negative_share"]
    figures = f"{top['share']:.0%} of posts" + ("" if negative is None else f", {negative:.0%} negative")
    head = f'top narrative "{top["label"]}" ({figures})'
    for example in top["examples"][:1]:
        head += f': "{shorten(example["text"], limit)}"'
        if example["url"]:
            head += f" {example['url']}"
    return head
