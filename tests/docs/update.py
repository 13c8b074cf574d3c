"""Rewrite the output shown in the docs' console blocks that no longer match what the commands print.

After a change that alters what a documented command prints (a detector or scorer change, a new
line in the replay timeline), run `python -m tests.docs.update` and review the diff: only blocks
whose output no longer matches are rewritten, with the commands' real output. Blocks that need
the broker (`kafka` tag) are left alone.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.docs.blocks import doc_files, output_matches, shell_blocks
from tests.docs.test_docs import run_command, scratch


def update(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    changed = 0
    for block in reversed(shell_blocks(path)):
        if not block.runnable or block.needs_kafka:
            continue
        body: list[str] = []
        stale = False
        with tempfile.TemporaryDirectory() as tmp:
            cwd = scratch(Path(tmp))
            for command in block.commands():
                _status, printed = run_command(command.text, cwd)
                stale = stale or not output_matches(command.expected, printed)
                first, *rest = command.text.split("\n")
                body += [f"$ {first}", *rest, *printed]
        if stale:
            lines[block.line : block.line + len(block.body)] = body
            changed += 1
            print(f"rewrote {block.where}")
    if changed:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


def main() -> int:
    total = sum(update(path) for path in doc_files())
    print(f"{total} block(s) rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
