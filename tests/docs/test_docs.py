"""Every command shown in README.md, CONTRIBUTING.md and docs/ is run, and its output checked.

See tests/docs/blocks.py for the convention. Blocks that need a broker run in
tests/integration/test_docs_kafka.py; the others run here, each in a scratch directory where
`examples/` and `deploy/` are the repository's (so the paths shown work as written).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.blocks import REPO, Block, doc_files, output_matches, shell_blocks

# Pages other branches add (production hardening, live sources, narratives, sentiment): linked
# from the README before they land.
PAGES_OF_OTHER_BRANCHES = {"docs/guarantees.md", "docs/sources.md", "docs/narratives.md", "docs/sentiment.md"}
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)\s]*)?\)")


def all_blocks() -> list[Block]:
    return [block for path in doc_files() for block in shell_blocks(path)]


def run_env() -> dict[str, str]:
    # Not FIRESTORM_* settings, nor an outer make's level and flags (`make test` runs this suite:
    # a nested `make demo` would print "Entering directory" lines a user does not see).
    skip = ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRESTORM_") and k not in skip}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONWARNINGS"] = "default"  # a warning shown to users shows in the output compared
    return env


def run_command(command: str, cwd: Path, timeout: float = 180) -> tuple[int, list[str]]:
    """Run one documented command as a user would (bash), standard output and error together."""
    if command.startswith("make "):
        # `make demo` as written, on this interpreter's environment, without reinstalling it.
        bin_dir = Path(sys.executable).parent
        command = f"make -o .venv/.installed-stamp BIN={bin_dir} {command[5:]}"
        cwd = REPO
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=run_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    return done.returncode, done.stdout.splitlines()


def scratch(tmp_path: Path) -> Path:
    for name in ("examples", "deploy", "docs"):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / ".run").mkdir()  # where the docs write outputs; `make demo` has made it in a clone
    return tmp_path


def run_block(block: Block, cwd: Path) -> None:
    commands = block.commands()
    assert commands, f"{block.where}: a console block without a `$ ` command"
    for number, command in enumerate(commands, 1):
        status, lines = run_command(command.text, cwd)
        last = number == len(commands)
        expected_status = block.exit_status if last else 0
        shown = "\n".join(lines)
        assert status == expected_status, f"{block.where}: `{command.text}` exited {status}:\n{shown}"
        assert output_matches(command.expected, lines), (
            f"{block.where}: `{command.text}` printed:\n{shown}\n--- the docs show:\n" + "\n".join(command.expected)
        )


LOCAL = [block for block in all_blocks() if block.runnable and not block.needs_kafka]


@pytest.mark.parametrize("block", LOCAL, ids=[block.where for block in LOCAL])
def test_documented_command_prints_what_the_docs_show(block: Block, tmp_path: Path) -> None:
    run_block(block, scratch(tmp_path))


def test_the_docs_have_runnable_examples() -> None:
    pages = {block.path.name for block in LOCAL}
    assert {"README.md", "getting-started.md", "drills.md"} <= pages


def test_every_other_shell_block_names_the_test_that_covers_it() -> None:
    missing, wrong = [], []
    for block in all_blocks():
        if block.runnable:
            continue
        if block.covered_by is None:
            missing.append(block.where)
            continue
        path, name = block.covered_by
        file = REPO / path
        if not file.is_file() or (name and not re.search(rf"^\s*(async )?def {name}\(", file.read_text(), re.M)):
            wrong.append(f"{block.where}: {path}::{name}")
    assert not missing, f"shell blocks neither runnable (```console) nor marked <!-- covered by ... -->: {missing}"
    assert not wrong, f"coverage markers naming no such test: {wrong}"


def test_links_between_pages_resolve_and_none_leaves_the_project() -> None:
    broken = []
    for path in doc_files():
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text, f"{path.name} links outside the project"
        for target in _LINK.findall(text):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (path.parent / target).resolve()
            relative = resolved.relative_to(REPO).as_posix() if resolved.is_relative_to(REPO) else target
            if not resolved.exists() and relative not in PAGES_OF_OTHER_BRANCHES:
                broken.append(f"{path.relative_to(REPO)} -> {target}")
    assert not broken, f"broken links: {broken}"


def test_the_readme_stays_short() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 230, f"README.md has {len(lines)} lines: move detail to docs/"


def _block_after(page: str, marker: str, language: str) -> str:
    """The body of the first ```language block after `marker` in docs/page."""
    text = (REPO / "docs" / page).read_text(encoding="utf-8")
    start = text.index(f"```{language}\n", text.index(marker)) + len(language) + 4
    return text[start : text.index("\n```", start)]


def test_make_targets_shown_exist() -> None:
    """Every `make TARGET` the docs mention is a target of the Makefile."""
    shown = set()
    for path in doc_files():
        shown |= set(re.findall(r"(?:^\s*|`|\$ )make ([a-z][a-z-]*[a-z])", path.read_text(encoding="utf-8"), re.M))
    assert {"demo", "test", "venv", "test-unit", "check", "kafka-up", "examples"} <= shown
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    assert shown <= targets, f"not in the Makefile: {shown - targets}"
    # (no `make -n` here: make runs recipe lines holding $(MAKE) even then, and `make test` is the suite)


def test_the_pagerduty_event_shown_is_what_the_notifier_sends(tmp_path: Path) -> None:
    import orjson

    from firestorm.models.alerts import decode_alert
    from firestorm.streams.notifier.pagerduty import pagerduty_event

    status, lines = run_command(
        f"firestorm replay examples/skyway-outage-en.jsonl -q --no-labels --alerts-out {tmp_path}/a.jsonl",
        scratch(tmp_path),
    )
    assert status == 0, lines
    first = decode_alert((tmp_path / "a.jsonl").read_bytes().splitlines()[0])
    shown = orjson.loads(_block_after("paging.md", "## The PagerDuty event", "json"))
    assert shown.pop("routing_key").startswith("<")
    assert shown == orjson.loads(orjson.dumps(pagerduty_event(first, group="airlines")))


def test_the_schemas_shown_are_the_ones_the_code_generates() -> None:
    """docs/architecture.md's alert and dead-letter (worker's and notifier's) schemas:
    `python -m firestorm.streams.schemas --write`."""
    from firestorm.streams.schemas import rewrite, schemas

    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert set(schemas()) == {"alert", "dead-letter", "notifier-dead-letter"}
    assert rewrite(text) == text, (
        "the schemas shown differ from the code's: run python -m firestorm.streams.schemas --write docs/architecture.md"
    )
    edited = text.replace('"version": {"const": 2}', '"version": {"const": 1}')
    assert edited != text and rewrite(edited) != edited  # a schema edited by hand in the page is seen


def test_the_notify_config_shown_is_accepted_by_the_notifier() -> None:
    import tomllib

    from firestorm.streams.notifier.routing import parse_notify_config

    config = parse_notify_config(tomllib.loads(_block_after("paging.md", "A notify config", "toml")))
    assert config.groups["airlines"].rule.routing_key == "airlines"
    assert config.runbook_url == "https://wiki.example.com/firestorm/runbook"
    assert [hook.name for hook in config.hooks] == ["audit", "comms"]
