"""`firestorm worker`: the Faust worker on Kafka (mentions in, alerts out)."""

from __future__ import annotations

from firestorm.streams.commands.common import EXIT_OK
from firestorm.streams.config import Config


def run(config: Config) -> int:
    from firestorm.streams.kafka.app import create_app
    from firestorm.streams.kafka.faust_compat import BoundedWorker
    from firestorm.streams.kafka.topics import ensure_topics, resolve_replication
    from firestorm.streams.metrics import Metrics
    from firestorm.streams.worker.install import install_worker

    config = resolve_replication(config)
    ensure_topics(config)
    fapp = create_app(config)
    metrics = Metrics(
        config.entity_label_cap,
        settings=config.engine_settings(),
        role="worker",
        driver_terms=bool(config.metrics_driver_terms),
    )
    metrics.serve(config.metrics_host, config.metrics_port)
    install_worker(fapp, config, metrics)
    worker = BoundedWorker(
        fapp.app, loglevel=config.log_level, quiet=True, shutdown_timeout_s=config.shutdown_timeout_s
    )
    worker.execute_from_commandline()
    return EXIT_OK
