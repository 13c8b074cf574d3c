"""The narratives as people read them: texts shortened to a line, the top narrative in one line
(the replay timeline, the sinks, the reports). No grouping here: see narrative_groups.py."""

from __future__ import annotations

from typing import Any

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


def top_narrative_line(narratives: list[dict[str, Any]] | None, limit: int = 160) -> str | None:
    """'top narrative "label" (42% of posts, 80% negative): "text" <url>' or None (an alert's
    drivers.narratives)."""
    if not isinstance(narratives, list) or not narratives or not isinstance(narratives[0], dict):
        return None
    top = narratives[0]
    share = top.get("share")
    negative = top.get("negative_share")
    figures = [f"{share:.0%} of posts" if isinstance(share, int | float) else None]
    if isinstance(negative, int | float):
        figures.append(f"{negative:.0%} negative")
    head = f'top narrative "{top.get("label", "")}" ({", ".join(f for f in figures if f)})'
    examples = top.get("examples")
    if isinstance(examples, list) and examples and isinstance(examples[0], dict):
        example = examples[0]
        head += f': "{shorten(str(example.get("text", "")), limit)}"'
        if example.get("url"):
            head += f" {example['url']}"
    return head
