"""Furniture: the corpus rooms' pieces (an :class:`Item` planned in fractions of the frame)
and the row of book spines that both renderers' shelves hold."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PIL import ImageDraw

from lodestar.demo.render.canvas import Box, Canvas, PixelBox
from lodestar.demo.render.paint import RGB, WHITE, hsv_rgb, shade
from lodestar.demo.render.text import label, printed

Spine = tuple[float, float, RGB]  # width, top, colour


def spines(draw: ImageDraw.ImageDraw, x: float, stop: float, bottom: float, gap: float,
           spine: Callable[[], Spine]) -> None:
    """Books side by side from ``x`` until ``stop``, standing on ``bottom`` ``gap`` apart;
    ``spine()`` draws each one's width, top and colour (in that order)."""
    while x < stop:
        width, top, color = spine()
        draw.rectangle((x, top, x + width, bottom), fill=color)
        x += width + gap


@dataclass(frozen=True)
class Item:
    kind: str  # sofa | shelf | plant | lamp | table | cabinet | fridge
    box: Box
    color: RGB
    label: str | None


def room_item(c: Canvas, item: Item, script: str, rng: random.Random) -> None:
    """Draw ``item`` (any kind not listed is a fridge); its label prints in ``script``."""
    _KINDS.get(item.kind, _fridge)(c, item, c.px(item.box), script, rng)


def _label(c: Canvas, box: PixelBox, text: str | None, script: str,
           rng: random.Random) -> None:
    """A bright sticker with the item's phrase, when it has one."""
    if text is None:
        return
    x0, y0, x1, y1 = box
    bg = hsv_rgb(rng, (0.4, 0.9), (0.6, 0.95))
    fg = WHITE if sum(bg) < 380 else (25, 25, 25)
    label(c.draw, box, text, printed(script, True), bg=bg, fg=fg, outline=shade(bg, 0.5),
          text_box=(x0, y0 + (y1 - y0) // 4, x1, y1 - (y1 - y0) // 4))


def _sofa(c: Canvas, item: Item, box: PixelBox, script: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    col, d = item.color, c.draw
    d.rounded_rectangle([x0, y0, x1, y0 + h * 0.6], radius=max(1, h // 8), fill=shade(col, 0.65))
    d.rounded_rectangle([x0, y0 + h * 0.45, x1, y1 - h * 0.1], radius=max(1, h // 10), fill=col)
    for k in range(2):
        cx0 = x0 + w * (0.1 + 0.42 * k)
        d.rounded_rectangle([cx0, y0 + h * 0.25, cx0 + w * 0.38, y0 + h * 0.55],
                            radius=max(1, h // 12), fill=shade(col, 1.15))
    d.rectangle([x0 + w * 0.05, y1 - h * 0.1, x0 + w * 0.08, y1], fill=(40, 30, 20))
    d.rectangle([x1 - w * 0.08, y1 - h * 0.1, x1 - w * 0.05, y1], fill=(40, 30, 20))


def _book(rng: random.Random, w: int, top: float, bottom: float) -> Spine:
    return (w * rng.uniform(0.04, 0.09), bottom - (bottom - top) * rng.uniform(0.6, 0.95),
            hsv_rgb(rng, (0.3, 0.9), (0.3, 0.9)))


def _shelf(c: Canvas, item: Item, box: PixelBox, script: str, rng: random.Random) -> None:
    """Four shelves of books, a label on the plinth."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    dark = shade(item.color, 0.65)
    c.draw.rectangle([x0, y0, x1, y1], fill=dark)
    for k in range(4):
        sy0, sy1 = y0 + h * (0.04 + 0.24 * k), y0 + h * (0.24 + 0.24 * k)
        c.draw.rectangle([x0 + w * 0.05, sy0, x1 - w * 0.05, sy1], fill=shade(dark, 0.6))
        spines(c.draw, x0 + w * 0.07, x1 - w * 0.12, sy1, w * 0.005,
               partial(_book, rng, w, sy0, sy1))
    _label(c, (round(x0 + w * 0.15), round(y0 + h * 0.8), round(x1 - w * 0.15),
               round(y0 + h * 0.95)), item.label, script, rng)


def _plant(c: Canvas, item: Item, box: PixelBox, script: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    d = c.draw
    d.polygon([(x0 + w * 0.25, y1 - h * 0.3), (x1 - w * 0.25, y1 - h * 0.3),
               (x1 - w * 0.32, y1), (x0 + w * 0.32, y1)], fill=(170, 90, 60))
    stem = (x0 + x1) / 2
    for k in range(3):
        d.line([stem, y1 - h * 0.3, stem + w * (k - 1) * 0.25, y0 + h * 0.2],
               fill=(60, 110, 50), width=max(1, w // 20))
    for _ in range(8):
        lx, ly = rng.uniform(x0, x1), rng.uniform(y0, y1 - h * 0.35)
        d.ellipse([lx - w * 0.18, ly - h * 0.08, lx + w * 0.18, ly + h * 0.08],
                  fill=hsv_rgb(rng, (0.5, 0.8), (0.3, 0.6)))


def _lamp(c: Canvas, item: Item, box: PixelBox, script: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    d = c.draw
    d.ellipse([x0 + w * 0.2, y1 - h * 0.04, x1 - w * 0.2, y1], fill=(50, 50, 50))
    d.line([(x0 + x1) / 2, y1, (x0 + x1) / 2, y0 + h * 0.2], fill=(60, 60, 60),
           width=max(1, w // 12))
    lampshade = [(x0 + w * 0.2, y0), (x1 - w * 0.2, y0), (x1, y0 + h * 0.22), (x0, y0 + h * 0.22)]
    d.polygon(lampshade, fill=shade(item.color, 1.4))


def _table(c: Canvas, item: Item, box: PixelBox, script: str, rng: random.Random) -> None:
    """A table with a labelled box and a cup on it."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    d, dark = c.draw, shade(item.color, 0.65)
    d.rectangle([x0, y0 + h * 0.3, x1, y0 + h * 0.4], fill=item.color)
    d.rectangle([x0 + w * 0.05, y0 + h * 0.4, x0 + w * 0.09, y1], fill=dark)
    d.rectangle([x1 - w * 0.09, y0 + h * 0.4, x1 - w * 0.05, y1], fill=dark)
    _label(c, (round(x0 + w * 0.1), round(y0), round(x0 + w * 0.55), round(y0 + h * 0.3)),
           item.label, script, rng)
    d.rectangle([x0 + w * 0.7, y0 + h * 0.05, x0 + w * 0.76, y0 + h * 0.3],
                fill=hsv_rgb(rng, (0.3, 0.8), (0.3, 0.8)))


def _cabinet(c: Canvas, item: Item, box: PixelBox, script: str, rng: random.Random) -> None:
    """Three drawers with knobs, a label on top."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    d, dark = c.draw, shade(item.color, 0.65)
    d.rectangle([x0, y0, x1, y1], fill=item.color, outline=dark, width=c.lw(0.003))
    for k in range(3):
        dy0 = y0 + h * (0.08 + 0.3 * k)
        d.rectangle([x0 + w * 0.06, dy0, x1 - w * 0.06, dy0 + h * 0.25], outline=dark,
                    width=c.lw(0.002))
        d.ellipse([(x0 + x1) / 2 - h * 0.025, dy0 + h * 0.1, (x0 + x1) / 2 + h * 0.025,
                   dy0 + h * 0.15], fill=(200, 190, 150))
    _label(c, (round(x0 + w * 0.2), round(y0 - h * 0.35), round(x1 - w * 0.25), round(y0)),
           item.label, script, rng)


def _fridge(c: Canvas, item: Item, box: PixelBox, script: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    d = c.draw
    d.rounded_rectangle([x0, y0, x1, y1], radius=max(1, w // 12), fill=(236, 238, 240),
                        outline=(150, 150, 155), width=c.lw(0.003))
    d.line([x0, y0 + h * 0.35, x1, y0 + h * 0.35], fill=(150, 150, 155), width=c.lw(0.003))
    d.rectangle([x1 - w * 0.14, y0 + h * 0.12, x1 - w * 0.1, y0 + h * 0.28], fill=(90, 90, 95))
    _label(c, (round(x0 + w * 0.12), round(y0 + h * 0.45), round(x1 - w * 0.2),
               round(y0 + h * 0.6)), item.label, script, rng)


_KINDS: dict[str, Callable[[Canvas, Item, PixelBox, str, random.Random], None]] = {
    "sofa": _sofa, "shelf": _shelf, "plant": _plant, "lamp": _lamp, "table": _table,
    "cabinet": _cabinet,
}
