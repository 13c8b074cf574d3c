"""docs/sentiment.md: every command it shows is run here, and what it prints is checked.

`console` blocks are run as written and their output must match line for line. The `sh`
blocks are benchmarks: the Sanders command runs on a small file in the corpus's format (the
corpus is third-party data, not shipped; set SANDERS_CORPUS to its full-corpus.csv to also
check the held-out numbers of the page), the samples command must print the page's shares,
and the speed benchmark must run and find no mismatch. The replay table is checked by
replaying the French sample with each scorer.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "sentiment.md"
BIN = Path(sys.executable).parent


def blocks(kind: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    return [body.strip("\n").split("\n") for body in re.findall(rf"```{kind}\n(.*?)```", text, re.S)]


def shell(command: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRESTORM_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra_env or {})
    return subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def sh_command(fragment: str) -> str:
    found = [line[2:] for block in blocks("sh") for line in block if line.startswith("$ ") and fragment in line]
    assert len(found) == 1, found
    return found[0]


def test_the_sanders_command_prints_both_tables(tmp_path: Path) -> None:
    corpus = tmp_path / "full-corpus.csv"
    with corpus.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(["Topic", "Sentiment", "TweetId", "TweetDate", "TweetText"])
        for number in range(40):
            label, text = [("negative", "my order never arrived"), ("neutral", "event at 10am")][number % 2]
            writer.writerow(["apple", label, str(126415614616154112 + number), "Tue Oct 18 21:53:25 +0000 2011", text])
    command = sh_command("sanders").replace("PATH/full-corpus.csv", shlex.quote(str(corpus)))
    result = shell(command)
    assert result.returncode == 0, result.stderr
    assert "held-out half" in result.stdout and result.stdout.count("macro-F1") == 3


@pytest.mark.skipif(not os.environ.get("SANDERS_CORPUS"), reason="SANDERS_CORPUS (third-party data) not given")
def test_the_held_out_numbers_of_the_page() -> None:
    command = sh_command("sanders").replace("PATH/full-corpus.csv", shlex.quote(os.environ["SANDERS_CORPUS"]))
    out = shell(command).stdout
    assert "negative      0.456   0.565" in out.split("vader+crisis")[0]
    assert "negative      0.465   0.599" in out.split("vader+crisis")[1]
    assert "| `vader+crisis` | 0.465 | 0.599 | 0.865 | 0.494 | 0.252 | 0.711 | 0.508 |" in DOC.read_text(
        encoding="utf-8"
    )


def test_the_samples_command_prints_the_shares_of_the_page() -> None:
    result = shell(sh_command("samples"))
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if not line.startswith(("#", "group"))]
    measured = {(r[0], " ".join(r[1:-5]), r[-5]): (r[-3], r[-2], r[-1]) for r in rows}
    assert measured[("maison-lait", "storm", "fr")] == ("0.962", "0.964", "0.954")
    assert measured[("maison-lait", "before", "fr")] == ("0.051", "0.051", "0.206")
    assert measured[("velo-cite", "(quiet)", "fr")] == ("0.057", "0.123", "0.153")
    assert measured[("skyway", "storm", "en")] == ("0.945", "0.954", "0.965")
    assert measured[("northbank", "(quiet)", "en")] == ("0.051", "0.051", "0.212")
    page = DOC.read_text(encoding="utf-8")
    assert "| 1,913 | 0.057 | 0.123 | 0.153 |" in page and "| 6,979 | 0.945 | 0.954 | 0.965 |" in page


def test_the_speed_command_runs_with_no_mismatch() -> None:
    result = shell(sh_command("sentiment_bench"))
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith(("en ", "fr "))]
    assert [r[0] for r in rows] == ["en", "fr"]
    assert all(r[4] == "0" for r in rows)  # the fast scorer still equals stock VADER


@pytest.mark.parametrize("mode", ["vader", "vader+crisis"])
def test_the_french_replay_row_of_the_page(mode: str) -> None:
    result = shell("firestorm replay examples/maison-rappel-fr.jsonl -q", {"FIRESTORM_SENTIMENT": mode})
    assert result.returncode == 0, result.stderr
    assert "4 alert events" in result.stderr
    assert "first alert 11:22:30Z (time to detect +5m30s); quiet entities (velo-cite): 0 alert events" in result.stderr
    assert f"| maison-rappel-fr | `{mode}` | 4 | 11:22:30 | +5m30s | 0 |" in DOC.read_text(encoding="utf-8")


def test_the_model_leaves_the_french_samples_alerts_as_the_page_says() -> None:
    result = shell("firestorm replay examples/maison-rappel-fr.jsonl -q", {"FIRESTORM_SENTIMENT": "model"})
    assert result.returncode == 0, result.stderr
    assert "4 alert events" in result.stderr
    assert "first alert 11:22:30Z (time to detect +5m30s); quiet entities (velo-cite): 0 alert events" in result.stderr
    assert "same times as with `vader+crisis` (first alert 11:22:30, none on the quiet" in DOC.read_text(
        encoding="utf-8"
    )


def test_the_model_raises_no_false_alert_on_the_quiet_english_entity() -> None:
    result = shell(sh_command("FIRESTORM_SENTIMENT=model firestorm replay"))
    assert result.returncode == 0, result.stderr
    assert "4 alert events" in result.stderr
    assert "first alert 07:46:30Z (time to detect +4m30s); quiet entities (northbank): 0 alert events" in result.stderr
    page = DOC.read_text(encoding="utf-8")
    assert "the English one does too: 4 alert events" in page and "none on the quiet northbank" in page
