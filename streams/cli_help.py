"""The environment variables each `firestorm` command reads, for the end of its --help.

One table, so `firestorm COMMAND --help` lists exactly what that command reads (and
docs/configuration.md says the same: tests/streams/test_cli_help.py checks both).
"""

from __future__ import annotations

# name (without FIRESTORM_) -> one line of help
BROKER = {
    "BROKER": "Kafka URL, e.g. kafka://127.0.0.1:9092 (';' between several)",
    "KAFKA_SECURITY_PROTOCOL": "PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL",
    "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512 (default), SCRAM-SHA-256 or PLAIN",
    "KAFKA_USERNAME": "SASL user",
    "KAFKA_PASSWORD[_FILE]": "its password, or a file holding it",
    "KAFKA_SSL_CAFILE": "CA bundle (PEM) that signed the brokers' certificates (default: system CAs)",
    "KAFKA_SSL_CERTFILE": "client certificate (PEM), for mutual TLS",
    "KAFKA_SSL_KEYFILE": "its private key (PEM)",
    "KAFKA_SSL_KEY_PASSWORD[_FILE]": "the key's password, or a file holding it",
    "KAFKA_SSL_CHECK_HOSTNAME": "0 skips the host name check (default: 1)",
}
TOPICS = {
    "APP_ID": "Faust app id: consumer group and state table prefix (default: firestorm)",
    "MENTIONS_TOPIC": "topic of mentions (default: mentions)",
    "ALERTS_TOPIC": "topic of alert events (default: alerts)",
    "DLQ_TOPIC": "dead-letter topic (default: <mentions>.dlq)",
    "CONTROL_TOPIC": "topic of planned events (default: firestorm.control)",
    "PARTITIONS": "partitions of the topics firestorm creates (default: 4)",
    "REPLICATION_FACTOR": "copies of topics and changelogs (default: the broker's default.replication.factor)",
    "MIN_INSYNC_REPLICAS": "copies a write needs (acks=all), set on firestorm's topics (default: the broker's)",
}
DETECTOR = {
    "WINDOW": "tumbling window size, with a unit (default: 1m)",
    "ALLOWED_LATENESS": "how far the watermark trails event time (default: 30s)",
    "MIN_VOLUME": "never alert below this many mentions (default: 10)",
    "DETECTOR": "seasonal (default) or poisson",
    "SENTIMENT": "vader+crisis (default: VADER with the crisis/complaint overlay) or vader (stock)",
    "RESOLVE_AFTER": "an incident resolves after this long of normal windows (default: 10m)",
    "ENTITIES_FILE": "TOML file: per-entity sensitivity and planned events",
    "MAX_ENTITIES": "entities a partition tracks (default: 10000)",
    "MAX_CLOCK_JUMP": "a bigger step of event time needs 3 agreeing mentions in a row (default: 1h); "
    "one that none confirm is dead-lettered (future_timestamp)",
}
METRICS = {
    "METRICS_HOST": "address of the /metrics endpoint (default: 127.0.0.1)",
    "ENTITY_LABEL_CAP": "entities with their own metric series (default: 500)",
    "METRICS_DRIVER_TERMS": "1: export an open incident's top terms as labels (default: 0)",
}
WORKER = {
    "METRICS_PORT": "port of the worker's /metrics (default: 9108, 0: off)",
    "DATA_DIR": "local state directory (default: .run/worker)",
    "SESSION_TIMEOUT": "Kafka consumer session timeout (default: 10s)",
    "BATCH_SIZE": "mentions per processing batch (default: 2000)",
    "BATCH_WAIT": "longest wait to fill a batch (default: 20ms)",
    "LOG_WINDOWS": "1: log every closed window that had mentions (default: 0)",
    "IDLE_TIMEOUT": "no record this long: the partition's event time moves with the wall clock (default: 2m, 0: off)",
    "SHUTDOWN_TIMEOUT": "on SIGTERM, exit with status 2 if stopping takes longer (default: 15s)",
}
PAGING = {
    "PAGERDUTY_URL": "Events API base (default: https://events.pagerduty.com)",
    "PAGERDUTY_ROUTING_KEY[_FILE]": "default routing key, or a file holding it",
    "PAGERDUTY_DRILL_ROUTING_KEY[_FILE]": "the only key drills use (none: drills page nobody)",
    "NOTIFY_CONFIG": "TOML: thresholds, routing per entity/group, webhook and Slack sinks",
    "RUNBOOK_URL": "the on-call runbook every page links to ('none': no link)",
}
NOTIFIER = {
    "NOTIFIER_DLQ_TOPIC": "rejected events (default: <alerts>.notifier-dlq)",
    "NOTIFIER_GROUP": "consumer group (default: <app id>-notifier)",
    "NOTIFIER_OFFSET_RESET": "where a new group starts: latest (default) or earliest",
    "NOTIFIER_METRICS_PORT": "port of the notifier's /metrics (default: 9109, 0: off)",
    "METRICS_HOST": METRICS["METRICS_HOST"],
    "DATA_DIR": "local directory of the delivery ledger (default: .run/worker)",
    "SESSION_TIMEOUT": WORKER["SESSION_TIMEOUT"],
}
COMMON = {
    "CONFIG": "TOML file with any of these settings, lowercase without FIRESTORM_ (the environment wins)",
    "LOG_LEVEL": "debug, info (default), warning, error or critical",
}

SECTIONS: dict[str, list[tuple[str, dict[str, str]]]] = {
    "replay": [
        ("detector", DETECTOR),
        ("with --metrics-port", METRICS),
        ("with --drill (see docs/paging.md)", PAGING),
        ("general", COMMON),
    ],
    "worker": [
        ("Kafka", {**BROKER, **TOPICS}),
        ("detector", DETECTOR),
        ("worker", {**WORKER, **METRICS}),
        ("general", COMMON),
    ],
    "notifier": [
        (
            "Kafka",
            {
                **BROKER,
                **{
                    k: v
                    for k, v in TOPICS.items()
                    if k in ("APP_ID", "ALERTS_TOPIC", "PARTITIONS", "REPLICATION_FACTOR", "MIN_INSYNC_REPLICAS")
                },
            },
        ),
        ("paging (see docs/paging.md)", {**PAGING, **NOTIFIER}),
        ("general", COMMON),
    ],
    "produce": [("Kafka", {**BROKER, **TOPICS}), ("general", COMMON)],
    "score": [("sentiment", {"SENTIMENT": DETECTOR["SENTIMENT"]}), ("general", COMMON)],
    "plan": [("Kafka", {**BROKER, **TOPICS}), ("general", COMMON)],
}


def variables(command: str) -> list[str]:
    """The FIRESTORM_* variables `command` reads, as its --help names them."""
    return [f"FIRESTORM_{name}" for _, table in SECTIONS[command] for name in table]


def epilog(command: str) -> str:
    """The environment section of a command's --help."""
    lines = ["environment (docs/configuration.md):"]
    for title, table in SECTIONS[command]:
        if title:
            lines.append(f" {title}:")
        width = max(len(name) for name in table) + len("FIRESTORM_") + 2
        lines += [f"  {('FIRESTORM_' + name).ljust(width)}{text}" for name, text in table.items()]
    return "\n".join(lines) + "\n"


def overview() -> str:
    """The top-level --help epilog: where the variables are described."""
    return (
        "Each command reads FIRESTORM_* environment variables (or a TOML file named by FIRESTORM_CONFIG);\n"
        "`firestorm COMMAND --help` lists those it reads. Docs: docs/configuration.md.\n"
    )
