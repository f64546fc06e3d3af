"""Charts as inline SVG, drawn here rather than by matplotlib: a line, its usual band
and bars are a few paths, a chart weighs 2 to 4 kB (matplotlib's SVG weighs ten times
that, with its glyphs) and takes no time to draw, and the same markup serves the
screens and the self-contained morning report, with no script and no image file.

Every value put into the markup is a number or escaped text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 24


@dataclass(frozen=True)
class Point:
    label: str  # the x label (a day)
    value: float | None  # None: no data that day (the line breaks)
    low: float | None = None  # the usual band that day, when known
    high: float | None = None


def _scale(lo: float, hi: float, size: float, flip: bool) -> tuple[float, float]:
    span = (hi - lo) or 1.0
    factor = size / span
    return (-factor, TOP + size + lo * factor) if flip else (factor, -lo * factor)


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    y_min: float | None = None,
    y_max: float | None = None,
    y_format: str = "{:.0f}",
    css_class: str = "line",
) -> Markup:
    """A line over days, with its usual band (shaded) where known."""
    values = [v for p in points for v in (p.value, p.low, p.high) if v is not None]
    lo = y_min if y_min is not None else min(values, default=0.0)
    hi = y_max if y_max is not None else max(values, default=1.0)
    if hi <= lo:
        hi = lo + 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)
    ky, by = _scale(lo, hi, plot_h, flip=True)

    def x(i: int) -> str:
        return _fmt(LEFT + i * step)

    def y(v: float) -> str:
        return _fmt(ky * v + by)

    parts = [_frame(title, lo, hi, y_format, ky, by)]
    band = [
        (i, p.low, p.high) for i, p in enumerate(points) if p.low is not None and p.high is not None
    ]
    if band:
        upper = " ".join(f"{x(i)},{y(high)}" for i, _, high in band)
        lower = " ".join(f"{x(i)},{y(low)}" for i, low, _ in reversed(band))
        parts.append(f'<polygon class="band" points="{upper} {lower}"/>')
    segments: list[list[str]] = [[]]
    for i, p in enumerate(points):
        if p.value is None:
            segments.append([])
        else:
            segments[-1].append(f"{x(i)},{y(p.value)}")
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline class="{css_class}" points="{" ".join(seg)}"/>')
        elif seg:
            cx, cy = seg[0].split(",")
            parts.append(f'<circle class="{css_class}" cx="{cx}" cy="{cy}" r="2.5"/>')
    parts.append(_x_labels(points, x))
    return _svg(title, parts)


def bar_chart(points: Sequence[Point], *, title: str, css_class: str = "bars") -> Markup:
    """Bars over days (a count each day)."""
    hi = max((p.value or 0.0 for p in points), default=0.0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    ky, by = _scale(0.0, hi, plot_h, flip=True)
    parts = [_frame(title, 0.0, hi, "{:.0f}", ky, by)]
    for i, p in enumerate(points):
        if p.value:
            top = ky * p.value + by
            parts.append(
                f'<rect class="{css_class}" x="{_fmt(LEFT + i * slot + slot * 0.15)}" '
                f'y="{_fmt(top)}" width="{_fmt(slot * 0.7)}" height="{_fmt(TOP + plot_h - top)}">'
                f"<title>{escape(p.label)}: {p.value:.0f}</title></rect>"
            )
    parts.append(_x_labels(points, lambda i: _fmt(LEFT + i * slot + slot / 2)))
    return _svg(title, parts)


def _frame(title: str, lo: float, hi: float, y_format: str, ky: float, by: float) -> str:
    lines = []
    for v in (lo, (lo + hi) / 2, hi):
        yy = _fmt(ky * v + by)
        lines.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{yy}" y2="{yy}"/>'
            f'<text class="axis" x="{LEFT - 4}" y="{yy}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(y_format.format(v))}</text>'
        )
    return "".join(lines)


def _x_labels(points: Sequence[Point], x: Callable[[int], str]) -> str:
    if not points:
        return ""
    every = max(1, len(points) // 6)
    shown = [i for i in range(0, len(points), every)]
    labels = []
    for i in shown:
        labels.append(
            f'<text class="axis" x="{x(i)}" y="{HEIGHT - 6}" '
            f'text-anchor="middle">{escape(points[i].label)}</text>'
        )
    return "".join(labels)


def _svg(title: str, parts: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )
