"""The wheel `python -m build` makes installs into a clean virtual environment and replays a sample.

Not a Kafka test, but a slow one (it installs every dependency, from pip's cache when warm), so
it runs with the integration tier. The replay runs outside the repository, so nothing is
imported from the working tree.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "skyway-outage-en.jsonl"


def run(*argv: str | Path, cwd: Path, timeout: float = 900) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FIRESTORM_", "PYTHON", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    done = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{argv}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_wheel_installs_in_a_clean_venv_and_replays(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, REPO, cwd=tmp_path)
    (wheel,) = dist.glob("firestorm-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = email.message_from_bytes(archive.read(next(n for n in names if n.endswith("/METADATA"))))
    assert {name.split("/")[0] for name in names if name.endswith(".py")} == {"models", "streams"}
    assert "streams/sources.py" not in names and "models/detectors/seasonal.py" in names
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Requires-Python"] == "<3.14,>=3.11"
    requires = " ".join(metadata.get_all("Requires-Dist") or [])
    assert "aiohttp" in requires and "unidecode" in requires.lower() and "Levenshtein" not in requires

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    run(venv / "bin" / "pip", "install", "-q", wheel, cwd=tmp_path)
    assert "firestorm 0.1.0" in run(venv / "bin" / "firestorm", "--version", cwd=tmp_path)
    out = run(venv / "bin" / "firestorm", "replay", SAMPLE, "--no-labels", cwd=tmp_path)
    assert out.count("skyway-20260306T0745Z") == 4 and "13945 accepted" in out and "4 alert events" in out
    installed = run(venv / "bin" / "python", "-c", "import streams; print(streams.__file__)", cwd=tmp_path)
    assert str(venv) in installed
