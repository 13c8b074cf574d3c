"""What closing a window costs, measured on firestorm.models.engine.Engine through its public API.

The engine closes the windows of live entities minute by minute; a dormant entity (nothing pending,
nothing that could fire) has no window-close timer and catches up over its idle run in one step
when it speaks again or its state is read (docs/scaling.md). These helpers build an engine, feed it
untimed, then time only the calls that close windows, and return the time with the windows closed:
- `busy_windows`: E entities with a few mentions each minute (warm detectors);
- `empty_windows`: E entities warmed for two hours, then minutes with no mention at all, closed one
  by one (`every_window`, as a drill report does: the per-window price of the eager path);
- `idle_entities`: 10,000 known entities that say nothing: the cost of one minute of event time
  once they sleep compressed (the default engine closes none of their windows; `every_window=True`
  gives the eager cost);
- `freeze_entities`: the one advance, `FREEZE_AFTER_WINDOWS` windows into their sleep, that
  compresses 10,000 dormant entities' state: paid once per sleep, not per minute;
- `idle_run`: one warm entity whose next 1,000 windows are all empty: the catch-up that learns
  them in one step when its state is read.
Mentions go in through `engine.ingest` with timestamps in the first half of their minute, so the
engine's own advance (at the mention's time less the 30 s lateness) closes nothing new and every
close happens in a timed call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from firestorm.models.engine import FREEZE_AFTER_WINDOWS, Engine, EngineSettings
from firestorm.models.frozen import Frozen
from firestorm.models.records import Author, Mention
from firestorm.models.sentiment import Sentiment

START_MS = 1_772_409_600_000  # 2026-03-02T00:00:00Z
MINUTE_MS = 60_000
_AUTHOR = Author("bench", 120)
_SENTIMENTS = (Sentiment("en", 0.44), Sentiment("en", 0.0), Sentiment("en", -0.51))


@dataclass(frozen=True)
class WindowTiming:
    """Seconds spent inside the timed advance calls, the windows they closed, and how many calls."""

    seconds: float
    windows: int
    calls: int

    @property
    def us_per_window(self) -> float:
        return self.seconds / self.windows * 1e6 if self.windows else float("nan")

    @property
    def ms_per_call(self) -> float:
        return self.seconds / self.calls * 1e3 if self.calls else float("nan")


def names(count: int) -> list[str]:
    return [f"entity-{i:05d}" for i in range(count)]


def feed_minute(engine: Engine, entities: list[str], minute: int, per_minute: int) -> None:
    """`per_minute` mentions of each entity in the first half of `minute` (no window closes)."""
    base = START_MS + minute * MINUTE_MS
    for i in range(per_minute):
        sentiment = _SENTIMENTS[(minute + i) % len(_SENTIMENTS)]
        for n, name in enumerate(entities):
            ts = base + (n * 7 + i * 4_999) % (MINUTE_MS // 2)
            mention = Mention(f"{name}-{minute}-{i}", name, ts, "a mention", "en", _AUTHOR, "x")
            engine.ingest(mention, sentiment)


def timed_advance(engine: Engine, minute: int) -> tuple[float, int]:
    """Advance the watermark to the end of `minute`; (seconds, windows closed)."""
    started = time.perf_counter()
    closed = engine.advance(START_MS + (minute + 1) * MINUTE_MS)
    return time.perf_counter() - started, len(closed)


def warm(engine: Engine, entities: list[str], minutes: int, per_minute: int) -> None:
    """Feed and close `minutes` busy minutes, untimed."""
    for minute in range(minutes):
        feed_minute(engine, entities, minute, per_minute)
        engine.advance(START_MS + (minute + 1) * MINUTE_MS)


def busy_windows(entities: int = 200, per_minute: int = 3, warm_minutes: int = 60, minutes: int = 30) -> WindowTiming:
    """Windows with mentions in them, of warm entities: only the closing advance is timed."""
    engine = Engine(EngineSettings())
    keys = names(entities)
    warm(engine, keys, warm_minutes, per_minute)
    seconds, windows = 0.0, 0
    for minute in range(warm_minutes, warm_minutes + minutes):
        feed_minute(engine, keys, minute, per_minute)
        took, closed = timed_advance(engine, minute)
        seconds += took
        windows += closed
    return WindowTiming(seconds, windows, minutes)


def empty_windows(entities: int = 200, warm_minutes: int = 120, minutes: int = 30, per_minute: int = 3) -> WindowTiming:
    """Empty windows of entities warmed for `warm_minutes`, closed minute by minute (every window)."""
    engine = Engine(EngineSettings(every_window=True))
    warm(engine, names(entities), warm_minutes, per_minute)
    seconds, windows = 0.0, 0
    for minute in range(warm_minutes, warm_minutes + minutes):
        took, closed = timed_advance(engine, minute)
        seconds += took
        windows += closed
    return WindowTiming(seconds, windows, minutes)


def idle_entities(
    entities: int = 10_000, minutes: int = 5, quiet_minutes: int = FREEZE_AFTER_WINDOWS + 1, every_window: bool = False
) -> WindowTiming:
    """`entities` known entities (one mention each, then `quiet_minutes` closed untimed) and
    `minutes` minutes of event time with no mention: one timed advance per minute. The default
    quiet run reaches past the advance that compresses them (`freeze_entities` times that one), so
    the timed minutes are the steady cost of a sleeping watch list."""
    engine = _one_mention_each(entities, every_window)
    for minute in range(quiet_minutes + 1):
        engine.advance(START_MS + (minute + 1) * MINUTE_MS)
    seconds, windows = 0.0, 0
    for minute in range(quiet_minutes + 1, quiet_minutes + 1 + minutes):
        took, closed = timed_advance(engine, minute)
        seconds += took
        windows += closed
    return WindowTiming(seconds, windows, minutes)


def freeze_entities(entities: int = 10_000) -> tuple[float, int]:
    """(seconds, entities compressed) of the one advance that compresses `entities` entities
    gone dormant together, `FREEZE_AFTER_WINDOWS` windows into their sleep (untimed before it)."""
    engine = _one_mention_each(entities, False)
    for minute in range(FREEZE_AFTER_WINDOWS):
        engine.advance(START_MS + (minute + 1) * MINUTE_MS)
    before = _frozen(engine)
    took, _ = timed_advance(engine, FREEZE_AFTER_WINDOWS)
    return took, _frozen(engine) - before


def _frozen(engine: Engine) -> int:
    return sum(isinstance(state.detector, Frozen) for state in engine.entities.values())


def _one_mention_each(entities: int, every_window: bool) -> Engine:
    settings = EngineSettings(max_entities=max(entities, EngineSettings().max_entities), every_window=every_window)
    engine = Engine(settings)
    feed_minute(engine, names(entities), 0, 1)
    return engine


def idle_run(run: int = 1_000, warm_minutes: int = 120, per_minute: int = 3) -> WindowTiming:
    """One warm entity, then one advance over `run` empty minutes and the catch-up that learns what
    that advance left unclosed (a dormant entity's run), both timed: every one of the `run` windows
    is either closed by the advance (while the entity is still live) or learnt by the catch-up."""
    engine = Engine(EngineSettings())
    name = names(1)[0]
    warm(engine, [name], warm_minutes, per_minute)
    before = engine.entities[name].closed_until_ms
    started = time.perf_counter()
    engine.advance(START_MS + (warm_minutes + run) * MINUTE_MS)
    engine.catch_up([name])
    took = time.perf_counter() - started
    return WindowTiming(took, (engine.entities[name].closed_until_ms - before) // MINUTE_MS, 1)
