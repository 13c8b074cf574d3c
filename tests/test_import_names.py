"""`firestorm` is the only import name: the bare `models` / `streams` names are gone from code, docs and tests.

An application's own `models` or `streams` package must never be shadowed by firestorm's (or shadow it), so
nothing of firestorm's imports, runs (`python -m`) or documents those names (tests/integration/test_wheel.py
checks the installed side).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OLD_NAME = re.compile(
    r"(?<![\w./-])(?:(?:from|import) (?:models|streams)\b|(?:models|streams)\.(?!py\b|md\b)[a-z_]+\b)"
)
CHECKED = (".py", ".md", ".toml", ".sh", ".yml", ".yaml", ".cfg", ".ini")


def _tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "-C", str(REPO), "ls-files"], capture_output=True, text=True, check=True).stdout
    paths = [REPO / name for name in names.splitlines()]
    return [p for p in paths if (p.suffix in CHECKED or p.name in {"Makefile", "Dockerfile", "run"}) and p.is_file()]


def test_no_bare_models_or_streams_import_names() -> None:
    found = []
    for path in _tracked_text_files():
        if path.name == "test_import_names.py" or "wheel" in path.name:
            continue  # this test and the wheel test name the bare names on purpose
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OLD_NAME.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not found, "use firestorm.models / firestorm.streams:\n" + "\n".join(found[:40])


def test_the_pattern_sees_old_names_and_passes_new_ones() -> None:
    assert OLD_NAME.search("from models.engine import Engine")
    assert OLD_NAME.search("python -m streams.cli worker")
    assert OLD_NAME.search("import streams")
    assert not OLD_NAME.search("from firestorm.models.engine import Engine")
    assert not OLD_NAME.search("see models/engine.py and streams/worker/service.py")
