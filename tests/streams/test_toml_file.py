from __future__ import annotations

from pathlib import Path

import pytest

from firestorm.streams.toml_file import read_toml


class BadFile(ValueError):
    pass


def test_a_file_is_read_and_parsed(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text('[entities.acme]\nthreshold = 4.5\nname = "é"\n', encoding="utf-8")
    assert read_toml(str(path), BadFile) == {"entities": {"acme": {"threshold": 4.5, "name": "é"}}}


def test_a_malformed_file_is_one_clear_error_in_the_callers_type(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[entities\n", encoding="utf-8")
    with pytest.raises(BadFile, match=rf"^{path}: .*line 1") as info:
        read_toml(str(path), BadFile)
    assert info.value.__cause__ is None and "\n" not in str(info.value)


def test_a_missing_file_is_named_as_the_caller_says(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    with pytest.raises(BadFile, match=rf"^SETTING={path}: .*No such file"):
        read_toml(str(path), BadFile, f"SETTING={path}")
