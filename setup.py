"""Compiles the hot modules of `models/` with mypyc (issue 23: the interpreter's overhead per mention).

pyproject.toml holds everything else; this file only adds the extension modules. The same sources
stay importable as plain Python: `FIRESTORM_PURE_PYTHON=1` at install time builds nothing, and so
does a machine without a C compiler or Python's headers (with a note saying so). A compiled module
shadows its `.py` (Python imports the extension first): after changing a compiled module, rebuild
(`make build`), or the old code keeps running. Which modules are compiled, and why the others are
not: docs/building.md.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path

from setuptools import setup

# Not compiled: package `__init__` files (nothing to gain); `frozen.py` (a bytes subclass, which
# mypyc cannot compile); `crisis.py` (its analyzers inherit from two classes, which mypyc cannot
# compile); `alerts.py` and `typecheck.py` (the alert contract reads its dataclasses' annotations at
# run time, which compiled classes do not keep as the checker expects); `sentiment_model.py` (NumPy
# values where its annotations say float and int; the default sentiment mode does not use it).
INTERPRETED = {"__init__.py", "frozen.py", "crisis.py", "alerts.py", "typecheck.py", "sentiment_model.py"}


def compiled_modules() -> list[str]:
    """The module files mypyc compiles, as paths under `firestorm/` (the import names)."""
    root = Path("firestorm") / "models"
    return sorted(p.as_posix() for p in root.rglob("*.py") if p.name not in INTERPRETED)


def why_pure() -> str | None:
    """Why this install is pure Python, or None to compile."""
    if os.environ.get("FIRESTORM_PURE_PYTHON", "") not in ("", "0"):
        return "FIRESTORM_PURE_PYTHON is set"
    if shutil.which((os.environ.get("CC") or "cc").split()[0]) is None:  # CC may carry flags
        return "no C compiler (cc) on the PATH"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        return "no Python.h (Python's development headers)"
    return None


def extensions() -> list[object]:
    reason = why_pure()
    if reason is not None:
        print(f"firestorm: installing pure Python ({reason})", file=sys.stderr)
        return []
    from mypyc.build import mypycify  # the build requirement `mypy` ships mypyc

    # One shared library (firestorm/models__mypyc*.so) and one small module per source file: calls
    # between the compiled modules stay native. The library lives inside `firestorm/`, the only
    # top-level name the wheel installs.
    return list(mypycify(compiled_modules(), group_name="firestorm.models", opt_level="3"))


setup(ext_modules=extensions())
