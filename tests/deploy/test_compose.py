"""deploy/compose/compose.yml against the Compose Specification's JSON schema (vendored in
tests/deploy/data, see its README), and what the stack must contain. No container engine runs
here: these are static checks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.tools import DEPLOY, REPO

COMPOSE = DEPLOY / "compose" / "compose.yml"
SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"


def load() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_compose_file_is_valid_against_the_compose_spec() -> None:
    assert errors(load()) == []


def test_the_schema_catches_mistakes() -> None:
    broken = copy.deepcopy(load())
    broken["services"]["worker-1"]["comand"] = ["worker"]  # a typo
    assert any("comand" in e for e in errors(broken))
    broken = copy.deepcopy(load())
    broken["volume"] = broken.pop("volumes")  # a misspelt top-level key
    assert any("volume" in e for e in errors(broken))
    broken = copy.deepcopy(load())
    broken["services"]["kafka"]["healthcheck"]["test"] = {"cmd": "true"}  # neither a string nor a list
    assert errors(broken)


def test_the_stack() -> None:
    services = load()["services"]
    assert {"kafka", "notifier", "prometheus", "alertmanager", "grafana"} <= set(services)
    workers = [name for name, s in services.items() if s.get("command") == ["worker"]]
    assert len(workers) >= 2
    # the commands are the ones the tests run: `firestorm worker` / `firestorm notifier`
    assert services["notifier"]["command"] == ["notifier"]
    dockerfile = (REPO / services["notifier"]["build"]["dockerfile"]).read_text()
    assert 'ENTRYPOINT ["firestorm"]' in dockerfile
    for name in [*workers, "notifier"]:
        env = services[name]["environment"]
        assert env["FIRESTORM_METRICS_HOST"] == "0.0.0.0"  # reachable by Prometheus in its container
        assert env["FIRESTORM_BROKER"] == "kafka://kafka:9092"
        assert env["FIRESTORM_APP_ID"] == "firestorm"  # one consumer group: the partitions are shared
        assert services[name]["depends_on"]["kafka"]["condition"] == "service_healthy"
    # each worker its own data volume
    volumes = [services[w]["volumes"][0].split(":")[0] for w in workers]
    assert len(set(volumes)) == len(volumes)
    for name in workers:
        assert "/healthz" in " ".join(services[name]["healthcheck"]["test"])
    kafka = services["kafka"]["environment"]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    assert services["notifier"]["environment"]["FIRESTORM_PAGERDUTY_ROUTING_KEY_FILE"].startswith("/run/secrets/")
    for published in (p for s in services.values() for p in s.get("ports", [])):
        assert str(published).startswith("127.0.0.1:"), published


@pytest.mark.parametrize("service", ["prometheus", "alertmanager", "grafana"])
def test_mounted_files_exist(service: str) -> None:
    for volume in load()["services"][service]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("."):
            assert (COMPOSE.parent / source).exists(), f"{service}: {source} does not exist"


def test_grafana_mounts_the_provisioning_and_dashboards() -> None:
    mounts = {v.split(":")[1]: v.split(":")[0] for v in load()["services"]["grafana"]["volumes"]}
    assert (COMPOSE.parent / mounts["/etc/grafana/provisioning"]).resolve() == DEPLOY / "grafana" / "provisioning"
    provider = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "firestorm.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    assert (COMPOSE.parent / mounts[path]).resolve() == DEPLOY / "grafana" / "dashboards"
