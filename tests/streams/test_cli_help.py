"""`firestorm COMMAND --help` lists the environment variables that command reads, and only those."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from firestorm.streams import cli_help
from firestorm.streams.cli import main
from firestorm.streams.config import Config, env_name

DOCS = Path(__file__).resolve().parents[2] / "docs"
COMMANDS = ("replay", "worker", "notifier", "produce", "plan")
NAMES = {f.name for f in fields(Config)}
FILE_VARIANTS = {name for name in NAMES if name.endswith("_file") and name.removesuffix("_file") in NAMES}
KAFKA_SECURITY = {env_name(name) for name in NAMES - FILE_VARIANTS if name.startswith("kafka_")}
_VAR = re.compile(r"FIRESTORM_[A-Z_]+[A-Z]")


def help_text(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


def listed(text: str) -> set[str]:
    return set(_VAR.findall(text))


def documented() -> set[str]:
    """Variables in the settings tables of docs/configuration.md and docs/paging.md."""
    names: set[str] = set()
    for page in ("configuration.md", "paging.md"):
        for line in (DOCS / page).read_text().splitlines():
            if line.startswith("| `FIRESTORM_"):
                first = line.split("|")[1]
                names |= {n for n in _VAR.findall(first)}
                names |= {f"{_VAR.findall(first)[0]}{suffix}" for suffix in re.findall(r"`(_[A-Z_]+)`", first)}
    return names


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lists_what_the_command_reads(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(command, capsys)
    want = {name.replace("[_FILE]", "") for name in cli_help.variables(command)}
    assert listed(text) == want


def test_replay_lists_no_kafka_setting_and_the_kafka_commands_list_every_security_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    replay = listed(help_text("replay", capsys))
    assert not {n for n in replay if "KAFKA" in n or n in ("FIRESTORM_BROKER", "FIRESTORM_MENTIONS_TOPIC")}
    assert {"FIRESTORM_WINDOW", "FIRESTORM_PAGERDUTY_DRILL_ROUTING_KEY", "FIRESTORM_ENTITIES_FILE"} <= replay
    for command in ("worker", "notifier", "produce", "plan"):
        assert listed(help_text(command, capsys)) >= KAFKA_SECURITY, command
    assert "FIRESTORM_PAGERDUTY_ROUTING_KEY" not in listed(help_text("worker", capsys))
    assert "FIRESTORM_WINDOW" not in listed(help_text("notifier", capsys))


def test_every_setting_is_read_by_some_command_and_documented() -> None:
    every = {n.replace("[_FILE]", "") for c in COMMANDS for n in cli_help.variables(c)}
    settings = {env_name(name) for name in NAMES - FILE_VARIANTS} | {"FIRESTORM_CONFIG"}
    assert settings == every
    docs = documented()
    assert every <= docs, f"in --help but not in docs/configuration.md or docs/paging.md: {every - docs}"
    file_variants = {env_name(name) for name in FILE_VARIANTS}
    assert file_variants <= docs, f"..._FILE variables not documented: {file_variants - docs}"
    assert docs - every <= file_variants, f"documented but read by no command: {docs - every - file_variants}"


def test_top_level_help_points_to_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "firestorm COMMAND --help" in text and not listed(text) - {"FIRESTORM_CONFIG"}
