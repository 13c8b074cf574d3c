"""The delivery ledger: what was delivered but maybe not committed survives a restart."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

from firestorm.streams.notifier.ledger import DEAD, DeliveryLedger, entry


def record(offset: int, partition: int = 0, timestamp: int = 1000) -> SimpleNamespace:
    return SimpleNamespace(topic="alerts", partition=partition, offset=offset, timestamp=timestamp)


class TP(NamedTuple):
    topic: str
    partition: int


def tp(partition: int) -> TP:
    return TP("alerts", partition)


def test_entries_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "data" / "notifier.delivered"
    ledger = DeliveryLedger(path).open()
    ledger.add(entry(record(5), "pagerduty/default"))
    ledger.add(entry(record(6), DEAD))
    ledger.add(entry(record(6), DEAD))  # once
    # no close: as after a SIGKILL, what was flushed is there
    again = DeliveryLedger(path).open()
    assert entry(record(5), "pagerduty/default") in again
    assert entry(record(6), DEAD) in again
    assert entry(record(5), "comms/comms") not in again
    assert entry(record(5, timestamp=2000), "pagerduty/default") not in again  # a recreated topic
    assert len(path.read_text().splitlines()) == 2
    ledger.close()
    again.close()


def test_compaction_forgets_what_is_committed(tmp_path: Path) -> None:
    path = tmp_path / "l"
    ledger = DeliveryLedger(path).open()
    for offset in range(10):
        ledger.add(entry(record(offset), "pagerduty/default"))
    ledger.add(entry(record(3, partition=1), "pagerduty/default"))
    ledger.compact({tp(0): 8})  # not yet: compaction waits for enough appends
    assert len(ledger) == 11
    ledger.compact({tp(0): 8}, force=True)
    assert len(ledger) == 3  # offsets 8 and 9 of partition 0, and partition 1 untouched
    ledger.add(entry(record(10), "x/y"))
    ledger.close()
    assert len(DeliveryLedger(path).open()) == 4


def test_in_memory_ledger() -> None:
    ledger = DeliveryLedger(None).open()
    ledger.add(entry(record(1), "x/y"))
    assert entry(record(1), "x/y") in ledger
    ledger.compact({tp(0): 2}, force=True)
    assert len(ledger) == 0
    ledger.close()
