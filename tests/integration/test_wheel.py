"""The wheel `python -m build` makes installs into a clean virtual environment and replays a sample.

`firestorm` is its only top-level import name: the venv also holds another distribution with a
top-level `models` and `streams` package (as an application's own folders would be), and both work.

The wheel carries the modules of models/ compiled with mypyc (setup.py) beside their sources, and
the installed package runs them (docs/building.md).

Not a Kafka test, but a slow one (it installs every dependency, from pip's cache when warm), so
it runs with the integration tier. The replay runs outside the repository, so nothing is
imported from the working tree.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "skyway-outage-en.jsonl"
EXAMPLES_TEXTS = REPO / "docs" / "sentiment-examples.jsonl"
EXT_SUFFIX = str(sysconfig.get_config_var("EXT_SUFFIX"))


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
    assert {name.split("/")[0] for name in names if name.endswith(".py")} == {"firestorm"}
    assert "firestorm/streams/sources.py" not in names and "firestorm/models/detectors/seasonal.py" in names
    assert "firestorm/models/data/crisis_lexicon.tsv" in names
    compiled = {f"firestorm/models__mypyc{EXT_SUFFIX}", f"firestorm/models/engine{EXT_SUFFIX}"}
    assert compiled <= set(names) and "firestorm/models/engine.py" in names
    assert {"firestorm/models/data/sentiment_model.npz", "firestorm/models/data/NOTICE"} <= set(names)
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Requires-Python"] == "<3.14,>=3.11"
    requires = " ".join(metadata.get_all("Requires-Dist") or [])
    assert "aiohttp" in requires and "unidecode" in requires.lower() and "Levenshtein" not in requires

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    run(venv / "bin" / "pip", "install", "-q", wheel, _other_models_wheel(tmp_path), cwd=tmp_path)
    assert "firestorm 0.1.0" in run(venv / "bin" / "firestorm", "--version", cwd=tmp_path)
    out = run(venv / "bin" / "firestorm", "replay", SAMPLE, "--no-labels", cwd=tmp_path)
    assert out.count("skyway-20260306T0745Z") == 4 and "13945 accepted" in out and "4 alert events" in out
    model = run(venv / "bin" / "firestorm", "score", EXAMPLES_TEXTS, "--sentiment", "model", cwd=tmp_path)
    assert "scored 3 mentions (model)" in model and '"label":"negative"' in model
    installed = run(
        venv / "bin" / "python",
        "-c",
        "import firestorm.streams, firestorm.models.engine as e; print(firestorm.streams.__file__, e.__file__)",
        cwd=tmp_path,
    )
    assert str(venv) in installed and installed.strip().endswith(EXT_SUFFIX)
    both = run(
        venv / "bin" / "python",
        "-c",
        "import models, streams, firestorm.models; print(models.OWNER, streams.OWNER)",
        cwd=tmp_path,
    )
    assert "someone-else someone-else" in both


def _other_models_wheel(tmp_path: Path) -> Path:
    """A distribution of someone else's with top-level `models` and `streams` packages."""
    project = tmp_path / "other"
    for name in ("models", "streams"):
        (project / name).mkdir(parents=True)
        (project / name / "__init__.py").write_text('OWNER = "someone-else"\n')
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "other-models"\nversion = "1.0"\n'
        '[tool.setuptools]\npackages = ["models", "streams"]\n'
    )
    run(
        sys.executable,
        "-m",
        "build",
        "--wheel",
        "--no-isolation",
        "--outdir",
        tmp_path / "other-dist",
        project,
        cwd=tmp_path,
    )
    (wheel,) = (tmp_path / "other-dist").glob("other_models-*.whl")
    return wheel
