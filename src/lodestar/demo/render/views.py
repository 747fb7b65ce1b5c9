"""Landscapes: what the corpus rooms' windows show, and the photo scenes' hills and trees (a
whole scene of its own, or the view from their room)."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from lodestar.demo.render.canvas import Canvas
from lodestar.demo.render.paint import hsv_rgb, shade, uniform_rgb
from lodestar.demo.render.terrain import ridge
from lodestar.demo.render.texture import paste_inside, textured, vertical_gradient

# --------------------------------------------------------------------------- corpus windows

_RIDGE_SEGMENTS = 32


def window_view(size: tuple[int, int], kind: str, rng: random.Random) -> Image.Image:
    """A sky with a sun over ``kind`` (mountains, hills, sea, city, or any other: fields)."""
    w, h = size
    top = hsv_rgb(rng, (0.35, 0.7), (0.7, 0.95), hue=(0.52, 0.66))
    low = shade(top, 1.25)
    grad = Image.linear_gradient("L").resize((w, h))
    view = ImageOps.colorize(grad, black=top, white=low).convert("RGB")
    c = Canvas(view)
    sun = (rng.uniform(0.15, 0.85), rng.uniform(0.1, 0.3))
    r = 0.07
    c.draw.ellipse(c.px((sun[0] - r * 0.75, sun[1] - r, sun[0] + r * 0.75, sun[1] + r)),
                   fill=(255, 244, 200))
    _GROUNDS.get(kind, _fields)(c, rng)
    return view


def _ridges(c: Canvas, rng: random.Random, layers: int, rough: float) -> None:
    """``layers`` ridge lines, each lower and lighter than the one behind it."""
    for k in range(layers):
        base = 0.45 + 0.15 * k
        left = base + rng.uniform(-rough, rough)
        right = base + rng.uniform(-rough, rough)
        heights = ridge(rng, left, right, _RIDGE_SEGMENTS, rough)
        color = hsv_rgb(rng, (0.2, 0.5), (0.3 + 0.12 * k, 0.5 + 0.12 * k))
        poly = [c.pt(i / _RIDGE_SEGMENTS, y) for i, y in enumerate(heights)]
        c.draw.polygon(poly + [c.pt(1, 1), c.pt(0, 1)], fill=color)


def _sea(c: Canvas, rng: random.Random) -> None:
    """Water with wave lines and a sail."""
    c.draw.rectangle(c.px((0, 0.55, 1, 1)), fill=hsv_rgb(rng, (0.5, 0.8), (0.4, 0.7)))
    for k in range(6):
        y = 0.6 + 0.065 * k
        c.draw.line([c.pt(rng.uniform(0, 0.5), y), c.pt(rng.uniform(0.5, 1), y)],
                    fill=(230, 240, 250), width=c.lw(0.006))
    bx = rng.uniform(0.2, 0.7)
    c.draw.polygon([c.pt(bx, 0.44), c.pt(bx, 0.55), c.pt(bx + 0.08, 0.55)],
                   fill=(250, 250, 250))


def _city(c: Canvas, rng: random.Random) -> None:
    """Tower blocks with rows of lit windows."""
    x = 0.0
    while x < 1:
        bw, bh = rng.uniform(0.08, 0.18), rng.uniform(0.25, 0.7)
        color = hsv_rgb(rng, (0.0, 0.2), (0.35, 0.75))
        c.draw.rectangle(c.px((x, 1 - bh, x + bw, 1)), fill=color)
        for wy in range(int(bh / 0.08)):
            for wx in range(int(bw / 0.05)):
                x0, y0 = x + 0.015 + wx * 0.05, 1 - bh + 0.03 + wy * 0.08
                c.draw.rectangle(c.px((x0, y0, x0 + 0.025, y0 + 0.035)), fill=(240, 230, 170))
        x += bw + rng.uniform(0.0, 0.03)


def _fields(c: Canvas, rng: random.Random) -> None:
    """Striped fields and a few trees."""
    c.draw.rectangle(c.px((0, 0.5, 1, 1)), fill=hsv_rgb(rng, (0.5, 0.8), (0.5, 0.8)))
    for k in range(5):
        y0 = 0.5 + 0.1 * k
        c.draw.rectangle(c.px((0, y0, 1, y0 + 0.05)), fill=hsv_rgb(rng, (0.4, 0.8), (0.5, 0.9)))
    for _ in range(4):
        tx, ty = rng.uniform(0.05, 0.95), rng.uniform(0.45, 0.6)
        c.draw.ellipse(c.px((tx - 0.04, ty - 0.1, tx + 0.04, ty)), fill=(40, 100, 50))


_GROUNDS: dict[str, Callable[[Canvas, random.Random], None]] = {
    "mountains": partial(_ridges, layers=2, rough=0.18),
    "hills": partial(_ridges, layers=3, rough=0.06),
    "sea": _sea,
    "city": _city,
}


# --------------------------------------------------------------------------- photo landscapes

_PHOTO_RIDGE_SEGMENTS = 64


def landscape(size: tuple[int, int], rng: random.Random,
              nrng: np.random.Generator) -> Image.Image:
    """Sky, sun and clouds over textured hills, with conifers along the foot."""
    w, h = size
    img = vertical_gradient(size, uniform_rgb(rng, 60, 140), uniform_rgb(rng, 170, 250))
    draw = ImageDraw.Draw(img)
    sun_r = int(min(w, h) * rng.uniform(0.04, 0.09))
    sx, sy = int(w * rng.uniform(0.1, 0.9)), int(h * rng.uniform(0.08, 0.3))
    draw.ellipse((sx - sun_r, sy - sun_r, sx + sun_r, sy + sun_r), fill=uniform_rgb(rng, 200, 255))
    _clouds(img, rng)
    layers = rng.randint(2, 4)
    for i in range(layers):
        base = 0.35 + 0.4 * (i + 1) / (layers + 1) + rng.uniform(-0.05, 0.05)
        outline = _hill_outline(rng, w, base, 0.12, h)
        paste_inside(img, textured(size, uniform_rgb(rng, 30, 150), nrng, rng.randint(6, 20), 0.5),
                     outline)
    _trees(ImageDraw.Draw(img), size, rng)
    return img


def _clouds(img: Image.Image, rng: random.Random) -> None:
    """Blurred white ellipses, drawn at an eighth of the size and scaled up."""
    w, h = img.size
    clouds = Image.new("L", (w // 8, h // 8), 0)
    cd = ImageDraw.Draw(clouds)
    for _ in range(rng.randint(3, 9)):
        cx, cy = rng.uniform(0, w / 8), rng.uniform(0, h / 20)
        rx, ry = rng.uniform(w / 60, w / 20), rng.uniform(h / 200, h / 60)
        cd.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=rng.randint(120, 230))
    clouds = clouds.filter(ImageFilter.GaussianBlur(3)).resize(img.size, Image.Resampling.BICUBIC)
    img.paste(Image.new("RGB", img.size, (245, 245, 245)), (0, 0), clouds)


def _hill_outline(rng: random.Random, w: int, base: float, rough: float,
                  h: int) -> list[tuple[int, int]]:
    """A hill's polygon in pixels: a ridge at about ``base`` of the height, closed below."""
    heights = ridge(rng, base, base, _PHOTO_RIDGE_SEGMENTS, rough)
    n = _PHOTO_RIDGE_SEGMENTS
    pts = [(round(i * (w - 1) / n), round(y * h)) for i, y in enumerate(heights)]
    return [(0, h), *pts, (w - 1, h)]


def _trees(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: random.Random) -> None:
    w, h = size
    ground = int(h * rng.uniform(0.78, 0.9))
    for _ in range(rng.randint(8, 40)):
        x = rng.uniform(0, w)
        th = h * rng.uniform(0.04, 0.18)
        tw = th * rng.uniform(0.25, 0.45)
        y = ground + rng.uniform(-0.05, 0.1) * h
        draw.rectangle(
            (x - tw * 0.08, y - th * 0.1, x + tw * 0.08, y + th * 0.1), fill=(70, 45, 20)
        )
        draw.polygon(
            [(x - tw, y - th * 0.05), (x + tw, y - th * 0.05), (x, y - th)],
            fill=uniform_rgb(rng, 10, 90),
        )
