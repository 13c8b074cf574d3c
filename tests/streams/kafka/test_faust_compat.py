"""The Faust internals firestorm relies on are all there, in the shape relied on (issue 14 item 5).

If a faust-streaming or mode-streaming upgrade renames or reshapes one of them, this fails, and so
does the worker at start-up, with an error naming what is gone and the versions tested.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from firestorm.streams.kafka import faust_compat
from firestorm.streams.kafka.faust_compat import INTERNALS, TESTED, FaustInternalsError, Internal

REPO = Path(__file__).resolve().parents[3]


def test_the_installed_faust_has_every_internal_firestorm_uses() -> None:
    assert faust_compat.problems() == []
    faust_compat.check()
    installed = faust_compat.installed_versions()
    for name, versions in TESTED.items():
        assert installed[name] in versions, f"{name} {installed[name]} is not a tested version {versions}"


def test_a_missing_or_reshaped_internal_is_a_loud_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Consumerish:
        async def _add_gap(self, tp: object, start: int) -> None: ...

        def _drain_messages(self, fetcher: object) -> None: ...

    broken = (
        Internal(Consumerish, "_add_gap", "coroutine", ("self", "tp", "offset_from", "offset_to")),
        Internal(Consumerish, "_drain_messages", "coroutine", ("self", "fetcher")),
        Internal(Consumerish, "_read_offset", "attribute"),
        Internal(Consumerish, "_gone", "method"),
    )
    monkeypatch.setattr(faust_compat, "INTERNALS", broken)
    with pytest.raises(FaustInternalsError) as info:
        faust_compat.check()
    message = str(info.value)
    assert "tested with faust-streaming 0.15.3, mode-streaming 0.7.1" in message
    assert re.search(r"installed faust-streaming \S+, mode-streaming \S+", message)
    assert "_add_gap: parameters are ('self', 'tp', 'start')" in message
    assert "_drain_messages: no longer a coroutine function" in message
    assert "_read_offset: attribute gone" in message and "_gone: gone" in message


def test_no_other_module_reaches_into_faust_internals() -> None:
    """Only faust_compat names Faust's private members; the two overrides (the intake's drain loop,
    the app's transport factory) are declared in INTERNALS and say so on their line."""
    private = {i.name for i in INTERNALS if i.name.startswith("_")}
    offenders = []
    for path in sorted((REPO / "streams").rglob("*.py")):
        if path.name == "faust_compat.py":
            continue
        for number, text in enumerate(path.read_text().splitlines(), 1):
            for name in private:
                if re.search(rf"\.{name}\b|\"{name}\"|def {name}\(", text) and "faust_compat" not in text:
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {text.strip()}")
    assert offenders == []


def test_pyproject_pins_faust_to_the_tested_versions() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "faust-streaming>=0.15.3,<0.15.4" in deps and "mode-streaming>=0.7.1,<0.7.2" in deps
    assert TESTED == {"faust-streaming": ("0.15.3",), "mode-streaming": ("0.7.1",)}


def test_the_shutdown_deadline_exits_with_status_2_and_says_why() -> None:
    """The bound itself (the integration test stops a real broker under a real worker)."""
    import subprocess
    import sys

    code = (
        "import logging, time\n"
        "logging.basicConfig(level='INFO')\n"
        "from firestorm.streams.kafka.faust_compat import BoundedWorker\n"
        "worker = BoundedWorker.__new__(BoundedWorker)\n"
        "worker.shutdown_timeout_s, worker._deadline = 1.0, None\n"
        "worker._arm('SIGTERM')\n"
        "worker._arm('SIGTERM')  # a second signal does not restart the clock\n"
        "time.sleep(30)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 2, done.stderr
    assert "shutdown after SIGTERM did not finish within 1 s (FIRESTORM_SHUTDOWN_TIMEOUT" in done.stderr
