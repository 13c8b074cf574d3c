"""Find the shell examples of the project's Markdown files, and run the ones marked runnable.

The convention (CONTRIBUTING.md, "Docs"): a ```console block is run by tests/docs/test_docs.py;
its lines starting with `$ ` are commands (a trailing backslash continues one), the lines after a
command are its expected output (standard output and standard error together). In expected
output, a line `...` stands for any number of lines and `...` inside a line for any text; the
elapsed time and rate of a replay summary are not compared. The info string may add `exit=N`
(the expected exit status, default 0) and `kafka` (needs a broker: run by
tests/integration/test_docs_kafka.py instead). Any other shell block (```bash, ```sh) is an
illustration that needs what a test machine does not have (a PagerDuty account, a Kubernetes
cluster): the line just above it must say which test covers it, as
`<!-- covered by tests/path.py::test_name -->`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHELL_LANGUAGES = ("bash", "sh", "shell", "console")
COVERED = re.compile(r"<!--\s*covered by\s+(\S+?)(?:::(\w+))?\s*-->")
_FENCE = re.compile(r"^(\s*)```(\S*)(.*)$")
# What changes from run to run in a replay's output: elapsed time and rate.
_VOLATILE = (
    (re.compile(r"in \d+\.\d+s \([\d,]+/s\)"), "in <elapsed>"),
    (re.compile(r"\d+\.\d+ s, [\d,]+ mentions/s"), "<elapsed>"),
)


def doc_files() -> list[Path]:
    """Every Markdown page a reader of the project sees."""
    files = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md"))]
    return [path for path in files if path.exists()]


@dataclass
class Command:
    """One `$ command` of a console block and the output shown after it."""

    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    tags: dict[str, str]
    body: list[str]
    covered_by: tuple[str, str | None] | None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"

    @property
    def runnable(self) -> bool:
        return self.language == "console"

    @property
    def needs_kafka(self) -> bool:
        return "kafka" in self.tags

    @property
    def exit_status(self) -> int:
        return int(self.tags.get("exit", "0"))

    def commands(self) -> list[Command]:
        commands: list[Command] = []
        pending = ""
        for line in self.body:
            if pending:
                pending += "\n" + line
                if not line.endswith("\\"):
                    commands.append(Command(pending))
                    pending = ""
            elif line.startswith("$ "):
                if line.endswith("\\"):
                    pending = line[2:]
                else:
                    commands.append(Command(line[2:]))
            elif commands:
                commands[-1].expected.append(line)
            elif line.strip():
                raise ValueError(f"{self.where}: console block output before any `$ ` command: {line!r}")
        if pending:
            raise ValueError(f"{self.where}: command continued past the end of the block")
        return commands


def shell_blocks(path: Path) -> list[Block]:
    """The shell code blocks of one Markdown file, with their tags and coverage marker."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        indent, language, rest = match.groups()
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith("```"):
            end += 1
        if language in SHELL_LANGUAGES:
            tags = dict(word.split("=", 1) if "=" in word else (word, "") for word in rest.split())
            before = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
            marker = COVERED.search(before)
            body = [line[len(indent) :] if line.startswith(indent) else line for line in lines[index + 1 : end]]
            blocks.append(
                Block(path, index + 1, language, tags, body, (marker.group(1), marker.group(2)) if marker else None)
            )
        index = end + 1
    return blocks


def _normalise(line: str) -> str:
    for pattern, replacement in _VOLATILE:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def _line_matches(expected: str, actual: str) -> bool:
    if "..." not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Expected lines against actual ones: `...` alone matches any lines, inside a line any text."""
    want = [_normalise(line) for line in expected]
    got = [_normalise(line) for line in actual]
    while want and not want[-1]:
        want.pop()
    while got and not got[-1]:
        got.pop()

    def match(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if want[i] == "...":
            return any(match(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and _line_matches(want[i], got[j]) and match(i + 1, j + 1)

    return match(0, 0)
