"""Small server-side SVG charts (bars, lines) for self-contained, printable HTML reports: no JS, no CDN."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#1677ff", "#fa8c16", "#52c41a", "#eb2f96", "#13c2c2")
FONT = "font-family:sans-serif;font-size:11px"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value)}"


def bar_chart(rows: Sequence[tuple[str, float]], width: int = 640, bar: int = 18, colour: str = PALETTE[0],
              unit: str = "") -> Markup:
    """Horizontal bars, one per (label, value), longest value = full width; empty input gives an empty string."""
    if not rows:
        return Markup("")
    label_w, gap = 180, 6
    top = max(v for _l, v in rows) or 1.0
    span = width - label_w - 60
    height = len(rows) * (bar + gap) + gap
    parts = [f'<svg role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" style="{FONT}">']
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar + gap)
        w = max(1.0, span * value / top) if value else 0.0
        text = escape(label if len(label) <= 14 else label[:13] + "…")
        parts.append(f'<text x="{label_w - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end">{text}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}">'
                     f"<title>{escape(label)}: {_num(value)}{escape(unit)}</title></rect>"
                     f'<text x="{label_w + w + 4:.1f}" y="{y + bar * 0.7:.1f}">{_num(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(labels: Sequence[str], series: dict[str, Sequence[float | None]], width: int = 640,
               height: int = 220) -> Markup:
    """Lines over shared x labels (e.g. days), one colour per series, with a legend; None values leave gaps."""
    if not labels or not series:
        return Markup("")
    left, right, top_pad, bottom = 40, 24, 24, 36
    values = [v for s in series.values() for v in s if v is not None]
    top = max(values, default=0.0) or 1.0
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    step = plot_w / max(1, len(labels) - 1)

    def xy(i: int, v: float) -> str:
        return f"{left + i * step:.1f},{top_pad + plot_h * (1 - v / top):.1f}"

    parts = [f'<svg role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" style="{FONT}">',
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" y2="{top_pad + plot_h}" stroke="#999"/>',
             f'<text x="{left - 4}" y="{top_pad + 4}" text-anchor="end">{_num(top)}</text>',
             f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end">0</text>']
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                         f"{escape(label[-5:])}</text>")
    for n, (name, points) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        for run in _runs(points):
            coords = " ".join(xy(i, v) for i, v in run)
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
            parts += [f'<circle cx="{xy(i, v).split(",")[0]}" cy="{xy(i, v).split(",")[1]}" r="2.5" fill="{colour}">'
                      f"<title>{escape(name)} {escape(labels[i])}: {_num(v)}</title></circle>" for i, v in run]
        parts.append(f'<rect x="{left + n * 150}" y="4" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + n * 150 + 14}" y="13">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _runs(points: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive non-None stretches of a series as (index, value) lists."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, v in enumerate(points):
        if v is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((i, float(v)))
    return [r for r in runs if r]
