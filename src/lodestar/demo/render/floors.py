"""The corpus rooms' floor: carpet, planks or tiles converging on the middle of the horizon."""

from __future__ import annotations

import random

from lodestar.demo.render.canvas import Canvas
from lodestar.demo.render.paint import RGB, shade

_COLUMNS = 12  # planks, or tile columns, across the floor


def _columns(n: int) -> list[tuple[float, float]]:
    """(x at the horizon, x at the bottom) for n+1 lines converging to the middle."""
    cols = []
    for i in range(n + 1):
        bottom = -0.7 + 2.4 * i / n
        cols.append((0.5 + (bottom - 0.5) * 0.38, bottom))
    return cols


def floor(c: Canvas, kind: str, color: RGB, alt: RGB, horizon: float,
          rng: random.Random) -> None:
    """The floor below ``horizon``: ``kind`` is carpet, planks or (any other) tiles."""
    c.draw.rectangle(c.px((0, horizon, 1, 1)), fill=color)
    if kind == "carpet":
        c.draw.rectangle(c.px((0, horizon + 0.01, 1, horizon + 0.03)), fill=alt)
    elif kind == "planks":
        _planks(c, color, horizon, rng)
    else:
        _tiles(c, alt, horizon)


def _planks(c: Canvas, color: RGB, top: float, rng: random.Random) -> None:
    cols = _columns(_COLUMNS)
    for i in range(_COLUMNS):
        (t0, b0), (t1, b1) = cols[i], cols[i + 1]
        plank = shade(color, rng.uniform(0.85, 1.12))
        c.draw.polygon([c.pt(t0, top), c.pt(t1, top), c.pt(b1, 1), c.pt(b0, 1)], fill=plank)
    for t, b in cols:
        c.draw.line([c.pt(t, top), c.pt(b, 1)], fill=shade(color, 0.55), width=c.lw(0.002))


def _tiles(c: Canvas, alt: RGB, top: float) -> None:
    """A checkerboard in perspective: rows closer together towards the horizon."""
    cols = _columns(_COLUMNS)
    rows = [top + (1 - top) * (k / 7) ** 1.5 for k in range(8)]
    for r in range(7):
        for i in range(_COLUMNS):
            if (r + i) % 2:
                continue
            (t0, b0), (t1, b1) = cols[i], cols[i + 1]
            f0, f1 = (rows[r] - top) / (1 - top), (rows[r + 1] - top) / (1 - top)
            quad = [(t0 + (b0 - t0) * f0, rows[r]), (t1 + (b1 - t1) * f0, rows[r]),
                    (t1 + (b1 - t1) * f1, rows[r + 1]), (t0 + (b0 - t0) * f1, rows[r + 1])]
            c.draw.polygon([c.pt(x, y) for x, y in quad], fill=alt)
