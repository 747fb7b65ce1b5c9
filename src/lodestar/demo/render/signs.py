"""The corpus rooms' wall signs: a clock, a name plate, a printed notice, a poster."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from lodestar.demo.render.canvas import Box, Canvas, PixelBox
from lodestar.demo.render.paint import RGB, shade
from lodestar.demo.render.text import fit_text, printed


@dataclass(frozen=True)
class Sign:
    kind: str  # poster | plate | notice | clock
    box: Box
    bg: RGB
    fg: RGB
    lines: tuple[str, ...]


def wall_sign(c: Canvas, sign: Sign, script: str, rng: random.Random) -> None:
    """Draw ``sign`` (any kind not listed is a poster); its lines print in ``script``."""
    _KINDS.get(sign.kind, _poster)(c, sign, c.px(sign.box), script, rng)


def _clock(c: Canvas, sign: Sign, box: PixelBox, script: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = box
    c.draw.ellipse([x0, y0, x1, y1], fill=sign.bg, outline=(40, 40, 40), width=c.lw(0.006))
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2
    for k in range(12):
        a = k * math.pi / 6
        c.draw.line([cx + r * 0.8 * math.cos(a), cy + r * 0.8 * math.sin(a),
                     cx + r * 0.92 * math.cos(a), cy + r * 0.92 * math.sin(a)],
                    fill=(40, 40, 40), width=c.lw(0.003))
    for length, angle in ((0.5, rng.uniform(0, 6.28)), (0.75, rng.uniform(0, 6.28))):
        tip = (cx + r * length * math.cos(angle), cy + r * length * math.sin(angle))
        c.draw.line([cx, cy, *tip], fill=(20, 20, 20), width=c.lw(0.005))


def _plate(c: Canvas, sign: Sign, box: PixelBox, script: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = box
    h = y1 - y0
    c.draw.rounded_rectangle([x0, y0, x1, y1], radius=h // 6, fill=sign.bg,
                             outline=sign.fg, width=max(1, h // 14))
    fit_text(c.draw, (x0 + h // 5, y0 + h // 6, x1 - h // 5, y1 - h // 6), sign.lines[0],
             sign.fg, printed(script, True))


def _notice(c: Canvas, sign: Sign, box: PixelBox, script: str, rng: random.Random) -> None:
    """A printed sheet: a bold heading, ruled lines for the small print, a footer."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    c.draw.rectangle([x0, y0, x1, y1], fill=(248, 246, 238), outline=(150, 150, 150))
    fit_text(c.draw, (x0, y0 + h // 12, x1, y0 + h // 4), sign.lines[0], (30, 30, 30),
             printed(script, True))
    for k in range(4):
        ly = y0 + h * (0.4 + 0.1 * k)
        c.draw.line([x0 + h * 0.08, ly, x1 - h * 0.08 * (1 + k % 2), ly], fill=(150, 150, 160),
                    width=max(1, h // 60))
    fit_text(c.draw, (x0, y0 + int(h * 0.8), x1, y1 - h // 20), sign.lines[1], (60, 60, 90),
             printed(script, False))


def _poster(c: Canvas, sign: Sign, box: PixelBox, script: str, rng: random.Random) -> None:
    """A disc on a coloured ground between a title and a caption."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    c.draw.rectangle([x0, y0, x1, y1], fill=sign.bg, outline=shade(sign.bg, 0.5),
                     width=c.lw(0.003))
    r = (x1 - x0) * rng.uniform(0.2, 0.3)
    cx, cy = (x0 + x1) / 2, y0 + h * 0.5
    c.draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=shade(sign.bg, 1.35))
    fit_text(c.draw, (x0, y0 + h // 20, x1, y0 + h // 5), sign.lines[0], sign.fg,
             printed(script, True))
    fit_text(c.draw, (x0, y1 - h // 6, x1, y1 - h // 30), sign.lines[1], sign.fg,
             printed(script, False))


_KINDS: dict[str, Callable[[Canvas, Sign, PixelBox, str, random.Random], None]] = {
    "clock": _clock,
    "plate": _plate,
    "notice": _notice,
}
