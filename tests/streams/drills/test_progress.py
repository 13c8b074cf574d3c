"""The progress bar draws on a terminal only, throttled, and erases itself."""

from __future__ import annotations

import io

from firestorm.streams.drills.progress import Progress

T = 1_772_784_000_000  # 2026-03-06T08:00:00Z


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_when_the_stream_is_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(stream)
    assert not progress.enabled
    progress.update(1000, T, force=True)
    progress.close()
    assert stream.getvalue() == ""


def test_draws_rate_event_time_and_percentage_on_a_terminal() -> None:
    stream = FakeTTY()
    now = [100.0]
    progress = Progress(stream, position=lambda: 250, total_bytes=1000, clock=lambda: now[0])
    assert progress.enabled
    now[0] = 102.0
    progress.update(5000, T)
    text = stream.getvalue()
    assert text.startswith("\r") and text.endswith("\x1b[K")
    assert "5,000 mentions" in text and "2,500/s" in text
    assert "event time 2026-03-06 08:00Z" in text
    assert "25%" in text and "█" in text
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_throttled_to_the_interval() -> None:
    stream = FakeTTY()
    now = [0.0]
    progress = Progress(stream, clock=lambda: now[0], interval=0.5)
    progress.update(1, None)
    progress.update(2, None)  # same instant: skipped
    now[0] = 0.6
    progress.update(3, None)
    assert stream.getvalue().count("\r") == 2
    assert "%" not in stream.getvalue()  # no size known (standard input): no bar


def test_unknown_position_has_no_bar() -> None:
    progress = Progress(FakeTTY(), position=lambda: None, total_bytes=100, clock=lambda: 1.0)
    assert "%" not in progress.render(10, None, now=2.0)
