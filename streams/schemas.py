"""The JSON schemas of the records firestorm writes for others: the alert event and the dead letters.

Generated from the code (models/alerts.py `Alert`, streams/kafka/dead_letter.py `DeadLetter` for the
worker's, streams/notifier/dead_letter.py `NotifierDeadLetter` for the notifier's), so the
schema docs/architecture.md shows cannot drift from what is written: tests/docs check it.
Run: python -m firestorm.streams.schemas            (print them all)
     python -m firestorm.streams.schemas --write F  (replace the generated blocks in F)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from firestorm.models.alerts import alert_schema
from firestorm.models.typecheck import json_schema
from firestorm.streams.kafka.dead_letter import DeadLetter
from firestorm.streams.notifier.dead_letter import NotifierDeadLetter

DIALECT = "https://json-schema.org/draft/2020-12/schema"
WIDTH = 100  # the longest line a nested value is kept on


def schemas() -> dict[str, dict[str, Any]]:
    """name -> JSON schema, in the order the docs show them."""
    return {
        "alert": {"$schema": DIALECT, **alert_schema()},
        "dead-letter": {"$schema": DIALECT, **json_schema(DeadLetter)},
        "notifier-dead-letter": {"$schema": DIALECT, **json_schema(NotifierDeadLetter)},
    }


def dumps(value: Any, indent: str = "") -> str:
    """JSON, indented, with every object or array that fits in one short line kept on one line."""
    flat = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, dict | list) or len(indent) + len(flat) <= WIDTH:
        return flat
    inner = indent + "  "
    if isinstance(value, list):
        items = [inner + dumps(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + f"\n{indent}]"
    pairs = [f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in value.items()]
    return "{\n" + ",\n".join(pairs) + f"\n{indent}}}"


def block(name: str, schema: dict[str, Any]) -> str:
    """The Markdown block of one schema, between markers that `--write` and the test find."""
    body = dumps(schema)
    head = f"<!-- schema:{name} (generated: python -m firestorm.streams.schemas --write) -->"
    return f"{head}\n```json\n{body}\n```\n<!-- /schema:{name} -->"


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"<!-- schema:{re.escape(name)} .*?<!-- /schema:{re.escape(name)} -->", re.DOTALL)


def rewrite(text: str) -> str:
    """`text` with every generated block replaced by the current schema (each must be there)."""
    for name, schema in schemas().items():
        generated = block(name, schema).replace("\\", "\\\\")  # a replacement template: backslashes doubled
        text, found = _pattern(name).subn(generated, text)
        if found != 1:
            raise ValueError(f"no single <!-- schema:{name} ... --> block to replace")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", metavar="FILE", type=Path, help="replace the generated blocks in FILE")
    args = parser.parse_args(argv)
    if args.write is None:
        print("\n\n".join(block(name, schema) for name, schema in schemas().items()))
        return 0
    try:
        args.write.write_text(rewrite(args.write.read_text(encoding="utf-8")), encoding="utf-8")
    except (OSError, ValueError) as exc:
        print(f"firestorm schemas: {args.write}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
