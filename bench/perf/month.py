"""The month-long drill: `firestorm replay FILE -q --no-progress` on a month of 500 entities.

Issue 19's goal: about 20M mentions (500 entities, 30 days) replay in under 20 minutes on this
machine with flat memory. The file is generated streaming (bench/perf/workload.py, cached) and
the replay runs as a child process, exactly as a user runs it (it reads the file streaming). Its
resident memory is sampled from /proc/<pid>/status while it runs; the peak and the CPU time come
from the child's own rusage (os.wait4). Memory is called flat when the RSS at the end is at most
FLAT_RATIO times the RSS a quarter into the run (the child's start-up, a second or two of imports
and lexicons, lies well before that mark in a drill of minutes; not in a tiny test run).
Progress: every PROGRESS_EVERY_S a line on stderr with the share of the file the replay has read
(its read offset, from /proc/<pid>/fdinfo), the elapsed time and the RSS.
Run: python -m bench.perf --month [--month-mentions 20000000]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

GOAL_SECONDS = 20 * 60
GOAL_MENTIONS = 20_000_000
FLAT_RATIO = 1.25  # RSS at the end over RSS at a quarter of the run: more is not flat
SAMPLE_EVERY_S = 0.5
PROGRESS_EVERY_S = 30.0  # a progress line on stderr this often (a 20M drill runs for many minutes)


@dataclass
class DrillResult:
    """One replay in a child process: wall and CPU seconds, RSS samples (seconds, KiB), peak KiB."""

    command: list[str]
    mentions: int
    wall_s: float
    cpu_s: float
    peak_rss_kib: int
    returncode: int
    samples: list[tuple[float, int]] = field(default_factory=list)
    output: str = ""

    @property
    def rate(self) -> float:
        return self.mentions / self.wall_s if self.wall_s > 0 else 0.0

    def rss_at(self, fraction: float) -> int:
        """RSS (KiB) of the last sample taken at or before `fraction` of the run (the first if none)."""
        if not self.samples:
            return 0
        due = fraction * self.wall_s
        before = [rss for t, rss in self.samples if t <= due]
        return before[-1] if before else self.samples[0][1]

    @property
    def flat_ratio(self) -> float:
        quarter = self.rss_at(0.25)
        return self.rss_at(1.0) / quarter if quarter else float("nan")

    @property
    def flat(self) -> bool:
        return self.flat_ratio <= FLAT_RATIO

    def projected_s(self, mentions: int = GOAL_MENTIONS) -> float:
        """Linear projection of the wall time to `mentions` (only a projection)."""
        return self.wall_s * mentions / self.mentions if self.mentions else float("nan")


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def read_fraction(pid: int, path: Path) -> float | None:
    """How far the process `pid` has read into `path` (its file offset / the file's size), or None."""
    try:
        size = path.stat().st_size
        target = path.resolve()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            if Path(os.readlink(fd)) == target:
                for line in Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text().splitlines():
                    if line.startswith("pos:"):
                        return int(line.split()[1]) / size if size else 1.0
    except (OSError, ValueError):
        return None
    return None


def firestorm_command(path: Path) -> list[str]:
    """The installed `firestorm` next to this interpreter, else the module through it."""
    script = Path(sys.executable).parent / "firestorm"
    head = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "import sys; from firestorm.streams.cli import main; sys.exit(main())"]
    )
    return [*head, "replay", str(path), "-q", "--no-progress"]


def run_drill(path: Path, mentions: int, log_path: Path) -> DrillResult:
    """Replay `path` in a child process, sampling its RSS, and wait for it with os.wait4."""
    command = firestorm_command(path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    samples: list[tuple[float, int]] = []
    with log_path.open("wb") as log:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        reported = 0.0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid == child.pid:
                break
            rss = rss_kib(child.pid)
            elapsed = time.perf_counter() - started
            if rss is not None:
                samples.append((elapsed, rss))
            if elapsed - reported >= PROGRESS_EVERY_S:
                reported = elapsed
                read = read_fraction(child.pid, path)
                done = "?" if read is None else f"{read:.0%}"
                print(
                    f"[{time.strftime('%H:%M:%S')}] month drill: {done} of the file read, {elapsed:,.0f} s, "
                    f"RSS {(rss or 0) / 1024:,.0f} MiB",
                    file=sys.stderr,
                    flush=True,
                )
            time.sleep(SAMPLE_EVERY_S)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return DrillResult(
        command=command,
        mentions=mentions,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_kib=usage.ru_maxrss,
        returncode=child.returncode,
        samples=samples,
        output=log_path.read_text(errors="replace"),
    )
