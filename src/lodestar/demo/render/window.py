"""Windows: a view seen through a framed opening; the corpus rooms add a sill and curtains."""

from __future__ import annotations

import random
from collections.abc import Sequence

from PIL import Image, ImageDraw

from lodestar.demo.render.canvas import Box, Canvas, PixelBox
from lodestar.demo.render.paint import RGB, shade
from lodestar.demo.render.views import window_view

Line = Sequence[float] | Sequence[tuple[float, float]]  # as ImageDraw.line takes it


def glaze(img: Image.Image, draw: ImageDraw.ImageDraw, box: PixelBox, view: Image.Image,
          color: RGB, width: int, bars: Sequence[Line], bar_width: int) -> None:
    """``view`` seen through ``box``, framed ``width`` px wide in ``color`` and crossed by
    ``bars`` (each a line's coordinates) ``bar_width`` px wide."""
    img.paste(view, box[:2])
    draw.rectangle(box, outline=color, width=width)
    for bar in bars:
        draw.line(bar, fill=color, width=bar_width)


def room_window(c: Canvas, box: Box, view: str, frame: RGB, curtains: RGB | None,
                rng: random.Random) -> None:
    """A corpus room's window: a ``view`` landscape behind a cross of glazing bars, a sill,
    and curtains when ``curtains`` gives their colour."""
    x0, y0, x1, y1 = c.px(box)
    scenery = window_view((max(1, x1 - x0), max(1, y1 - y0)), view, rng)
    lw = c.lw(0.012)
    mullion = [(x0 + x1) // 2, y0, (x0 + x1) // 2, y1]
    transom = [x0, (y0 * 2 + y1) // 3, x1, (y0 * 2 + y1) // 3]
    glaze(c.img, c.draw, (x0, y0, x1, y1), scenery, frame, lw, (mullion, transom), lw // 2 + 1)
    sill = box[3]
    c.draw.rectangle(c.px((box[0] - 0.02, sill, box[2] + 0.02, sill + 0.02)),
                     fill=shade(frame, 0.9))
    if curtains is not None:
        _curtains(c, box, sill, curtains)


def _curtains(c: Canvas, box: Box, sill: float, color: RGB) -> None:
    wx0, wy0, wx1, _ = box
    for side in (wx0 - 0.05, wx1 - 0.015):
        c.draw.rectangle(c.px((side, wy0 - 0.03, side + 0.065, sill + 0.05)), fill=color)
        for k in range(3):
            fx = side + 0.012 + k * 0.02
            c.draw.line([c.pt(fx, wy0 - 0.03), c.pt(fx, sill + 0.05)],
                        fill=shade(color, 0.8), width=c.lw(0.003))
