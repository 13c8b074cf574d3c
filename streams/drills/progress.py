"""A one-line progress bar on stderr for long replays: mentions/s and the event-time position.

It draws only when its stream is a terminal, at most every `interval` seconds, and clears
itself when done, so piped or logged output never sees it.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import IO

from firestorm.models.timeutil import iso_utc


class Progress:
    """Call `update(count, event_ms)` as often as you like; `close()` at the end."""

    def __init__(
        self,
        stream: IO[str],
        position: Callable[[], int | None] | None = None,
        total_bytes: int | None = None,
        enabled: bool | None = None,
        interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        noun: str = "mentions",
    ) -> None:
        self.stream = stream
        self.position = position
        self.total_bytes = total_bytes
        self.enabled = _isatty(stream) if enabled is None else enabled
        self.interval = interval
        self.clock = clock
        self.noun = noun
        self.started = clock()
        self._last_draw = float("-inf")
        self._drawn = False

    def update(self, count: int, event_ms: int | None = None, force: bool = False) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if not force and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        self.stream.write("\r" + self.render(count, event_ms, now) + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def render(self, count: int, event_ms: int | None, now: float | None = None) -> str:
        """The line as drawn (without the carriage return), fitted to the terminal width."""
        elapsed = max((now if now is not None else self.clock()) - self.started, 1e-9)
        parts = [f"{count:,} {self.noun}", f"{count / elapsed:,.0f}/s"]
        if event_ms is not None:
            parts.append(f"event time {iso_utc(event_ms)[:16].replace('T', ' ')}Z")
        fraction = self._fraction()
        text = "  ".join(parts)
        width = shutil.get_terminal_size((100, 20)).columns - 1
        if fraction is not None:
            bar_width = max(10, min(30, width - len(text) - 10))
            filled = round(fraction * bar_width)
            bar = "█" * filled + "░" * (bar_width - filled)
            text = f"{bar} {fraction:4.0%}  {text}"
        return text[:width]

    def _fraction(self) -> float | None:
        if self.position is None or not self.total_bytes:
            return None
        pos = self.position()
        return None if pos is None else min(1.0, pos / self.total_bytes)

    def close(self) -> None:
        """Erase the bar so the summary starts on a clean line."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
