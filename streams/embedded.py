"""The embedded runner: the real engine fed from a file, no broker, for demos and drills."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from models.alerts import Alert
from models.engine import ClosedWindow, Engine, EngineSettings
from models.pipeline import MentionProcessor, Tally
from streams.metrics import Metrics

MAX_BAD_LINES_KEPT = 50


@dataclass(slots=True)
class ReplayResult:
    """What a replay saw and raised; bad lines keep their line number and reason."""

    tally: Tally = field(default_factory=Tally)
    alerts: list[Alert] = field(default_factory=list)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    elapsed_s: float = 0.0
    windows_closed: int = 0

    @property
    def rate(self) -> float:
        return self.tally.consumed / self.elapsed_s if self.elapsed_s > 0 else 0.0


def replay(
    lines: Iterable[tuple[int, bytes]],
    settings: EngineSettings,
    on_alert: Callable[[Alert], None] | None = None,
    metrics: Metrics | None = None,
    processor: MentionProcessor | None = None,
) -> ReplayResult:
    """Run every line through the same processor and engine the worker uses, then close the tail."""
    engine = Engine(settings)
    processor = processor or MentionProcessor()
    result = ReplayResult()
    started = time.perf_counter()

    def emit(closed_windows: Iterable[ClosedWindow]) -> None:
        for closed in closed_windows:
            result.windows_closed += 1
            if metrics is not None:
                metrics.record_window(closed)
            if closed.alert is not None:
                result.alerts.append(closed.alert)
                if on_alert is not None:
                    on_alert(closed.alert)

    for number, raw in lines:
        processed = processor.process(engine, raw)
        result.tally.add(processed)
        if processed.error is not None and len(result.bad_lines) < MAX_BAD_LINES_KEPT:
            result.bad_lines.append((number, str(processed.error)))
        if metrics is not None:
            metrics.record_message(processed)
        emit(processed.closed)
    emit(engine.finish())
    result.elapsed_s = time.perf_counter() - started
    return result
