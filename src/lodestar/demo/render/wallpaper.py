"""The corpus rooms' wall: a patterned wallpaper tile repeated down to the skirting board."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from lodestar.demo.render.canvas import Canvas
from lodestar.demo.render.paint import RGB, shade


def _tile(pattern: str, wall: RGB, alt: RGB, size: int) -> Image.Image:
    """One square of wallpaper: ``alt`` motifs on ``wall`` ("plain" has none)."""
    tile = Image.new("RGB", (size, size), wall)
    d = ImageDraw.Draw(tile)
    s = size
    if pattern == "stripes":
        d.rectangle([0, 0, round(s * 0.32), s], fill=alt)
        d.line([round(s * 0.66), 0, round(s * 0.66), s], fill=alt, width=max(1, s // 20))
    elif pattern == "dots":
        r = s * 0.14
        d.ellipse([s / 2 - r, s / 2 - r, s / 2 + r, s / 2 + r], fill=alt)
    elif pattern == "checks":
        d.rectangle([0, 0, s // 2 - 1, s // 2 - 1], fill=alt)
        d.rectangle([s // 2, s // 2, s, s], fill=alt)
    elif pattern == "diamonds":
        d.polygon([(s / 2, s * 0.1), (s * 0.9, s / 2), (s / 2, s * 0.9), (s * 0.1, s / 2)],
                  fill=alt)
    return tile


def wallpaper(c: Canvas, pattern: str, wall: RGB, alt: RGB, tile: float,
              horizon: float) -> None:
    """Wallpaper from the top down to ``horizon`` in tiles ``tile`` of the height across,
    with a dark skirting board along its foot."""
    wall_h = round(horizon * c.h)
    size = max(4, round(tile * c.h))
    square = np.asarray(_tile(pattern, wall, alt, size))
    reps = (math.ceil(wall_h / size), math.ceil(c.w / size), 1)
    paper = np.ascontiguousarray(np.tile(square, reps)[:wall_h, : c.w])
    c.img.paste(Image.fromarray(paper), (0, 0))
    c.draw.rectangle(c.px((0, horizon - 0.014, 1, horizon)), fill=shade(wall, 0.6))
