"""deploy/k8s/ against the Kubernetes API schemas bundled with kubernetes-validate (offline,
strict: unknown fields are errors), and the properties the deployment relies on."""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.tools import DEPLOY

K8S = DEPLOY / "k8s"
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
VERSION = "1.30"  # the oldest Kubernetes the manifests are checked against (and the newest bundled)


def documents() -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]


def by_kind(kind: str, name: str) -> dict[str, Any]:
    return next(d for d in documents() if d["kind"] == kind and d["metadata"]["name"] == name)


@pytest.mark.parametrize("version", [VERSION, kubernetes_validate.latest_version()])
def test_manifests_are_valid(version: str) -> None:
    assert len(documents()) == 8
    for doc in documents():
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_catches_mistakes() -> None:
    broken = copy.deepcopy(by_kind("StatefulSet", "firestorm-worker"))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["pth"] = "/healthz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSION, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(p.name for p in MANIFESTS)


def test_workers_probe_health_and_keep_state_on_volumes() -> None:
    worker = by_kind("StatefulSet", "firestorm-worker")
    spec = worker["spec"]
    assert spec["replicas"] >= 2
    pod = spec["template"]
    (container,) = pod["spec"]["containers"]
    assert container["args"] == ["worker"]  # `firestorm worker`, as the tests run it
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == "9108"
    (claim,) = spec["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    config = by_kind("ConfigMap", "firestorm-config")["data"]
    assert mounts[claim["metadata"]["name"]] == config["FIRESTORM_DATA_DIR"]
    assert config["FIRESTORM_METRICS_HOST"] == "0.0.0.0"
    assert spec["replicas"] <= int(config["FIRESTORM_PARTITIONS"])
    service = by_kind("Service", spec["serviceName"])
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["selector"] == spec["selector"]["matchLabels"]


def test_notifier_reads_its_key_from_the_secret() -> None:
    deployment = by_kind("Deployment", "firestorm-notifier")
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"]["type"] == "Recreate"
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["args"] == ["notifier"]
    env = {e["name"]: e["value"] for e in container["env"]}
    key_file = env["FIRESTORM_PAGERDUTY_ROUTING_KEY_FILE"]
    secret_volume = next(v for v in pod["volumes"] if "secret" in v)
    mount = next(m for m in container["volumeMounts"] if m["name"] == secret_volume["name"])
    secret = by_kind("Secret", secret_volume["secret"]["secretName"])
    assert key_file == f"{mount['mountPath']}/{next(iter(secret['stringData']))}"
