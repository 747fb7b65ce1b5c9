"""The photo scenes' street: house fronts with windows and shop signs over a road."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw

from lodestar.demo.render.paint import uniform_rgb
from lodestar.demo.render.stencil import dim, sign
from lodestar.demo.render.texture import textured, vertical_gradient


def street(size: tuple[int, int], rng: random.Random, nrng: np.random.Generator) -> Image.Image:
    """House fronts side by side over a road with lane markings."""
    w, h = size
    img = vertical_gradient(size, uniform_rgb(rng, 80, 160), uniform_rgb(rng, 180, 240))
    draw = ImageDraw.Draw(img)
    x = -rng.uniform(0, w * 0.1)
    ground = h * rng.uniform(0.8, 0.9)
    while x < w:
        x = _house(draw, size, x, ground, rng)
    road = Image.new("L", size, 0)
    ImageDraw.Draw(road).rectangle((0, int(ground), w, h), fill=255)
    img.paste(textured(size, (95, 95, 100), nrng, 60, 0.4), (0, 0), road)
    for k in range(0, w, max(1, w // 8)):
        draw.rectangle(
            (k, (ground + h) / 2, k + w // 16, (ground + h) / 2 + h * 0.01), fill=(235, 235, 235)
        )
    return img


def _house(draw: ImageDraw.ImageDraw, size: tuple[int, int], x: float, ground: float,
           rng: random.Random) -> float:
    """A house front from ``x``: rows of lit and dark windows, often a shop sign. Returns
    where the next house starts."""
    w, h = size
    bw = w * rng.uniform(0.08, 0.22)
    top = h * rng.uniform(0.1, 0.5)
    color = uniform_rgb(rng, 70, 210)
    draw.rectangle((x, top, x + bw, ground), fill=color)
    cols, rows = rng.randint(2, 6), rng.randint(3, 12)
    cw, rh = bw / cols, (ground - top) / rows
    lit = uniform_rgb(rng, 150, 255)
    for i in range(cols):
        for j in range(rows - 1):
            wx, wy = x + i * cw + cw * 0.2, top + j * rh + rh * 0.25
            fill = lit if rng.random() < 0.4 else dim(color, 0.45)
            draw.rectangle((wx, wy, wx + cw * 0.6, wy + rh * 0.5), fill=fill)
    if rng.random() < 0.6:
        board = (
            int(x + bw * 0.1),
            int(ground - rh * 0.9),
            int(x + bw * 0.9),
            int(ground - rh * 0.2),
        )
        sign(draw, board, rng, (0, 255), (0, 255))
    return x + (bw + w * rng.uniform(0.0, 0.02))
