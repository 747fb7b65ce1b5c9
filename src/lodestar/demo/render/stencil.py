"""The photo scenes' printed signs: stock words in bold capitals on coloured plates."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import ImageDraw, ImageFont

from lodestar.demo.render.canvas import PixelBox
from lodestar.demo.render.paint import RGB, shade, uniform_rgb
from lodestar.demo.render.text import Font, Lettering, label

_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
_WORDS = (
    "NORTH",
    "HARBOUR",
    "ROOM 12",
    "EXIT",
    "MARKET",
    "OPEN 9-17",
    "CAFE",
    "PLATFORM 3",
    "LIBRARY",
    "NO PARKING",
    "BAKERY",
    "HOTEL",
)


def _font(size: int) -> Font:
    """DejaVu Sans Bold at ``size`` px, from fixed folders, or Pillow's default font."""
    for folder in _FONT_DIRS:
        path = Path(folder) / "DejaVuSans-Bold.ttf"
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


# Bold capitals centred on whole pixels; DejaVu looked up in fixed folders (not through
# lodestar.fonts), so that these scenes keep their pixels wherever the font index differs.
_STENCIL = Lettering(font=_font, height=0.6, span=0.9, smallest=6, whole_pixels=True)


def dim(color: RGB, factor: float) -> RGB:
    """``color`` shaded as the photo scenes shade: truncated (the corpus rooms round)."""
    return shade(color, factor, int)


def sign(draw: ImageDraw.ImageDraw, box: PixelBox, rng: random.Random,
          bg: tuple[int, int], fg: tuple[int, int], outline: RGB | None = None,
          border: int = 1) -> None:
    """A plate with one of the stock words; its colour (channels in ``bg``), word and ink (in
    ``fg``) drawn in that order."""
    back = uniform_rgb(rng, *bg)
    word = rng.choice(_WORDS)
    label(draw, box, word, _STENCIL, bg=back, fg=uniform_rgb(rng, *fg), outline=outline,
          border=border)
