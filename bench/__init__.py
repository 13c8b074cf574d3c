"""Benchmarks (not shipped with the package): replay throughput and detection quality."""
