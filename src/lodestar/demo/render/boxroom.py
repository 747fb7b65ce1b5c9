"""The photo scenes' room: a box seen from its open side, in pixels (side walls, a boarded
floor, a window onto a landscape, a bookcase, a poster, a table)."""

from __future__ import annotations

import random
from functools import partial

import numpy as np
from PIL import Image, ImageDraw

from lodestar.demo.render.furniture import Spine, spines
from lodestar.demo.render.paint import RGB, uniform_rgb
from lodestar.demo.render.stencil import dim, sign
from lodestar.demo.render.texture import paste_inside, textured
from lodestar.demo.render.views import landscape
from lodestar.demo.render.window import glaze

Back = tuple[float, float, float, float]  # the back wall in pixels: x0, y0, x1, y1


def box_room(size: tuple[int, int], rng: random.Random, nrng: np.random.Generator) -> Image.Image:
    """A box room seen from its open side: side walls, boards, window, bookcase, poster, table."""
    w, h = size
    wall = uniform_rgb(rng, 120, 230)
    img = textured(size, wall, nrng, rng.randint(4, 12), 0.25)
    draw = ImageDraw.Draw(img)
    vx, vy = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.35, 0.55)
    back = (vx - w * 0.28, vy - h * 0.28, vx + w * 0.28, vy + h * 0.3)
    _side_walls(draw, size, back, wall)
    _boards(img, draw, back, rng, nrng)
    frame = max(2, w // 250)
    _window(img, draw, back, frame, rng, nrng)
    _bookcase(draw, size, back, rng)
    _poster(draw, back, frame, rng)
    _table(draw, size, rng)
    return img


def _side_walls(draw: ImageDraw.ImageDraw, size: tuple[int, int], back: Back,
                wall: RGB) -> None:
    w, h = size
    bx0, by0, bx1, by1 = back
    draw.polygon([(0, 0), (bx0, by0), (bx0, by1), (0, h)], fill=dim(wall, 0.8))
    draw.polygon([(w, 0), (bx1, by0), (bx1, by1), (w, h)], fill=dim(wall, 0.9))
    draw.polygon([(0, 0), (w, 0), (bx1, by0), (bx0, by0)], fill=dim(wall, 1.1))


def _boards(img: Image.Image, draw: ImageDraw.ImageDraw, back: Back, rng: random.Random,
            nrng: np.random.Generator) -> None:
    """A textured floor whose boards converge on the vanishing point."""
    w, h = img.size
    bx0, _, bx1, by1 = back
    paste_inside(img, textured(img.size, uniform_rgb(rng, 60, 160), nrng, 40, 0.45),
                 [(0, h), (bx0, by1), (bx1, by1), (w, h)])
    for k in range(1, 14):
        x = k * w / 14
        draw.line(
            [(x, h), (bx0 + (bx1 - bx0) * k / 14, by1)], fill=(40, 30, 20), width=max(1, w // 800)
        )


def _window(img: Image.Image, draw: ImageDraw.ImageDraw, back: Back, frame: int,
            rng: random.Random, nrng: np.random.Generator) -> None:
    """A landscape through a window in the back wall, one glazing bar down the middle."""
    bx0, by0, bx1, by1 = back
    wx0, wy0 = bx0 + (bx1 - bx0) * rng.uniform(0.05, 0.4), by0 + (by1 - by0) * 0.15
    wx1, wy1 = wx0 + (bx1 - bx0) * rng.uniform(0.25, 0.45), wy0 + (by1 - by0) * 0.4
    box = (int(wx0), int(wy0), int(wx1), int(wy1))
    view = landscape((box[2] - box[0], box[3] - box[1]), rng, nrng)
    mullion = [((wx0 + wx1) / 2, wy0), ((wx0 + wx1) / 2, wy1)]
    glaze(img, draw, box, view, (240, 240, 235), frame, [mullion], frame)


def _spine(rng: random.Random, w: int, top: float, bottom: float) -> Spine:
    return (w * rng.uniform(0.003, 0.009), top + rng.uniform(0, (bottom - top) * 0.2),
            uniform_rgb(rng))


def _bookcase(draw: ImageDraw.ImageDraw, size: tuple[int, int], back: Back,
              rng: random.Random) -> None:
    """Five shelves of thin spines: the fine detail a thumbnail decode smears."""
    w, h = size
    bx0, by0, bx1, by1 = back
    sx0 = bx0 + (bx1 - bx0) * rng.uniform(0.55, 0.7)
    sx1, sy0, sy1 = sx0 + (bx1 - bx0) * 0.25, by0 + (by1 - by0) * 0.25, by1
    draw.rectangle((sx0, sy0, sx1, sy1), fill=(90, 60, 35))
    shelves = 5
    for s in range(shelves):
        y1 = sy0 + (sy1 - sy0) * (s + 1) / shelves - h * 0.006
        y0 = y1 - (sy1 - sy0) / shelves * 0.8
        spines(draw, sx0 + w * 0.004, sx1 - w * 0.01, y1, 1, partial(_spine, rng, w, y0, y1))


def _poster(draw: ImageDraw.ImageDraw, back: Back, frame: int, rng: random.Random) -> None:
    """A framed word poster low on the back wall's left."""
    bx0, by0, bx1, by1 = back
    px0 = bx0 + (bx1 - bx0) * 0.08
    poster = (
        int(px0),
        int(by0 + (by1 - by0) * 0.62),
        int(px0 + (bx1 - bx0) * 0.3),
        int(by1 - (by1 - by0) * 0.12),
    )
    sign(draw, poster, rng, (180, 250), (0, 90), outline=(20, 20, 20), border=frame)


def _table(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: random.Random) -> None:
    w, h = size
    tx, ty = w * rng.uniform(0.1, 0.5), h * rng.uniform(0.75, 0.85)
    draw.rectangle((tx, ty, tx + w * 0.35, ty + h * 0.04), fill=uniform_rgb(rng, 60, 140))
    draw.rectangle((tx + w * 0.02, ty, tx + w * 0.03, h), fill=(50, 35, 20))
    draw.rectangle((tx + w * 0.32, ty, tx + w * 0.33, h), fill=(50, 35, 20))
