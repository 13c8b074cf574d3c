"""FIRESTORM_REPLICATION_FACTOR and FIRESTORM_MIN_INSYNC_REPLICAS: checked, documented, applied to
the Faust app (changelog topics) with acks=all. The topics on a real cluster:
tests/integration/test_replication.py."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml
from kafka.errors import ClusterAuthorizationFailedError, UnknownBrokerIdError

from firestorm.streams.cli import main
from firestorm.streams.config import Config, ConfigError, load_config
from firestorm.streams.kafka.app import create_app
from firestorm.streams.kafka.changelog import changelog_topic_config
from firestorm.streams.kafka.topics import TOPIC_CONFIG, broker_setting, topic_config, with_fresh_admin

REPO = Path(__file__).resolve().parents[3]


def test_both_default_to_the_broker_settings() -> None:
    config = load_config({})
    assert config.replication_factor == 0 and config.min_insync_replicas == 0
    assert topic_config(config, TOPIC_CONFIG) == TOPIC_CONFIG  # nothing overrides the broker


def test_min_insync_replicas_becomes_topic_config() -> None:
    config = load_config({"FIRESTORM_REPLICATION_FACTOR": "3", "FIRESTORM_MIN_INSYNC_REPLICAS": "2"})
    assert (config.replication_factor, config.min_insync_replicas) == (3, 2)
    assert topic_config(config, TOPIC_CONFIG) == {**TOPIC_CONFIG, "min.insync.replicas": "2"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FIRESTORM_REPLICATION_FACTOR": "-1"}, "FIRESTORM_REPLICATION_FACTOR must be 0"),
        ({"FIRESTORM_MIN_INSYNC_REPLICAS": "-2"}, "FIRESTORM_MIN_INSYNC_REPLICAS must be 0"),
        (
            {"FIRESTORM_REPLICATION_FACTOR": "2", "FIRESTORM_MIN_INSYNC_REPLICAS": "3"},
            "FIRESTORM_MIN_INSYNC_REPLICAS=3 exceeds FIRESTORM_REPLICATION_FACTOR=2",
        ),
    ],
)
def test_impossible_settings_are_clear_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(env)


def test_the_app_replicates_its_changelogs_and_waits_for_every_in_sync_replica(tmp_path: Path) -> None:
    fapp = create_app(Config(data_dir=str(tmp_path / "data"), replication_factor=3, min_insync_replicas=2))
    assert fapp.app.conf.topic_replication_factor == 3
    assert fapp.app.conf.producer_acks == -1  # acks=all: alerts, dead letters and changelogs
    for table in (fapp.entities, fapp.clocks):
        assert table.extra_topic_configs == changelog_topic_config(2)
        assert table.changelog_topic.config["min.insync.replicas"] == "2"  # created with it


def test_the_k8s_configmap_asks_for_three_copies_and_two_in_sync() -> None:
    docs = list(yaml.safe_load_all((REPO / "deploy/k8s/configmap.yaml").read_text()))
    data = next(d for d in docs if d and d.get("kind") == "ConfigMap")["data"]
    config = load_config(data)
    assert (config.replication_factor, config.min_insync_replicas) == (3, 2)


def test_worker_help_names_both_variables() -> None:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit):
        main(["worker", "--help"])
    assert "FIRESTORM_REPLICATION_FACTOR" in out.getvalue()
    assert "FIRESTORM_MIN_INSYNC_REPLICAS" in out.getvalue()


class _Cluster:
    """A cluster that has just started: the admin clients made before `known_from` bootstrap
    metadata that lacks broker 1 (the race a 3-broker test cluster hit in CI, for the controller
    and for DescribeConfigs). A stand-in: a real cluster cannot be made to lose this race on demand."""

    def __init__(self, known_from: int, error: type[Exception] = UnknownBrokerIdError) -> None:
        self.known_from, self.error, self.clients, self.closed = known_from, error, 0, 0

    def admin(self) -> _Admin:
        self.clients += 1
        return _Admin(self, knows=self.clients >= self.known_from)


class _Admin:
    def __init__(self, cluster: _Cluster, knows: bool) -> None:
        self.cluster, self.knows = cluster, knows

    def describe_cluster(self) -> dict[str, object]:
        return {"brokers": [{"broker_id": 1}]}

    def describe_configs(self, resources: object, config_filter: str) -> dict[str, object]:
        if not self.knows:
            raise self.cluster.error()
        return {"broker": {"1": {"default.replication.factor": {"value": "3"}}}}

    def close(self) -> None:
        self.cluster.closed += 1


def _factor(admin: Any) -> str | None:
    return broker_setting(admin, "default.replication.factor")


def test_a_broker_the_metadata_does_not_know_yet_is_asked_again_with_a_fresh_client() -> None:
    cluster = _Cluster(known_from=3)
    assert with_fresh_admin(cluster.admin, _factor, pause_s=0.01) == "3"
    assert (cluster.clients, cluster.closed) == (3, 3)  # every client closed, the failed ones too


def test_a_broker_still_unknown_after_the_tries_is_a_clear_error() -> None:
    cluster = _Cluster(known_from=99)
    with pytest.raises(ConfigError, match=r"metadata still lacks a broker after 3 tries \(UnknownBrokerIdError"):
        with_fresh_admin(cluster.admin, _factor, attempts=3, pause_s=0.01)
    assert cluster.clients == 3


def test_a_refusal_is_not_asked_again() -> None:
    cluster = _Cluster(known_from=99, error=ClusterAuthorizationFailedError)
    with pytest.raises(ConfigError, match="ClusterAuthorizationFailedError"):
        with_fresh_admin(cluster.admin, _factor, pause_s=0.01)
    assert cluster.clients == 1
