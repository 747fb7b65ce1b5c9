"""Bar charts as inline SVG, drawn on the server (the CSP allows no chart library, no inline style).

Hand-written because the charts are a few rectangles and labels: a plotting stack would add
a large dependency and emit ``style`` attributes that the strict CSP blocks. Colours are SVG
presentation attributes (not CSS), every number is also printed, and each chart has a title
and description for screen readers. Jinja's ``Markup`` is returned only after escaping all text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#9aa5b1", "#5b8def", "#f0a030", "#44aa77", "#8855bb", "#c0504d", "#4bacc6")
ROW_H, BAR_H, LABEL_W, BAR_W, PAD = 26, 16, 150, 420, 8


@dataclass(frozen=True)
class Segment:
    label: str
    value: int


@dataclass(frozen=True)
class Row:
    label: str
    segments: Sequence[Segment]

    @property
    def total(self) -> int:
        return sum(s.value for s in self.segments)


def bar_chart(title: str, rows: Sequence[Row], *, keys: Sequence[str] = ()) -> Markup:
    """Horizontal bars; with ``keys`` (segment labels, in order) stacked, with a legend."""
    stacked = bool(keys)  # a legend only where bars are stacked from named parts
    keys = list(keys) or list(dict.fromkeys(s.label for r in rows for s in r.segments))
    colour = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}
    top = max((r.total for r in rows), default=0) or 1
    legend_h = ROW_H if stacked else 0
    height = legend_h + ROW_H * max(len(rows), 1) + PAD
    width = LABEL_W + BAR_W + 60
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(_describe(rows))}</desc>",
    ]
    if legend_h:
        parts += _legend(keys, colour)
    if not rows:
        parts.append(f'<text x="0" y="{legend_h + 18}" fill="#666">Nothing yet.</text>')
    for i, row in enumerate(rows):
        parts += _bar(row, legend_h + i * ROW_H, top, colour)
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(keys: Sequence[str], colour: dict[str, str]) -> list[str]:
    out, x = [], 0
    for k in keys:
        out.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour[k]}"/>')
        out.append(f'<text x="{x + 16}" y="14" font-size="12">{escape(k)}</text>')
        x += 24 + 7 * len(k)
    return out


def _bar(row: Row, y: int, top: int, colour: dict[str, str]) -> list[str]:
    out = [f'<text x="0" y="{y + 13}" font-size="13">{escape(row.label)}</text>']
    x = float(LABEL_W)
    for seg in row.segments:
        if seg.value <= 0:
            continue
        w = BAR_W * seg.value / top
        out.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_H}" '
            f'fill="{colour.get(seg.label, PALETTE[0])}"><title>{escape(seg.label)}: '
            f"{seg.value}</title></rect>"
        )
        x += w
    out.append(f'<text x="{x + 6:.1f}" y="{y + 13}" font-size="12">{row.total}</text>')
    return out


def _describe(rows: Sequence[Row]) -> str:
    return "; ".join(
        f"{r.label}: {r.total}"
        + (
            f" ({', '.join(f'{s.label} {s.value}' for s in r.segments if s.value)})"
            if len(r.segments) > 1
            else ""
        )
        for r in rows
    )
