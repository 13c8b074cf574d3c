"""Throughput, latency and memory benchmark of firestorm on the local Kafka broker (issue 7)."""
