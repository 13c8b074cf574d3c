"""Static checks of the Grafana provisioning and the generated dashboards (no Grafana needed).

Every query is also run against a real Prometheus by tests/integration/test_dashboards.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from firestorm.streams.notifier.routing import DEFAULT_GRAFANA_LINK, DEFAULT_RUNBOOK_URL
from tests.deploy.dashboards import (
    GRAFANA_BUILTINS,
    PROVISIONING,
    all_panels,
    dashboard_files,
    datasource_uids,
    load,
    queries,
    substitute,
    variables_used,
)
from tests.deploy.tools import DEPLOY, REPO, assert_ok, run

PANEL_TYPES = {"timeseries", "stat", "table", "gauge", "bargauge", "text", "row", "state-timeline"}
FILES = dashboard_files()


def provisioned_datasource() -> dict[str, Any]:
    config = yaml.safe_load((PROVISIONING / "datasources" / "firestorm.yml").read_text())
    (datasource,) = config["datasources"]
    return dict(datasource)


def test_the_two_dashboards_are_there_and_up_to_date() -> None:
    assert [p.name for p in FILES] == ["firestorm.json", "pipeline-health.json"]
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "grafana" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, f"regenerate the dashboards: {result.stderr}"


def test_the_runbook_is_on_the_oncall_dashboard_where_pages_link() -> None:
    """The notifier's default runbook URL opens the on-call dashboard's runbook panel, made from docs/runbook.md."""
    oncall = load(next(p for p in FILES if p.name == "firestorm.json"))
    query = urllib.parse.parse_qs(urllib.parse.urlparse(DEFAULT_RUNBOOK_URL).query)
    assert "/d/firestorm-entity/" in DEFAULT_RUNBOOK_URL
    panel = next(p for p in all_panels(oncall) if str(p["id"]) == query["viewPanel"][0])
    assert panel["type"] == "text" and panel["title"] == "On-call runbook"
    runbook = (Path(__file__).resolve().parents[2] / "docs" / "runbook.md").read_text()
    assert "Acknowledge it in PagerDuty" in runbook and "Acknowledge it in PagerDuty" in panel["options"]["content"]
    assert any(link["title"] == "On-call runbook" and "viewPanel=100" in link["url"] for link in oncall["links"])


def test_the_provisioned_datasource_leaves_an_existing_default_alone() -> None:
    """docs/grafana.md: your existing default datasource can stay; the dashboards name this one by uid."""
    assert provisioned_datasource().get("isDefault", False) is False
    assert "isDefault: false" in (REPO / "docs" / "grafana.md").read_text()


def dashboard_links(text: str) -> set[str]:
    """The /d/UID/SLUG paths written in a text."""
    return set(re.findall(r"/d/[\w-]+/[\w-]+", text))


def test_links_to_the_oncall_dashboard_are_the_same_everywhere() -> None:
    """What the notifier sends, what the docs show and the rules annotate: /d/<uid>/<slug of the title>."""
    boards = {m["uid"]: m for m in (load(p) for p in FILES)}
    canonical = {f"/d/{uid}/{re.sub(r'[^a-z0-9]+', '-', m['title'].lower()).strip('-')}" for uid, m in boards.items()}
    assert "/d/firestorm-entity/firestorm" in canonical
    sent = dashboard_links(DEFAULT_GRAFANA_LINK) | dashboard_links(DEFAULT_RUNBOOK_URL)
    assert sent == {"/d/firestorm-entity/firestorm"}
    texts = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md", *sorted((DEPLOY).rglob("*.yml")), *FILES]
    for path in texts:
        assert dashboard_links(path.read_text()) <= canonical, path


def test_provisioning_files() -> None:
    datasource = provisioned_datasource()
    assert datasource["type"] == "prometheus"
    assert datasource["uid"] == "firestorm-prometheus"
    assert datasource["access"] == "proxy"
    providers = yaml.safe_load((PROVISIONING / "dashboards" / "firestorm.yml").read_text())["providers"]
    assert [p["type"] for p in providers] == ["file"]
    assert providers[0]["options"]["path"] == "/var/lib/grafana/dashboards/firestorm"


def test_uids_are_unique_and_the_oncall_dashboard_is_the_one_pages_link_to() -> None:
    models = [load(p) for p in FILES]
    uids = [m["uid"] for m in models]
    assert len(set(uids)) == len(uids)
    titles = {m["uid"]: m["title"] for m in models}
    assert titles == {"firestorm-entity": "Firestorm", "firestorm-pipeline": "Firestorm pipeline health"}
    # the notifier's PagerDuty/Slack links open /d/firestorm-entity/...?var-entity=<entity>
    assert "/d/firestorm-entity/" in DEFAULT_GRAFANA_LINK and "var-entity={entity}" in DEFAULT_GRAFANA_LINK
    oncall = next(m for m in models if m["uid"] == "firestorm-entity")
    assert [v["name"] for v in oncall["templating"]["list"]] == ["entity"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_json_model(path: Path) -> None:
    model = load(path)
    for key in ("uid", "title", "schemaVersion", "panels", "templating", "annotations", "time", "tags"):
        assert key in model, key
    assert model["schemaVersion"] >= 36
    assert isinstance(model["panels"], list) and model["panels"]
    panels = list(all_panels(model))
    ids = [p["id"] for p in panels]
    assert len(set(ids)) == len(ids), f"duplicate panel ids: {Counter(ids).most_common(3)}"
    cells: set[tuple[int, int]] = set()
    for item in panels:
        assert item["type"] in PANEL_TYPES, item["type"]
        assert item["title"] and item.get("description"), f"panel {item['id']} needs a title and a description"
        grid = item["gridPos"]
        assert grid["w"] > 0 and grid["h"] > 0 and grid["x"] >= 0 and grid["y"] >= 0
        assert grid["x"] + grid["w"] <= 24, f"panel {item['title']!r} is wider than the grid"
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"panel {item['title']!r} overlaps another"
                cells.add((x, y))
        if item["type"] == "text":
            assert item["options"]["content"].strip(), f"text panel {item['title']!r} is empty"
            continue
        refs = [t["refId"] for t in item.get("targets", [])]
        assert refs, f"panel {item['title']!r} has no query"
        assert len(set(refs)) == len(refs), f"panel {item['title']!r}: duplicate refIds {refs}"
        for t in item["targets"]:
            assert t["expr"].strip(), f"panel {item['title']!r} {t['refId']}: empty query"
        for override in item["fieldConfig"]["overrides"]:
            assert override["matcher"]["id"] in ("byName", "byRegexp", "byFrameRefID")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_datasource_is_the_provisioned_one(path: Path) -> None:
    model = load(path)
    uids = datasource_uids(model)
    assert uids and set(uids) == {provisioned_datasource()["uid"]}
    for item in all_panels(model):
        for t in item.get("targets", []):
            assert t["datasource"]["uid"] == "firestorm-prometheus"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_variable_used_is_defined(path: Path) -> None:
    model = load(path)
    defined = {v["name"] for v in model["templating"]["list"]}
    for variable in model["templating"]["list"]:
        assert variable["type"] == "query" and variable["datasource"]["uid"] == "firestorm-prometheus"
        assert variable["definition"].startswith("label_values(")
    used: set[str] = set()
    for query in queries(model):
        used |= variables_used(query.expr)
    used |= variables_used(str(model.get("links", "")))
    assert used - GRAFANA_BUILTINS <= defined, f"undefined variables: {used - GRAFANA_BUILTINS - defined}"
    assert defined <= used, f"variables never used: {defined - used}"


def test_every_query_is_valid_promql(tmp_path: Path) -> None:
    """promtool parses each query (variables substituted) as a recording rule's expression."""
    values = {"entity": "skyway", "job": "firestorm-worker", "__rate_interval": "1m", "__interval": "15s"}
    rules = []
    for path in FILES:
        for query in queries(load(path)):
            rules.append({"record": f"dashboard:query_{len(rules)}", "expr": substitute(query.expr, values)})
    assert len(rules) >= 40
    rule_file = tmp_path / "dashboard-queries.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    assert "SUCCESS" in assert_ok(run("promtool", "check", "rules", str(rule_file)))
