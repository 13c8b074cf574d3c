"""One TOML reader for the settings files (the worker's config, the entities file, the watch list,
the notify config): read, parse, and one clear error naming the file, in the caller's error type."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: str, error: type[Exception], where: str | None = None) -> dict[str, Any]:
    """The parsed file; an unreadable or malformed one raises `error("WHERE: reason")`, WHERE the path by default."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{where or path}: {exc}") from None
