"""The photo scenes' abstract kind: ellipses, bars, polygons and word tags."""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw

from lodestar.demo.render.paint import uniform_rgb
from lodestar.demo.render.stencil import sign
from lodestar.demo.render.texture import noise_field, vertical_gradient


def shapes(size: tuple[int, int], rng: random.Random, nrng: np.random.Generator) -> Image.Image:
    """Ellipses, bars, polygons and word tags over a mottled gradient."""
    w, h = size
    img = vertical_gradient(size, uniform_rgb(rng), uniform_rgb(rng))
    img = Image.fromarray(
        np.clip(
            np.asarray(img, np.float32) * (0.7 + 0.6 * noise_field(nrng, size, 5)[:, :, None]),
            0,
            255,
        ).astype(np.uint8)
    )
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(10, 40)):
        _shape(draw, size, rng)
    return img


def _shape(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: random.Random) -> None:
    w, h = size
    x, y = rng.uniform(-0.1, 1.0) * w, rng.uniform(-0.1, 1.0) * h
    s = rng.uniform(0.03, 0.3) * min(w, h)
    kind = rng.random()
    if kind < 0.35:
        draw.ellipse((x, y, x + s, y + s * rng.uniform(0.5, 1.5)), fill=uniform_rgb(rng, 0, 255))
    elif kind < 0.7:
        draw.rectangle((x, y, x + s * rng.uniform(0.5, 2), y + s), fill=uniform_rgb(rng, 0, 255))
    elif kind < 0.9:
        n = rng.randint(3, 7)
        pts = [
            (
                x + s * math.cos(2 * math.pi * i / n + rng.random()),
                y + s * math.sin(2 * math.pi * i / n),
            )
            for i in range(n)
        ]
        draw.polygon(pts, fill=uniform_rgb(rng, 0, 255))
    else:
        box = (int(x), int(y), int(x + s * 2.5), int(y + s * 0.6))
        sign(draw, box, rng, (200, 255), (0, 80))
