"""The embedded runner: the real engine fed from a file, no broker, for demos and drills."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from firestorm.models.alerts import Alert
from firestorm.models.engine import ClosedWindow, Engine, EngineSettings
from firestorm.models.pipeline import DEAD_LETTER, MentionProcessor, Processed, Tally
from firestorm.models.planned import PlannedEvent
from firestorm.streams.formats.base import Rejected
from firestorm.streams.metrics import Metrics

MAX_BAD_LINES_KEPT = 50
PROGRESS_EVERY = 256  # lines between two calls of the progress callback


class Pacer:
    """Sleeps so that event time runs `speed` times faster than the wall clock (a live-looking replay).

    Mentions before `start_ms` (event time) are not paced: a drill can fast-forward the quiet
    history that teaches the baseline, then play the storm at watching speed.
    """

    def __init__(
        self,
        speed: float,
        start_ms: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.start_ms = start_ms
        self.sleep = sleep
        self.clock = clock
        self._origin: tuple[int, float] | None = None  # (event time, wall time) of the first paced mention

    def wait(self, ts_ms: int) -> None:
        if self.start_ms is not None and ts_ms < self.start_ms:
            return
        if self._origin is None:
            self._origin = (ts_ms, self.clock())
            return
        due = self._origin[1] + (ts_ms - self._origin[0]) / 1000 / self.speed
        ahead = due - self.clock()
        if ahead > 0.002:
            self.sleep(ahead)


@dataclass(slots=True)
class ReplayResult:
    """What a replay saw and raised; bad lines keep their line number and reason."""

    tally: Tally = field(default_factory=Tally)
    alerts: list[Alert] = field(default_factory=list)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    elapsed_s: float = 0.0
    windows_closed: int = 0
    unmatched: int = 0  # rows of an export that named no watched entity (skipped, not errors)

    @property
    def rate(self) -> float:
        return self.tally.consumed / self.elapsed_s if self.elapsed_s > 0 else 0.0


def replay(
    lines: Iterable[tuple[int, bytes | Rejected]],
    settings: EngineSettings,
    on_alert: Callable[[Alert], None] | None = None,
    metrics: Metrics | None = None,
    processor: MentionProcessor | None = None,
    on_window: Callable[[ClosedWindow], None] | None = None,
    on_processed: Callable[[Processed], None] | None = None,
    on_progress: Callable[[int, int | None], None] | None = None,
    planned: Iterable[PlannedEvent] = (),
    pacer: Pacer | None = None,
) -> ReplayResult:
    """Run every line through the same processor and engine the worker uses, then close the tail.

    Lines are raw mention JSON, or `Rejected` rows an input format could not map (counted as
    dead letters with their reason, or as unmatched). `on_window` sees every closed window
    (a report collects its series there), `on_processed` every processed mention, and
    `on_progress(lines so far, engine clock in ms)` is called every few hundred lines. `planned`
    events (a drill's labels may declare them) go to the engine's calendar. A `pacer` slows the
    replay down to a multiple of real time (metrics served meanwhile look like a live worker's).
    """
    engine = Engine(settings, planned=planned)
    engine.report_dormant = metrics is not None
    processor = processor or MentionProcessor()
    result = ReplayResult()
    started = time.perf_counter()

    arrived = 0.0  # time.monotonic() at which the current line was read (event-to-alert latency)

    def emit(closed_windows: Iterable[ClosedWindow]) -> None:
        for closed in closed_windows:
            result.windows_closed += 1
            if metrics is not None:
                metrics.record_window(closed)
            if on_window is not None:
                on_window(closed)
            if closed.alert is not None:
                result.alerts.append(closed.alert)
                if on_alert is not None:
                    on_alert(closed.alert)
                if metrics is not None:
                    metrics.observe_alert_latency(arrived)

    seen = 0
    for number, raw in lines:
        seen += 1
        if metrics is not None:
            arrived = time.monotonic()
        if on_progress is not None and seen % PROGRESS_EVERY == 0:
            on_progress(seen, engine.clock_ms)
        if isinstance(raw, Rejected):
            if not raw.error:
                result.unmatched += 1
                continue
            processed = Processed(outcome=DEAD_LETTER, error=raw.as_decode_error())
        else:
            processed = processor.process(engine, raw, ref=number)
        result.tally.add(processed)
        for decided in (processed, *processed.released):
            if decided.error is not None and len(result.bad_lines) < MAX_BAD_LINES_KEPT:
                result.bad_lines.append((decided.ref if isinstance(decided.ref, int) else number, str(decided.error)))
        if metrics is not None:
            metrics.record_message(processed)
        if on_processed is not None:
            for decided in (processed, *processed.released):
                if decided.mention is not None:
                    on_processed(decided)
        emit(processed.closed)
        if metrics is not None and processed.closed:
            metrics.set_watermark("replay", engine.watermark_ms)
            metrics.record_dormant(engine.take_dormant())
        if pacer is not None and processed.mention is not None:
            pacer.wait(processed.mention.ts_ms)
    arrived = time.monotonic()
    emit(engine.finish())
    for decided in processor.released(engine):  # held mentions no jump confirmed: future_timestamp
        result.tally.release(decided)
        if metrics is not None:
            metrics.record_release(decided)
        if decided.error is not None and len(result.bad_lines) < MAX_BAD_LINES_KEPT:
            result.bad_lines.append((decided.ref if isinstance(decided.ref, int) else 0, str(decided.error)))
    if metrics is not None:
        metrics.set_watermark("replay", engine.watermark_ms)
    if on_progress is not None:
        on_progress(seen, engine.clock_ms)
    result.elapsed_s = time.perf_counter() - started
    return result
