"""docs/guarantees.md: its command runs and lists every setting its table documents, with its default."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from firestorm.streams.config import Config, env_name

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "guarantees.md"


def test_the_documented_command_lists_the_settings_and_defaults() -> None:
    text = DOC.read_text()
    assert "\nfirestorm worker --help\n" in text
    done = subprocess.run(
        [sys.executable, "-m", "firestorm.streams.cli", "worker", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    rows = re.findall(r"^\| `(FIRESTORM_[A-Z_]+)` \| `([^`]+)` \|", text, re.MULTILINE)
    assert len(rows) == 4
    defaults = {env_name(name): getattr(Config(), name) for name in Config.__dataclass_fields__}
    for variable, default in rows:
        assert variable in done.stdout, f"{variable} is not in `firestorm worker --help`"
        help_line = done.stdout[done.stdout.index(variable) :].split("FIRESTORM_", 2)[1]
        assert f"default: {default}" in help_line or (default == "1h" and "(default: 1h)" in help_line)
        assert defaults[variable] == default, f"{variable}: documented {default}, configured {defaults[variable]}"
