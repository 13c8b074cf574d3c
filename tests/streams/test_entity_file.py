"""The operator's entities file: per-entity sensitivity and planned events, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from firestorm.streams.config import ConfigError, load_config
from firestorm.streams.entity_file import EntityFileError, load_entity_file

GOOD = """
[entities.Skyway]
min_volume = 20
trigger_score = 8

[[planned]]
entity = "skyway"
start = "2026-03-10T09:00:00Z"
end = "2026-03-10T12:00:00Z"
uplift = 5
name = "spring sale"

[[planned]]
entity = "northbank"
start = "2026-03-11T09:00:00+01:00"
end = 1773223200000
mute = true
"""


def test_good_file_gives_overrides_and_planned_events(tmp_path: Path) -> None:
    path = tmp_path / "entities.toml"
    path.write_text(GOOD)
    loaded = load_entity_file(str(path))
    assert loaded.overrides == {"skyway": {"min_volume": 20.0, "trigger_score": 8.0}}
    assert [(e.entity, e.uplift, e.mute, e.name) for e in loaded.planned] == [
        ("skyway", 5.0, False, "spring sale"),
        ("northbank", 1.0, True, ""),
    ]
    config = load_config({"FIRESTORM_ENTITIES_FILE": str(path)})
    settings = config.engine_settings()
    assert settings.entity_overrides["skyway"]["min_volume"] == 20.0
    assert settings.detector_settings("skyway").min_volume == 20
    assert settings.detector_settings("other").min_volume == 10
    assert len(config.planned_events()) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[entities.a]\nmin_volume = -1\n", "positive number"),
        ("[entities.a]\nsensitivity = 2\n", "unknown settings"),
        ("[alerts]\nx = 1\n", "unknown sections"),
        ('[[planned]]\nentity = "a"\nstart = "2026-03-10T09:00:00Z"\n', "planned event #1"),
        ("[entities.a\n", "Expected"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "entities.toml"
    path.write_text(text)
    with pytest.raises(EntityFileError, match=message):
        load_entity_file(str(path))
    with pytest.raises(ConfigError, match="FIRESTORM_ENTITIES_FILE"):
        load_config({"FIRESTORM_ENTITIES_FILE": str(path)})


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="FIRESTORM_ENTITIES_FILE"):
        load_config({"FIRESTORM_ENTITIES_FILE": str(tmp_path / "nope.toml")})
