"""Tiny inline-SVG time charts for the drill report: no library, no script, no network.

Styling is by CSS class (the report's inline stylesheet), so the charts follow the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from firestorm.streams.drills.report.clock import local

MINUTE = 60_000
_STEPS = [m * MINUTE for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880)]


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))


def nice_max(value: float) -> float:
    """A round axis top at or above `value`."""
    if value <= 0:
        return 1.0
    exp = float(10 ** math.floor(math.log10(value)))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * exp >= value:
            return m * exp
    return 10 * exp


def _time_label(ms: int, step: int) -> str:
    t = local(ms)
    if step >= 1440 * MINUTE or (t.hour == 0 and t.minute == 0):
        return t.strftime("%b %d")
    return t.strftime("%H:%M")


class TimeChart:
    """One chart: x is event time (ms), y a value; elements are drawn in the order added."""

    def __init__(
        self,
        x0: int,
        x1: int,
        y0: float,
        y1: float,
        *,
        width: int = 960,
        height: int = 240,
        title: str = "",
        y_label: str = "",
        y_format: str = "{}",
        y2: tuple[float, float, str] | None = None,
        css: str = "chart",
    ) -> None:
        self.x0, self.x1 = x0, max(x1, x0 + 1)
        self.y0, self.y1 = y0, y1 if y1 > y0 else y0 + 1
        self.width, self.height = width, height
        self.left, self.right, self.top, self.bottom = 56, 56 if y2 else 16, 28, 26
        self.title, self.y_label, self.y_format, self.y2, self.css = title, y_label, y_format, y2, css
        self.parts: list[str] = []
        self.legend: list[tuple[str, str]] = []

    # coordinates
    def x(self, ms: float) -> float:
        span = self.width - self.left - self.right
        return self.left + (ms - self.x0) / (self.x1 - self.x0) * span

    def y(self, v: float, axis: int = 1) -> float:
        lo, hi = (self.y0, self.y1) if axis == 1 or self.y2 is None else (self.y2[0], self.y2[1])
        span = self.height - self.top - self.bottom
        v = min(max(v, lo), hi)
        return self.top + (1 - (v - lo) / (hi - lo)) * span

    def _pt(self, ms: float, v: float, axis: int = 1) -> str:
        return f"{self.x(ms):.1f},{self.y(v, axis):.1f}"

    # elements
    def band(self, xs: Sequence[int], lo: Sequence[float], hi: Sequence[float], cls: str, label: str = "") -> None:
        if not xs:
            return
        upper = " ".join(self._pt(x, v) for x, v in zip(xs, hi, strict=True))
        lower = " ".join(self._pt(x, v) for x, v in zip(reversed(xs), reversed(lo), strict=True))
        self.parts.append(f'<polygon class="{cls}" points="{upper} {lower}"/>')
        if label:
            self.legend.append((cls, label))

    def line(
        self, xs: Sequence[int], ys: Sequence[float | None], cls: str, label: str = "", axis: int = 1, step_ms: int = 0
    ) -> None:
        """A polyline; None values break it. With `step_ms`, each value is held for one window."""
        segments: list[list[str]] = [[]]
        for x, v in zip(xs, ys, strict=True):
            if v is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append(self._pt(x, v, axis))
            if step_ms:
                segments[-1].append(self._pt(x + step_ms, v, axis))
        for seg in segments:
            if len(seg) >= 2:
                self.parts.append(f'<polyline class="{cls}" points="{" ".join(seg)}"/>')
            elif len(seg) == 1:
                px, py = seg[0].split(",")
                self.parts.append(f'<circle class="{cls} dot" cx="{px}" cy="{py}" r="1.5"/>')
        if label:
            self.legend.append((cls, label))

    def area(self, xs: Sequence[int], ys: Sequence[float], cls: str, label: str = "", step_ms: int = 0) -> None:
        """A filled area from zero, stepped per window when `step_ms` is given."""
        if not xs:
            return
        pts = []
        for x, v in zip(xs, ys, strict=True):
            pts.append(self._pt(x, v))
            if step_ms:
                pts.append(self._pt(x + step_ms, v))
        base_r = self._pt(xs[-1] + step_ms, self.y0)
        base_l = self._pt(xs[0], self.y0)
        self.parts.append(f'<polygon class="{cls}" points="{base_l} {" ".join(pts)} {base_r}"/>')
        if label:
            self.legend.append((cls, label))

    def vline(self, ms: int, cls: str, label: str = "", tooltip: str = "") -> None:
        if not self.x0 <= ms <= self.x1:
            return
        x = self.x(ms)
        title = f"<title>{escape(tooltip or label)}</title>" if (tooltip or label) else ""
        self.parts.append(
            f'<g class="{cls}">{title}<line x1="{x:.1f}" x2="{x:.1f}" y1="{self.top}" '
            f'y2="{self.height - self.bottom}"/>'
            + (f'<text x="{x + 3:.1f}" y="{self.top + 10}">{escape(label)}</text>' if label else "")
            + "</g>"
        )

    def marker(self, ms: int, v: float, cls: str, tooltip: str, shape: str = "triangle") -> None:
        if not self.x0 <= ms <= self.x1:
            return
        x, y = self.x(ms), self.y(v)
        if shape == "triangle":
            y = max(y - 4, self.top + 6)
            geom = f'<path d="M{x:.1f},{y + 6:.1f} l-6,-10 h12 z"/>'
        else:
            geom = f'<circle cx="{x:.1f}" cy="{y - 6:.1f}" r="5"/>'
        self.parts.append(f'<g class="{cls}"><title>{escape(tooltip)}</title>{geom}</g>')

    # axes
    def _x_ticks(self) -> tuple[list[int], int]:
        span = self.x1 - self.x0
        room = max(2, (self.width - self.left - self.right) // 90)
        step = next((s for s in _STEPS if span / s <= room), _STEPS[-1])
        first = self.x0 - self.x0 % step + (step if self.x0 % step else 0)
        return list(range(first, self.x1 + 1, step)), step

    def render(self) -> str:
        w, h = self.width, self.height
        out = [
            f'<svg class="{self.css}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            f'aria-label="{escape(self.title)}">',
            f"<title>{escape(self.title)}</title>",
        ]
        ticks, step = self._x_ticks()
        bottom = h - self.bottom
        for t in ticks:
            x = self.x(t)
            out.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{self.top}" y2="{bottom}"/>')
            out.append(
                f'<text class="tick" x="{x:.1f}" y="{bottom + 14}" text-anchor="middle">{_time_label(t, step)}</text>'
            )
        for i in range(5):
            v = self.y0 + (self.y1 - self.y0) * i / 4
            y = self.y(v)
            out.append(f'<line class="grid" x1="{self.left}" x2="{w - self.right}" y1="{y:.1f}" y2="{y:.1f}"/>')
            out.append(
                f'<text class="tick" x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                f"{escape(self.y_format.format(_fmt(v)))}</text>"
            )
            if self.y2 is not None:
                v2 = self.y2[0] + (self.y2[1] - self.y2[0]) * i / 4
                out.append(
                    f'<text class="tick" x="{w - self.right + 6}" y="{y + 4:.1f}">{v2:+.1f}</text>'.replace("+0.0", "0")
                )
        out.append(f'<text class="axis-label" x="{self.left}" y="{self.top - 10}">{escape(self.y_label)}</text>')
        if self.y2 is not None:
            out.append(
                f'<text class="axis-label" x="{w - self.right}" y="{self.top - 10}" text-anchor="end">'
                f"{escape(self.y2[2])}</text>"
            )
        out.append(f'<g class="plot">{"".join(self.parts)}</g>')
        out.append(
            f'<rect class="frame" x="{self.left}" y="{self.top}" '
            f'width="{w - self.left - self.right}" height="{bottom - self.top}"/>'
        )
        out.append("</svg>")
        return "".join(out)

    def legend_html(self) -> str:
        items = "".join(
            f'<span class="key"><i class="sw {cls}"></i>{escape(label)}</span>' for cls, label in self.legend
        )
        return f'<div class="legend">{items}</div>'
