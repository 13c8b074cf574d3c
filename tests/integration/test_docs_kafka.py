"""The documented commands that need a broker (```console kafka blocks), run on the local one.

Each runs with a test stack's environment (its own topics, so nothing reaches another test or
a real deployment); the stack's topic names are shown as the defaults the docs show.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.blocks import REPO, Block, doc_files, output_matches, shell_blocks
from tests.integration.worker_process import Stack

KAFKA_BLOCKS = [block for path in doc_files() for block in shell_blocks(path) if block.runnable and block.needs_kafka]


def run_in_stack(stack: Stack, command: str) -> tuple[int, list[str]]:
    env = stack.env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-c", command], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    text = done.stdout.replace(stack.control, "firestorm.control").replace(stack.mentions, "mentions")
    return done.returncode, text.splitlines()


def test_there_are_kafka_examples() -> None:
    assert {block.path.name for block in KAFKA_BLOCKS} >= {"configuration.md", "runbook.md"}


@pytest.mark.parametrize("block", KAFKA_BLOCKS, ids=[block.where for block in KAFKA_BLOCKS])
def test_documented_kafka_command(block: Block, stack: Stack) -> None:
    for command in block.commands():
        status, lines = run_in_stack(stack, command.text)
        assert status == block.exit_status, f"{block.where}: `{command.text}` exited {status}: {lines}"
        assert output_matches(command.expected, lines), f"{block.where}: printed {lines}, docs: {command.expected}"


def test_produce_of_a_file_where_every_row_fails_is_one_line_and_exit_1(stack: Stack, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,ts,text,entity\n" + "".join(f"m{i},2026-03-06 07:00:00,hello,acme\n" for i in range(50)))
    status, lines = run_in_stack(stack, f"firestorm produce {bad}")
    assert status == 1
    assert lines == [
        f"firestorm: no usable row in {bad}: all 50 rows failed with bad_timestamp (first, line 2: ts has no time "
        "zone: '2026-03-06 07:00:00'): the times have no offset: give their zone with --tz, e.g. --tz Europe/Paris"
    ]
