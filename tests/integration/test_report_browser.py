"""The drill report opens in headless Chromium: charts drawn, no console errors, no network.

Needs Debian's chromium (deploy/chromium/install.sh, which `make test` runs); without it this
test FAILS, on purpose. FIRESTORM_SCREENSHOT_OUT=path.png keeps the screenshot (docs/drill-report.png
is made that way).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from firestorm.streams.cli import main
from tests.integration.chromium import INSTALL_HINT, find_chromium, visit_page

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "skyway-outage-en.jsonl"

PROBE = """JSON.stringify({
  charts: document.querySelectorAll('svg.chart').length,
  drawn: [...document.querySelectorAll('svg.chart')].filter(s => s.getBBox().width > 100 &&
         s.querySelectorAll('polygon, polyline').length > 0).length,
  markers: document.querySelectorAll('svg.chart .m-critical, svg.chart .m-resolved').length,
  headline: (document.getElementById('headline') || {innerText: ''}).innerText,
  width: document.documentElement.scrollWidth,
  title: document.title
})"""


def _require_chromium() -> None:
    if find_chromium() is None:
        pytest.fail(INSTALL_HINT, pytrace=False)


def test_harness_catches_console_errors_and_network_requests(tmp_path: Path) -> None:
    """The checks below are not vacuous: a page with a script error and a remote image is caught."""
    _require_chromium()
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>bad</title></head><body>"
        '<img src="http://127.0.0.1:9/pixel.png"><script>console.error("boom"); undefinedFunction();</script>'
        "</body></html>"
    )
    visit = visit_page(page.as_uri(), timeout=30)
    assert any("boom" in e for e in visit.console_errors)
    assert any("undefinedFunction" in e for e in visit.exceptions)
    assert visit.network_requests() == ["http://127.0.0.1:9/pixel.png"]


def test_drill_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    _require_chromium()
    report = tmp_path / "drill-report.html"
    err = io.StringIO()
    example = os.path.relpath(EXAMPLE)  # as a user would type it (it is shown in the report)
    code = main(["replay", example, "--drill", "-q", "--report", str(report)], out=io.StringIO(), err=err)
    assert code == 0, err.getvalue()

    visit = visit_page(report.as_uri(), PROBE, width=1280, timeout=45)

    assert visit.console_errors == [] and visit.exceptions == []
    assert visit.network_requests() == [], "the report must not load anything from the network"
    assert visit.failed == []
    probe = json.loads(visit.evaluated)
    assert probe["title"] == "Firestorm drill report: skyway-outage-en"
    assert probe["charts"] >= 4 and probe["drawn"] == probe["charts"], probe
    assert probe["markers"] >= 2  # the critical alert and its resolve
    for text in ("TIME TO DETECT", "+4m30s", "07:46:30", "QUIET ENTITIES"):
        assert text.upper() in probe["headline"].upper(), probe["headline"]
    assert probe["width"] <= 1280, "the page should not scroll sideways at 1280 px"

    shot = tmp_path / "shot.png"
    shot.write_bytes(visit.screenshot)
    with Image.open(shot) as image:
        assert image.format == "PNG" and image.width == 1280 and image.height > 1500
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 100  # drawn, not a blank page
    keep = os.environ.get("FIRESTORM_SCREENSHOT_OUT")
    if keep:  # the top of the page: headline, storm charts and the start of the drivers table
        Path(keep).parent.mkdir(parents=True, exist_ok=True)
        with Image.open(shot) as image:
            image.crop((0, 0, image.width, min(image.height, 1900))).save(keep, optimize=True)
