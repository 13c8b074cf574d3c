"""The benchmark's side of the broker: start it if needed, unique topics, produce, group offsets."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError, UnknownTopicOrPartitionError

ROOT = Path(__file__).resolve().parents[2]
KAFKA_SCRIPT = ROOT / "deploy" / "kafka" / "kafka.sh"
HOST = "127.0.0.1"


def port_open(port: int, host: str = HOST) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def ensure_broker(port: int) -> bool:
    """Start the local broker with deploy/kafka/kafka.sh unless it listens; True if we started it."""
    if port_open(port):
        return False
    subprocess.run([str(KAFKA_SCRIPT), "up"], check=True, timeout=600)
    return True


def stop_broker() -> None:
    subprocess.run([str(KAFKA_SCRIPT), "down"], check=False, timeout=120)


class Admin:
    """Topic creation/deletion and committed offsets (kafka-python's admin client)."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.client = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="firestorm-bench-admin")

    def close(self) -> None:
        self.client.close()

    def create(self, name: str, partitions: int, configs: dict[str, str] | None = None) -> None:
        with contextlib.suppress(TopicAlreadyExistsError):
            topic = NewTopic(name, partitions, 1, topic_configs=configs or {})
            self.client.create_topics([topic], timeout_ms=30_000)

    def delete(self, names: Iterable[str]) -> None:
        existing = set(self.client.list_topics())
        doomed = [n for n in names if n in existing]
        if doomed:
            with contextlib.suppress(KafkaError, UnknownTopicOrPartitionError):
                self.client.delete_topics(doomed, timeout_ms=30_000)

    def topics_with_prefix(self, prefix: str) -> list[str]:
        return [t for t in self.client.list_topics() if t.startswith(prefix)]

    def delete_groups(self, groups: Sequence[str]) -> None:
        with contextlib.suppress(Exception):  # best effort: a group with members left or already gone
            self.client.delete_groups(sorted(set(groups)))

    def stable_members(self, group: str) -> int:
        """Members of a group that is Stable (0 while it rebalances or is unknown)."""
        try:
            info = self.client.describe_groups([group]).get(group, {})
        except Exception:  # best effort, like the offsets: the group may not exist yet
            return 0
        if str(info.get("group_state", info.get("state", ""))).lower() != "stable":
            return 0
        return len(info.get("members", []))

    def committed(self, group: str, topic: str) -> int:
        """Sum of the group's committed offsets on `topic` (0 before the first commit)."""
        try:
            offsets = self.client.list_group_offsets({group: None}).get(group, {})
        except KafkaError:
            return 0
        return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset >= 0)


async def produce_async(bootstrap: str, topic: str, records: Sequence[tuple[bytes, bytes]]) -> float:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks=1, linger_ms=20, max_batch_size=512 * 1024, compression_type=None
    )
    await producer.start()
    started = time.perf_counter()
    try:
        pending = []
        for key, value in records:
            pending.append(await producer.send(topic, key=key, value=value))
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.perf_counter() - started


def produce(bootstrap: str, topic: str, records: Sequence[tuple[bytes, bytes]]) -> float:
    """Send (key, value) records as fast as the broker takes them; returns the seconds it took."""
    return asyncio.run(produce_async(bootstrap, topic, records))


def end_offsets(bootstrap: str, topic: str) -> int:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        ends = consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return int(sum(ends.values()))
    finally:
        consumer.close()
