"""deploy/audit/audit.py: OSV advisories matched against installed versions."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import yaml

AUDIT = Path(__file__).resolve().parents[2] / "deploy" / "audit" / "audit.py"


def load_audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("firestorm_audit", AUDIT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


audit = load_audit()

ADVISORY = {
    "id": "PYSEC-0000-1",
    "details": "something bad before 2.4.1, and again from 3.0 until 3.1",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "Some_Package"},
            "ranges": [
                {"type": "GIT", "events": [{"introduced": "0"}, {"fixed": "abc123"}]},
                {
                    "type": "ECOSYSTEM",
                    "events": [{"introduced": "0"}, {"fixed": "2.4.1"}, {"introduced": "3.0"}, {"fixed": "3.1"}],
                },
            ],
            "versions": ["0.9.post1"],
        }
    ],
}


def test_versions_inside_a_range_or_listed_are_affected() -> None:
    for version in ("1.0", "2.4.0", "3.0", "3.0.5", "0.9.post1"):
        assert audit.affects(ADVISORY, "some-package", version) is not None, version


def test_fixed_versions_and_other_packages_are_not() -> None:
    for version in ("2.4.1", "2.9", "3.1", "10.0"):
        assert audit.affects(ADVISORY, "some-package", version) is None, version
    assert audit.affects(ADVISORY, "other-package", "1.0") is None
    assert audit.affects({**ADVISORY, "withdrawn": "2024-01-01T00:00:00Z"}, "some-package", "1.0") is None


def test_an_advisory_never_fixed_affects_every_later_version() -> None:
    open_ended = {
        "affected": [{"package": {"name": "pkg"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.2"}]}]}]
    }
    assert audit.affects(open_ended, "pkg", "1.1") is None
    assert audit.affects(open_ended, "pkg", "7.0") is not None


def test_audit_reports_findings_and_packages_the_snapshot_lacks(tmp_path: Path) -> None:
    (tmp_path / "some-package").mkdir()
    (tmp_path / "some-package" / "PYSEC-0000-1.yaml").write_text(yaml.safe_dump(ADVISORY))
    covered = {"some-package", "never-copied"}
    findings, missing = audit.audit({"Some_Package": "2.0", "never-copied": "1.0", "clean": "1.0"}, tmp_path, covered)
    assert [(f.package, f.advisory, f.fixed) for f in findings] == [("Some_Package", "PYSEC-0000-1", "2.4.1, 3.1")]
    assert missing == ["never-copied"]
    findings, _ = audit.audit({"Some_Package": "2.4.1"}, tmp_path, covered)
    assert findings == []


def test_the_vendored_snapshot_covers_this_environment() -> None:
    # CI runs `make audit`; here: every installed package with advisories in the snapshot has them copied.
    covered = set((AUDIT.parent / "advisory-packages.txt").read_text().split())
    _findings, missing = audit.audit(audit.installed_distributions(), AUDIT.parent / "advisories", covered)
    assert missing == []
