"""Wiring of the pure engine to the world: Faust worker, Kafka topics, sinks, metrics, CLI."""
