"""Printed text: a phrase fitted into a box, and labels (a plate with a phrase on it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageDraw, ImageFont

from lodestar.demo.fonts import load_font
from lodestar.demo.render.canvas import PixelBox
from lodestar.demo.render.paint import RGB

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Lettering:
    """How a phrase fills its box: first at ``height`` of the box height, then shrunk to span at
    most ``span`` of its width, never below ``smallest`` px."""

    font: Callable[[int], Font]  # the typeface at a pixel size
    height: float
    span: float
    smallest: int
    whole_pixels: bool = False  # centre on a whole pixel (the photo scenes do)


def fit_text(draw: ImageDraw.ImageDraw, box: PixelBox, text: str, fill: RGB,
             how: Lettering) -> None:
    """Draw ``text`` centred in a pixel box, as large as fits."""
    x0, y0, x1, y1 = box
    room = max(1, x1 - x0)
    size = max(how.smallest, int((y1 - y0) * how.height))
    font = how.font(size)
    width = draw.textlength(text, font=font)
    if width > room * how.span:
        size = max(how.smallest, int(size * room * how.span / max(1.0, width)))
        font = how.font(size)
    if how.whole_pixels:
        centre: tuple[float, float] = ((x0 + x1) // 2, (y0 + y1) // 2)
    else:
        centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    draw.text(centre, text, font=font, fill=fill, anchor="mm")


def label(draw: ImageDraw.ImageDraw, box: PixelBox, text: str, how: Lettering, *, bg: RGB,
          fg: RGB, outline: RGB | None = None, border: int = 1,
          text_box: PixelBox | None = None) -> None:
    """A filled plate (``outline`` ``border`` px wide) with ``text`` fitted into ``text_box``,
    the whole plate by default: posters, shop signs, furniture labels."""
    draw.rectangle(box, fill=bg, outline=outline, width=border)
    fit_text(draw, text_box or box, text, fg, how)


@lru_cache(maxsize=8)
def printed(script: str, bold: bool) -> Lettering:
    """The corpus rooms' lettering: the script's own font (:mod:`lodestar.demo.fonts`)."""
    return Lettering(font=lambda size: load_font(script, size, bold), height=0.8, span=0.92,
                     smallest=4)
