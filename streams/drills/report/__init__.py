"""Drill reports: collect per-window series from a replay, render HTML (inline SVG) or PNG."""

from __future__ import annotations

from datetime import UTC, tzinfo
from pathlib import Path

from firestorm.streams.drills.report.clock import showing
from firestorm.streams.drills.report.html import render_html
from firestorm.streams.drills.report.labels import Labels, find_sidecar, load_labels
from firestorm.streams.drills.report.model import (
    Report,
    ReportCollector,
    build_report,
    fmt_duration,
    summarize_incidents,
)
from firestorm.streams.formats.base import InputError

REPORT_SUFFIXES = (".html", ".htm", ".png")

__all__ = [
    "REPORT_SUFFIXES",
    "Labels",
    "Report",
    "ReportCollector",
    "build_report",
    "check_report_path",
    "find_sidecar",
    "fmt_duration",
    "load_labels",
    "render_html",
    "summarize_incidents",
    "write_report",
]


def check_report_path(path: str) -> None:
    if Path(path).suffix.lower() not in REPORT_SUFFIXES:
        raise InputError(f"--report {path}: the name must end in .html or .png")


def write_report(report: Report, path: str, tz: tzinfo = UTC) -> None:
    """HTML or PNG by the file's suffix, times shown in `tz` (named in the report); the folder is created."""
    check_report_path(path)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with showing(tz):
        if target.suffix.lower() == ".png":
            from firestorm.streams.drills.report.png import render_png

            render_png(report, target)
        else:
            target.write_text(render_html(report), encoding="utf-8")
