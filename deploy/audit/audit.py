"""Dependency audit against a vendored snapshot of the PyPA advisory database (OSV format).

pip-audit needs an advisory service (PyPI's per-version JSON API or OSV) that this build
machine cannot reach, so CI checks every installed distribution against the advisories
copied into deploy/audit/advisories/ (see deploy/audit/SOURCE.md for the commit and its date).
Advisories published after that date are not covered: run pip-audit where it can reach OSV.

Exit status: 0 no known vulnerability, 1 vulnerable packages found, 2 the snapshot is
incomplete for an installed package (its advisories were never copied: re-vendor).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    fixed: str
    summary: str


def _fixed_versions(affected: dict[str, Any]) -> list[str]:
    return [
        str(event["fixed"])
        for r in affected.get("ranges", [])
        if r.get("type") == "ECOSYSTEM"
        for event in r.get("events", [])
        if "fixed" in event
    ]


def _in_ranges(version: Version, affected: dict[str, Any]) -> bool:
    """OSV ECOSYSTEM ranges: affected from each `introduced` up to the next `fixed` (exclusive)."""
    for r in affected.get("ranges", []):
        if r.get("type") != "ECOSYSTEM":
            continue
        introduced: Version | None = None
        for event in r.get("events", []):
            try:
                if "introduced" in event:
                    introduced = Version("0") if str(event["introduced"]) == "0" else Version(str(event["introduced"]))
                elif "fixed" in event and introduced is not None:
                    if introduced <= version < Version(str(event["fixed"])):
                        return True
                    introduced = None
                elif "last_affected" in event and introduced is not None:
                    if introduced <= version <= Version(str(event["last_affected"])):
                        return True
                    introduced = None
            except InvalidVersion:
                continue
        if introduced is not None and version >= introduced:
            return True  # introduced and never fixed
    return False


def affects(advisory: dict[str, Any], package: str, version: str) -> dict[str, Any] | None:
    """The `affected` entry of `advisory` that covers `package` at `version`, if any."""
    if advisory.get("withdrawn"):
        return None
    try:
        parsed = Version(version)
    except InvalidVersion:
        parsed = None
    for affected in advisory.get("affected", []):
        if canonicalize_name(affected.get("package", {}).get("name", "")) != canonicalize_name(package):
            continue
        if version in [str(v) for v in affected.get("versions", [])]:
            return dict(affected)
        if parsed is not None and _in_ranges(parsed, affected):
            return dict(affected)
    return None


def audit(installed: dict[str, str], advisories: Path, covered: set[str]) -> tuple[list[Finding], list[str]]:
    """Findings for `installed` {name: version}, and the installed packages the snapshot lacks."""
    findings: list[Finding] = []
    missing: list[str] = []
    for name, version in sorted(installed.items()):
        key = canonicalize_name(name)
        folder = advisories / key
        if key in covered and not folder.is_dir():
            missing.append(name)
            continue
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            advisory = yaml.safe_load(path.read_text())
            hit = affects(advisory, name, version)
            if hit is not None:
                summary = str(advisory.get("summary") or advisory.get("details") or "").strip().splitlines()[0][:100]
                fixed = ", ".join(_fixed_versions(hit)) or "none"
                findings.append(Finding(name, version, str(advisory.get("id")), fixed, summary))
    return findings, missing


def installed_distributions() -> dict[str, str]:
    return {str(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--advisories", type=Path, default=HERE / "advisories")
    parser.add_argument("--packages", type=Path, default=HERE / "advisory-packages.txt")
    args = parser.parse_args(argv)
    covered = {canonicalize_name(line) for line in args.packages.read_text().split() if line}
    installed = installed_distributions()
    findings, missing = audit(installed, args.advisories, covered)
    source = (HERE / "SOURCE.md").read_text().splitlines()[0] if (HERE / "SOURCE.md").exists() else "?"
    print(f"audited {len(installed)} installed distributions against {source}")
    with_advisories = sorted(n for n in installed if canonicalize_name(n) in covered)
    print(f"{len(with_advisories)} of them have advisories in the snapshot: {', '.join(with_advisories)}")
    for f in findings:
        print(f"VULNERABLE {f.package} {f.version}: {f.advisory} (fixed in {f.fixed}) {f.summary}")
    if missing:
        print(f"snapshot incomplete: advisories of {', '.join(missing)} were not copied; re-vendor", file=sys.stderr)
        return 2
    print(
        f"{len(findings)} known vulnerabilities"
        + ("" if findings else " (advisories newer than the snapshot not covered)")
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
