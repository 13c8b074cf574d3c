"""Security: Kafka SASL/SCRAM end to end, wrong credentials failing fast, secrets out of logs and
metrics, endpoints on loopback, no personal data in metric labels.

The SASL broker is this module's own (kafka.sh with FIRESTORM_KAFKA_SASL_PORT, its own ports and
run directory, the SCRAM user created at format time); the shared broker on 9092 is not touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest

from firestorm.models.engine import EngineSettings
from firestorm.streams.config import Config, ConfigError, load_config
from firestorm.streams.drills.replay import replay
from firestorm.streams.kafka.security import aiokafka_security, kafka_python_security
from firestorm.streams.metrics import Metrics
from tests.integration.services import REPO, RUN_DIR, free_port, wait_for
from tests.integration.storms import storm_lines
from tests.integration.tls import Certificates, make_certificates
from tests.integration.worker_process import Stack, WorkerProcess
from tests.paging.harness import NotifierProcess

USER = "firestorm-svc"
PASSWORD = "scram-Pa55-" + os.urandom(6).hex()  # what must never show up in a log or a metric
ROUTING_KEY = "R" + os.urandom(16).hex()[:31]  # 32 characters, like a PagerDuty routing key
WEBHOOK_SECRET = "whsec-" + os.urandom(8).hex()


@dataclass
class SaslBroker:
    run_dir: Path
    port: int = field(default_factory=free_port)  # PLAINTEXT (the broker's own listener)
    sasl_port: int = field(default_factory=free_port)
    ssl_port: int = field(default_factory=free_port)  # SASL_SSL: SCRAM over TLS
    controller_port: int = field(default_factory=free_port)
    certificates: Certificates | None = None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "FIRESTORM_RUN_DIR": str(self.run_dir),
            "FIRESTORM_KAFKA_PORT": str(self.port),
            "FIRESTORM_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "FIRESTORM_KAFKA_SASL_PORT": str(self.sasl_port),
            "FIRESTORM_KAFKA_SCRAM_USERS": f"{USER}:{PASSWORD}",
            "FIRESTORM_KAFKA_SSL_PORT": str(self.ssl_port),
            "FIRESTORM_KAFKA_SSL_KEYSTORE": str(self.certificates.keystore) if self.certificates else "",
        }

    def run(self, command: str) -> None:
        subprocess.run([str(REPO / "deploy/kafka/kafka.sh"), command], env=self.env(), check=True, timeout=300)


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SaslBroker]:
    broker = SaslBroker(tmp_path_factory.mktemp("sasl-run"))
    broker.certificates = make_certificates(broker.run_dir / "tls")
    libs = RUN_DIR / "kafka" / "libs"
    (broker.run_dir / "kafka").mkdir(parents=True)
    if libs.is_dir():  # the jars the shared broker already fetched
        (broker.run_dir / "kafka" / "libs").symlink_to(libs)
    try:
        broker.run("up")
        yield broker
    finally:
        subprocess.run([str(REPO / "deploy/kafka/kafka.sh"), "down"], env=broker.env(), check=False, timeout=120)
        shutil.rmtree(broker.run_dir / "kafka" / "data", ignore_errors=True)


@dataclass
class SaslStack(Stack):
    """A Stack that talks to the SASL listener with the given credentials."""

    sasl_port: int = 0
    password_file: Path | None = None
    mechanism: str = "SCRAM-SHA-512"
    protocol: str = "SASL_PLAINTEXT"  # or SASL_SSL, with extra_env naming the CA file
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.sasl_port}"

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(
            FIRESTORM_KAFKA_SECURITY_PROTOCOL=self.protocol,
            FIRESTORM_KAFKA_SASL_MECHANISM=self.mechanism,
            FIRESTORM_KAFKA_USERNAME=USER,
            FIRESTORM_KAFKA_PASSWORD_FILE=str(self.password_file),
            FIRESTORM_LOG_LEVEL="debug",  # the most talkative logs: they are grepped for secrets
        )
        env.update(self.extra_env)
        return env

    def config(self) -> Config:
        return load_config(self.env())

    def client_settings(self) -> dict[str, Any]:
        return kafka_python_security(self.config())


def sasl_stack(broker: SaslBroker, tmp: Path, password: str, mechanism: str = "SCRAM-SHA-512") -> SaslStack:
    secret = tmp / f"kafka-password-{os.urandom(3).hex()}"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    return SaslStack(tmp=tmp, sasl_port=broker.sasl_port, password_file=secret, mechanism=mechanism)


def tls_stack(broker: SaslBroker, tmp: Path, ca: Path) -> SaslStack:
    """SCRAM over TLS: the SASL_SSL listener, trusting `ca`."""
    stack = sasl_stack(broker, tmp, PASSWORD)
    stack.sasl_port = broker.ssl_port
    stack.protocol = "SASL_SSL"
    stack.extra_env["FIRESTORM_KAFKA_SSL_CAFILE"] = str(ca)
    return stack


def storm_end_to_end(
    stack: SaslStack, tmp: Path, workers: list[WorkerProcess], seed: int, over: str
) -> tuple[WorkerProcess, list[dict[str, object]], str]:
    """`firestorm produce` a storm, run a worker on it: the alerts must be those of a replay.
    Returns the (running) worker, the alerts seen and the produce command's output."""
    stack.metrics_port = free_port()
    lines = storm_lines(entity="acme", quiet_entity="calm", seed=seed)
    expected = [a.to_dict() for a in replay(enumerate(lines, 1), EngineSettings()).alerts]
    path = tmp / "mentions.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, output, _ = run_cli(stack, "produce", str(path), timeout_s=120)
    assert code == 0, output[-3000:]
    worker = WorkerProcess(stack, name="worker")
    workers.append(worker)

    def alerts() -> list[dict[str, object]] | None:
        worker.assert_running()
        seen = [orjson.loads(v) for _k, v, _h in stack.read_topic(stack.alerts, idle_s=1.0)]
        return seen if len(seen) >= len(expected) else None

    try:
        seen = wait_for(alerts, 120, 1.0, f"alerts over {over}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{worker.log_tail()}") from None
    assert sorted(seen, key=lambda a: str(a["window_end"])) == expected
    return worker, seen, output


def run_cli(stack: Stack, *argv: str, timeout_s: float = 60) -> tuple[int, str, float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "firestorm.streams.cli", *argv],
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=str(stack.tmp),
    )
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started


def assert_no_secrets(text: str, where: str) -> None:
    for name, secret in (
        ("Kafka password", PASSWORD),
        ("routing key", ROUTING_KEY),
        ("webhook secret", WEBHOOK_SECRET),
    ):
        assert secret not in text, f"the {name} appears in {where}"


# ---------------------------------------------------------------------------------------------


def test_scram_credentials_work_end_to_end(
    sasl_broker: SaslBroker, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    stack = sasl_stack(sasl_broker, tmp_path, PASSWORD, mechanism="SCRAM-SHA-256")
    worker, seen, output = storm_end_to_end(stack, tmp_path, workers, seed=41, over="SASL/SCRAM")
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.metrics_port}/metrics", timeout=5) as response:
        metrics = response.read().decode()
    assert worker.stop() == 0
    log = worker.log_path.read_text(errors="replace")
    assert "SASL" in log or "sasl" in log  # the debug log did talk about authentication ...
    assert_no_secrets(log, "the worker's debug log")  # ... without the password
    assert_no_secrets(metrics, "the worker's metrics")
    assert_no_secrets(output, "the output of firestorm produce")
    assert PASSWORD not in "".join(str(a) for a in seen)


def test_tls_with_the_brokers_ca_works_end_to_end(
    sasl_broker: SaslBroker, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    assert sasl_broker.certificates is not None
    stack = tls_stack(sasl_broker, tmp_path, sasl_broker.certificates.ca)
    worker, _seen, _output = storm_end_to_end(stack, tmp_path, workers, seed=47, over="SASL_SSL")
    assert worker.stop() == 0
    assert_no_secrets(worker.log_path.read_text(errors="replace"), "the worker's debug log over TLS")


@pytest.mark.parametrize("command", ["produce", "worker"])
def test_a_broker_certificate_from_another_ca_fails_fast_with_a_clear_error(
    sasl_broker: SaslBroker, tmp_path: Path, command: str
) -> None:
    assert sasl_broker.certificates is not None
    stack = tls_stack(sasl_broker, tmp_path, sasl_broker.certificates.stranger_ca)
    path = tmp_path / "one.jsonl"
    path.write_bytes(storm_lines(seed=1)[0] + b"\n")
    code, output, elapsed = run_cli(stack, *([command, str(path)] if command == "produce" else [command]))
    assert code == 1, output[-3000:]
    assert elapsed < 30, f"took {elapsed:.0f}s to give up"
    last = output.strip().splitlines()[-1]
    assert "certificate" in last and "FIRESTORM_KAFKA_SSL_CAFILE" in last, last
    assert "is not trusted (" in last, last  # OpenSSL's own reason, not a guess between two
    assert PASSWORD not in output and "Traceback" not in output


@pytest.mark.parametrize("command", ["produce", "worker"])
def test_wrong_password_fails_fast_with_a_clear_error(sasl_broker: SaslBroker, tmp_path: Path, command: str) -> None:
    stack = sasl_stack(sasl_broker, tmp_path, "not-the-password")
    path = tmp_path / "one.jsonl"
    path.write_bytes(storm_lines(seed=1)[0] + b"\n")
    code, output, elapsed = run_cli(stack, *([command, str(path)] if command == "produce" else [command]))
    assert code == 1, output[-3000:]
    auth_lines = [x[:300] for x in output.splitlines() if "auth" in x.lower() or "sasl" in x.lower()]
    assert elapsed < 30, f"took {elapsed:.0f}s to give up:\n" + "\n".join(auth_lines[-10:])
    last = output.strip().splitlines()[-1]
    assert "authentication failed" in last and USER in last and "FIRESTORM_KAFKA_PASSWORD" in last, last
    assert "not-the-password" not in output and "Traceback" not in output


def test_notifier_over_sasl_keeps_its_secrets(sasl_broker: SaslBroker, tmp_path: Path, workers: list) -> None:  # type: ignore[type-arg]
    stack = sasl_stack(sasl_broker, tmp_path, PASSWORD)
    config = tmp_path / "notify.toml"
    config.write_text(
        '[[webhooks]]\nname = "audit"\nurl = "http://127.0.0.1:9/hook"\nsecret = { env = "FIRESTORM_WEBHOOK_SECRET" }\n'
    )
    env = {
        "FIRESTORM_PAGERDUTY_URL": "http://127.0.0.1:9",
        "FIRESTORM_PAGERDUTY_ROUTING_KEY": ROUTING_KEY,
        "FIRESTORM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "FIRESTORM_NOTIFY_CONFIG": str(config),
        "FIRESTORM_NOTIFIER_METRICS_PORT": str(free_port()),
    }
    notifier = NotifierProcess(stack, env, name="notifier")
    workers.append(notifier)
    wait_for(lambda: "notifier: reading" in notifier.log_text(), 60, 0.5, "the notifier to join over SASL")
    port = env["FIRESTORM_NOTIFIER_METRICS_PORT"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        metrics = response.read().decode()
    assert notifier.stop() == 0
    assert_no_secrets(notifier.log_text(), "the notifier's debug log")
    assert_no_secrets(metrics, "the notifier's metrics")


# ---------------------------------------------------------------------------------------------
# without a broker


def test_security_settings_map_to_every_client(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    env = {
        "FIRESTORM_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "FIRESTORM_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
        "FIRESTORM_KAFKA_USERNAME": USER,
        "FIRESTORM_KAFKA_PASSWORD_FILE": str(secret),
    }
    config = load_config(env)
    assert PASSWORD not in repr(config)
    for kwargs in (kafka_python_security(config), aiokafka_security(config)):
        assert kwargs["security_protocol"] == "SASL_PLAINTEXT" and kwargs["sasl_mechanism"] == "SCRAM-SHA-256"
        assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == (USER, PASSWORD)
    from firestorm.streams.kafka.security import faust_credentials

    credentials = faust_credentials(config)
    assert credentials.username == USER and credentials.password == PASSWORD
    assert credentials.mechanism.value == "SCRAM-SHA-256" and credentials.protocol.value == "SASL_PLAINTEXT"
    # SSL with a CA: the context verifies the broker.
    ca = Path(__import__("certifi").where()) if _has("certifi") else None
    if ca is not None:
        tls = load_config({"FIRESTORM_KAFKA_SECURITY_PROTOCOL": "SSL", "FIRESTORM_KAFKA_SSL_CAFILE": str(ca)})
        context = kafka_python_security(tls)["ssl_context"]
        assert context.verify_mode.name == "CERT_REQUIRED" and context.check_hostname
    # Errors name the variable, never the value.
    bad = [
        ({"FIRESTORM_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "FIRESTORM_KAFKA_USERNAME"),
        ({**env, "FIRESTORM_KAFKA_PASSWORD_FILE": str(tmp_path / "missing")}, "FIRESTORM_KAFKA_PASSWORD_FILE"),
        ({**env, "FIRESTORM_KAFKA_PASSWORD": PASSWORD}, "not both"),
        ({"FIRESTORM_KAFKA_SECURITY_PROTOCOL": "TLS"}, "FIRESTORM_KAFKA_SECURITY_PROTOCOL"),
        ({"FIRESTORM_KAFKA_SECURITY_PROTOCOL": "SSL", "FIRESTORM_KAFKA_SSL_CAFILE": "/nope.pem"}, "SSL_CAFILE"),
    ]
    for environ, named in bad:
        with pytest.raises(ConfigError) as info:
            load_config(environ)
        assert named in str(info.value) and PASSWORD not in str(info.value)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def test_http_endpoints_bind_loopback_by_default(tmp_path: Path) -> None:
    assert Config().metrics_host == "127.0.0.1"
    metrics = Metrics(10)
    port = free_port()
    metrics.serve(Config().metrics_host, port)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        # Bound to 127.0.0.1 only: another loopback address (what a 0.0.0.0 bind would answer) is refused.
        with pytest.raises(OSError), socket.create_connection(("127.0.0.2", port), timeout=2):
            pass
    finally:
        metrics.close()


def test_no_mention_text_or_author_ids_in_metric_labels() -> None:
    """Replay a storm whose posts carry author ids, handles, urls and unique sentences; scrape the
    metrics; no label value may carry any of them."""
    lines = storm_lines(entity="acme", quiet_entity="calm", seed=9)
    objs = [orjson.loads(raw) for raw in lines]
    private: set[str] = set()
    for n, obj in enumerate(objs):
        obj["author"]["id"] = f"user-{n:05d}-id"
        obj["text"] = f"{obj['text']} @handle{n:05d} https://example.org/p/{n} secretphrase{n:05d}"
        private.update({obj["author"]["id"], f"handle{n:05d}", f"example.org/p/{n}", f"secretphrase{n:05d}"})
    metrics = Metrics(50, settings=EngineSettings(), role="replay")
    result = replay(enumerate((orjson.dumps(o) for o in objs), 1), EngineSettings(), metrics=metrics)
    assert result.alerts, "the storm raised no alert: the driver labels were not exercised"
    from prometheus_client import generate_latest

    exposition = generate_latest(metrics.registry).decode()
    values = set()
    for line in exposition.splitlines():
        if line.startswith("#") or "{" not in line:
            continue
        labels = line[line.index("{") + 1 : line.rindex("}")]
        values.update(part.split("=", 1)[1].strip('"') for part in labels.split('",') if "=" in part)
    leaked = sorted(v for v in values for p in private if p in v)
    assert not leaked, f"personal data in metric labels: {leaked[:10]}"
    texts = {o["text"] for o in objs}
    assert not values & texts
