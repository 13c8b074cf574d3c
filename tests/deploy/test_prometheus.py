"""deploy/prometheus: the alert rules (checked and unit-tested with promtool) and the scrape
configs of every deployment (host example, compose, Kubernetes), which must use the job names
the rules and dashboards rely on."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.deploy.tools import DEPLOY, assert_ok, run

RULES = DEPLOY / "prometheus" / "firestorm.rules.yml"
RULE_TESTS = sorted((DEPLOY / "prometheus" / "tests").glob("*.yml"))
CONFIGS = {
    "hosts": DEPLOY / "prometheus" / "prometheus.yml",
    "compose": DEPLOY / "compose" / "prometheus.yml",
    "k8s": DEPLOY / "k8s" / "prometheus.yml",
}
JOBS = {"firestorm-worker", "firestorm-notifier"}


def test_promtool_check_rules() -> None:
    output = assert_ok(run("promtool", "check", "rules", str(RULES)))
    assert "SUCCESS: 13 rules found" in output


def test_promtool_test_rules() -> None:
    assert RULE_TESTS, "no rule unit tests"
    output = assert_ok(run("promtool", "test", "rules", *(str(p) for p in RULE_TESTS)))
    assert "SUCCESS" in output and "FAILED" not in output


def test_every_alert_is_unit_tested() -> None:
    rules = yaml.safe_load(RULES.read_text())["groups"]
    alerts = {rule["alert"] for group in rules for rule in group["rules"] if "alert" in rule}
    tested = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                if check.get("exp_alerts"):
                    tested.add(check["alertname"])
    assert alerts == tested, f"alerts never seen firing in a test: {alerts - tested}"


def test_rules_only_name_the_deployments_job_names() -> None:
    jobs = set(re.findall(r'job="([^"]+)"', RULES.read_text()))
    assert jobs == JOBS


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_promtool_check_config(name: str, tmp_path: Path) -> None:
    """Each config as it is mounted: the rule file beside it."""
    shutil.copy(CONFIGS[name], tmp_path / "prometheus.yml")
    shutil.copy(RULES, tmp_path / "firestorm.rules.yml")
    output = assert_ok(run("promtool", "check", "config", str(tmp_path / "prometheus.yml")))
    assert "SUCCESS: 13 rules found" in output


@pytest.mark.parametrize("name", ["hosts", "compose"])
def test_static_configs_scrape_both_jobs(name: str) -> None:
    config = yaml.safe_load(CONFIGS[name].read_text())
    assert config["rule_files"] == ["firestorm.rules.yml"]
    assert "cluster" in config["global"]["external_labels"]  # Alertmanager inhibits within a cluster
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert jobs >= JOBS


def test_k8s_scrape_config_finds_the_services() -> None:
    config = yaml.safe_load(CONFIGS["k8s"].read_text())
    names = {job["job_name"]: job["dns_sd_configs"][0] for job in config["scrape_configs"]}
    assert set(names) == JOBS
    documents = [
        doc
        for path in ("worker.yaml", "notifier.yaml")
        for doc in yaml.safe_load_all((DEPLOY / "k8s" / path).read_text())
    ]
    services = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Service"}
    for sd in names.values():
        (name,) = sd["names"]
        service = services[name.split(".")[0]]
        assert name == f"{service['metadata']['name']}.{service['metadata']['namespace']}.svc.cluster.local"
        assert sd["port"] == service["spec"]["ports"][0]["port"]
    # pods carry the annotations an annotation-based Prometheus uses, with the same job names
    manifests = "".join((DEPLOY / "k8s" / p).read_text() for p in ("worker.yaml", "notifier.yaml"))
    assert set(re.findall(r"prometheus.io/job: (\S+)", manifests)) == JOBS
