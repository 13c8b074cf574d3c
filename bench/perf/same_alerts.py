"""Two alert-event files (JSON lines) hold the same alerts, whatever their contract version.

Both are read with `decode_alert` (a version-1 event's detector figures go under
`drivers.detector`), then compared field by field: entities, incident ids, statuses, severities,
times, figures and drivers. A version-1 event has no `incident_start` (the reader uses its window
start); the version-2 one must carry the start its incident id names. Prints one line per file
pair and every difference; exits 1 on any.
Run: python -m bench.perf.same_alerts OLD.jsonl NEW.jsonl [OLD2 NEW2 ...]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields, replace
from pathlib import Path

from firestorm.models.alerts import Alert, Drivers, decode_alert
from firestorm.models.timeutil import iso_utc


def _read(path: Path) -> list[tuple[int, Alert]]:
    """(contract version on the wire, alert) per line."""
    out = []
    for line in path.read_bytes().splitlines():
        if line.strip():
            version = 2 if line.startswith(b'{"version":2') else 1
            out.append((version, decode_alert(line)))
    return out


def differences(old: Path, new: Path) -> list[str]:
    """What differs between the alerts of `old` and `new` (empty when they are the same)."""
    before, after = _read(old), _read(new)
    if len(before) != len(after):
        return [f"{len(before)} alert events before, {len(after)} after"]
    out = []
    for number, ((v_old, a), (v_new, b)) in enumerate(zip(before, after, strict=True), 1):
        if v_old == 1 and v_new == 2:  # a version-1 event does not carry the start: its id does
            if not b.incident_id.endswith(iso_utc(b.incident_start_ms)[:16].replace("-", "").replace(":", "") + "Z"):
                out.append(f"event {number}: incident_start {iso_utc(b.incident_start_ms)} is not {b.incident_id}'s")
            a = replace(a, incident_start_ms=b.incident_start_ms)
        out += [
            f"event {number}: {f.name} {getattr(a, f.name)!r} -> {getattr(b, f.name)!r}"
            for f in fields(Alert)
            if f.name != "drivers" and getattr(a, f.name) != getattr(b, f.name)
        ]
        out += [
            f"event {number}: drivers.{f.name} {getattr(a.drivers, f.name)!r} -> {getattr(b.drivers, f.name)!r}"
            for f in fields(Drivers)
            if getattr(a.drivers, f.name) != getattr(b.drivers, f.name)
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path, help="pairs: OLD NEW [OLD NEW ...]")
    args = parser.parse_args(argv)
    if len(args.files) % 2:
        parser.error("give the files in pairs: OLD NEW")
    failed = False
    for old, new in zip(args.files[::2], args.files[1::2], strict=True):
        found = differences(old, new)
        events = len(_read(new))
        print(f"{old} -> {new}: {events} alert events, " + ("the same" if not found else f"{len(found)} differences"))
        for line in found:
            print(f"  {line}")
        failed = failed or bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
