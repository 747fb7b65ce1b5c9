"""Procedural indoor scenes: wallpaper, floor, furniture, a window with a landscape, signs.

A :class:`SceneSpec` is drawn from a seed in fraction coordinates, so one spec renders the same
room at any resolution. :func:`draw_scene` renders a master image once per series;
:mod:`lodestar.demo.shots` derives camera shots from it.
"""

from __future__ import annotations

import colorsys
import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageOps

from lodestar.demo.catalog import FLOORS, LANGUAGE_BY_CODE, PATTERNS, ROOMS, VIEWS
from lodestar.demo.fonts import load_font

RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of width / height


@dataclass(frozen=True)
class Sign:
    kind: str  # poster | plate | notice | clock
    box: Box
    bg: RGB
    fg: RGB
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    kind: str  # sofa | shelf | plant | lamp | table | cabinet | fridge
    box: Box
    color: RGB
    label: str | None


@dataclass(frozen=True)
class SceneSpec:
    seed: int
    language: str
    script: str
    room: str
    pattern: str
    wall: RGB
    wall_alt: RGB
    tile: float
    floor: str
    floor_color: RGB
    floor_alt: RGB
    horizon: float
    window: Box
    view: str
    frame_color: RGB
    curtains: RGB | None
    signs: tuple[Sign, ...]
    items: tuple[Item, ...]
    rug: RGB | None

    def describe(self) -> str:
        things = ", ".join(item.kind for item in self.items)
        signs = ", ".join(sign.kind for sign in self.signs)
        return (
            f"{self.room} with {self.pattern} wallpaper and {self.floor} floor; {things}; "
            f"window with a {self.view} view; wall signs: {signs}"
        )

    def texts(self) -> list[str]:
        """Every phrase printed in the room (sign lines, then furniture labels): OCR truth.

        A camera shot may crop some of them out of frame.
        """
        lines = [line for sign in self.signs for line in sign.lines]
        return lines + [item.label for item in self.items if item.label is not None]


# --------------------------------------------------------------------------- planning


def _color(rng: random.Random, s: tuple[float, float], v: tuple[float, float],
           hue: tuple[float, float] = (0.0, 1.0)) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(rng.uniform(*hue), rng.uniform(*s), rng.uniform(*v))
    return (round(r * 255), round(g * 255), round(b * 255))


def _shade(color: RGB, factor: float) -> RGB:
    r, g, b = (min(255, max(0, round(c * factor))) for c in color)
    return (r, g, b)


def _overlaps(a: Box, b: Box, pad: float = 0.02) -> bool:
    return not (a[2] + pad < b[0] or b[2] + pad < a[0] or a[3] + pad < b[1] or b[3] + pad < a[1])


SIGN_SIZES: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "poster": ((0.12, 0.19), (0.17, 0.27)),
    "plate": ((0.17, 0.25), (0.05, 0.075)),
    "notice": ((0.09, 0.13), (0.12, 0.17)),
    "clock": ((0.06, 0.08), (0.0, 0.0)),
}

ITEM_SIZES: dict[str, tuple[float, float]] = {
    "sofa": (0.32, 0.2), "shelf": (0.16, 0.46), "plant": (0.08, 0.22), "lamp": (0.07, 0.42),
    "table": (0.26, 0.16), "cabinet": (0.2, 0.22), "fridge": (0.15, 0.5),
}


def _plan_signs(rng: random.Random, horizon: float, window: Box, phrases: list[str]) -> list[Sign]:
    kinds = ["plate", rng.choice(["poster", "notice"]), rng.choice(["poster", "clock", "notice"])]
    placed: list[Box] = [window]
    signs: list[Sign] = []
    for kind in kinds[: rng.randint(2, 3)]:
        (w0, w1), (h0, h1) = SIGN_SIZES[kind]
        w = rng.uniform(w0, w1)
        h = w * 4 / 3 if kind == "clock" else rng.uniform(h0, h1)
        for _ in range(40):
            x0 = rng.uniform(0.03, 0.97 - w)
            y0 = rng.uniform(0.05, max(0.06, horizon - h - 0.1))
            box = (x0, y0, x0 + w, y0 + h)
            if not any(_overlaps(box, other) for other in placed):
                placed.append(box)
                lines = tuple(phrases.pop() for _ in range(0 if kind == "clock" else 2))
                bg = (255, 255, 255) if kind == "clock" else _color(rng, (0.2, 0.8), (0.3, 0.95))
                fg = (255, 255, 255) if sum(bg) < 400 else (20, 20, 30)
                signs.append(Sign(kind, box, bg, fg, lines))
                break
    return signs


def _plan_items(rng: random.Random, room: str, horizon: float, phrases: list[str]) -> list[Item]:
    kinds = rng.sample(ROOMS[room], rng.randint(2, min(4, len(ROOMS[room]))))
    items: list[Item] = []
    for kind in kinds:
        base_w, base_h = ITEM_SIZES[kind]
        bottom = horizon + rng.uniform(0.03, 0.24)
        depth = 0.8 + (bottom - horizon) * 1.6
        w, h = base_w * depth, base_h * depth
        x0 = rng.uniform(-0.05, 1.02 - w)
        label = phrases.pop() if kind in ("table", "cabinet", "fridge", "shelf") else None
        color = _color(rng, (0.15, 0.6), (0.25, 0.8))
        items.append(Item(kind, (x0, bottom - h, x0 + w, bottom), color, label))
    items.sort(key=lambda it: it.box[3])
    return items


def plan_scene(seed: int, language: str) -> SceneSpec:
    """Draw the parameters of one room from ``seed``; text comes from ``language``."""
    rng = random.Random(seed)
    lang = LANGUAGE_BY_CODE[language]
    phrases = list(lang.phrases)
    rng.shuffle(phrases)
    room = rng.choice(sorted(ROOMS))
    wall = _color(rng, (0.08, 0.45), (0.6, 0.92))
    horizon = rng.uniform(0.6, 0.72)
    ww, wh = rng.uniform(0.2, 0.3), rng.uniform(0.26, 0.36)
    wx = rng.uniform(0.05, 0.95 - ww)
    wy = rng.uniform(0.06, max(0.07, horizon - wh - 0.12))
    window = (wx, wy, wx + ww, wy + wh)
    return SceneSpec(
        seed=seed,
        language=language,
        script=lang.script,
        room=room,
        pattern=rng.choice(PATTERNS),
        wall=wall,
        wall_alt=_shade(wall, rng.choice([0.75, 0.85, 1.15])),
        tile=rng.uniform(0.05, 0.11),
        floor=rng.choice(FLOORS),
        floor_color=_color(rng, (0.3, 0.7), (0.3, 0.7)),
        floor_alt=_color(rng, (0.2, 0.6), (0.25, 0.75)),
        horizon=horizon,
        window=window,
        view=rng.choice(VIEWS),
        frame_color=rng.choice([(245, 245, 240), (120, 80, 50), (60, 60, 65), (200, 190, 170)]),
        curtains=_color(rng, (0.3, 0.8), (0.3, 0.9)) if rng.random() < 0.5 else None,
        signs=tuple(_plan_signs(rng, horizon, window, phrases)),
        items=tuple(_plan_items(rng, room, horizon, phrases)),
        rug=_color(rng, (0.3, 0.8), (0.3, 0.8)) if rng.random() < 0.5 else None,
    )


# --------------------------------------------------------------------------- drawing


class _Canvas:
    """Fraction-coordinate helpers over an ImageDraw."""

    def __init__(self, img: Image.Image) -> None:
        self.img = img
        self.draw = ImageDraw.Draw(img)
        self.w, self.h = img.size

    def px(self, box: Box) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = box
        return (round(x0 * self.w), round(y0 * self.h), round(x1 * self.w), round(y1 * self.h))

    def pt(self, x: float, y: float) -> tuple[int, int]:
        return (round(x * self.w), round(y * self.h))

    def lw(self, frac: float) -> int:
        return max(1, round(frac * self.h))


def _wall_tile(spec: SceneSpec, size: int) -> Image.Image:
    tile = Image.new("RGB", (size, size), spec.wall)
    d = ImageDraw.Draw(tile)
    s, alt = size, spec.wall_alt
    if spec.pattern == "stripes":
        d.rectangle([0, 0, round(s * 0.32), s], fill=alt)
        d.line([round(s * 0.66), 0, round(s * 0.66), s], fill=alt, width=max(1, s // 20))
    elif spec.pattern == "dots":
        r = s * 0.14
        d.ellipse([s / 2 - r, s / 2 - r, s / 2 + r, s / 2 + r], fill=alt)
    elif spec.pattern == "checks":
        d.rectangle([0, 0, s // 2 - 1, s // 2 - 1], fill=alt)
        d.rectangle([s // 2, s // 2, s, s], fill=alt)
    elif spec.pattern == "diamonds":
        d.polygon([(s / 2, s * 0.1), (s * 0.9, s / 2), (s / 2, s * 0.9), (s * 0.1, s / 2)],
                  fill=alt)
    return tile


def _draw_wall(c: _Canvas, spec: SceneSpec) -> None:
    wall_h = round(spec.horizon * c.h)
    size = max(4, round(spec.tile * c.h))
    tile = np.asarray(_wall_tile(spec, size))
    reps = (math.ceil(wall_h / size), math.ceil(c.w / size), 1)
    wall = np.ascontiguousarray(np.tile(tile, reps)[:wall_h, : c.w])
    c.img.paste(Image.fromarray(wall), (0, 0))
    c.draw.rectangle(c.px((0, spec.horizon - 0.014, 1, spec.horizon)), fill=_shade(spec.wall, 0.6))


def _floor_columns(n: int) -> list[tuple[float, float]]:
    """(x at the horizon, x at the bottom) for n+1 lines converging to the middle."""
    cols = []
    for i in range(n + 1):
        bottom = -0.7 + 2.4 * i / n
        cols.append((0.5 + (bottom - 0.5) * 0.38, bottom))
    return cols


def _draw_floor(c: _Canvas, spec: SceneSpec, rng: random.Random) -> None:
    top = spec.horizon
    c.draw.rectangle(c.px((0, top, 1, 1)), fill=spec.floor_color)
    if spec.floor == "carpet":
        c.draw.rectangle(c.px((0, top + 0.01, 1, top + 0.03)), fill=spec.floor_alt)
        return
    cols = _floor_columns(12)
    if spec.floor == "planks":
        for i in range(12):
            (t0, b0), (t1, b1) = cols[i], cols[i + 1]
            color = _shade(spec.floor_color, rng.uniform(0.85, 1.12))
            c.draw.polygon([c.pt(t0, top), c.pt(t1, top), c.pt(b1, 1), c.pt(b0, 1)], fill=color)
        for t, b in cols:
            c.draw.line([c.pt(t, top), c.pt(b, 1)], fill=_shade(spec.floor_color, 0.55),
                        width=c.lw(0.002))
        return
    rows = [top + (1 - top) * (k / 7) ** 1.5 for k in range(8)]
    for r in range(7):
        for i in range(12):
            if (r + i) % 2:
                continue
            (t0, b0), (t1, b1) = cols[i], cols[i + 1]
            f0, f1 = (rows[r] - top) / (1 - top), (rows[r + 1] - top) / (1 - top)
            quad = [(t0 + (b0 - t0) * f0, rows[r]), (t1 + (b1 - t1) * f0, rows[r]),
                    (t1 + (b1 - t1) * f1, rows[r + 1]), (t0 + (b0 - t0) * f1, rows[r + 1])]
            c.draw.polygon([c.pt(x, y) for x, y in quad], fill=spec.floor_alt)


def _ridge(rng: random.Random, base: float, rough: float, n: int = 32) -> list[float]:
    pts = [base + rng.uniform(-rough, rough) for _ in range(2)]
    heights = [pts[0]] + [0.0] * (n - 1) + [pts[1]]
    step, amp = n, rough
    while step > 1:
        half = step // 2
        for i in range(half, n, step):
            heights[i] = (heights[i - half] + heights[i + half]) / 2 + rng.uniform(-amp, amp)
        step, amp = half, amp * 0.55
    return heights


def _draw_view(size: tuple[int, int], spec: SceneSpec, rng: random.Random) -> Image.Image:
    w, h = size
    top = _color(rng, (0.35, 0.7), (0.7, 0.95), hue=(0.52, 0.66))
    low = _shade(top, 1.25)
    grad = Image.linear_gradient("L").resize((w, h))
    view = ImageOps.colorize(grad, black=top, white=low).convert("RGB")
    c = _Canvas(view)
    sun = (rng.uniform(0.15, 0.85), rng.uniform(0.1, 0.3))
    r = 0.07
    c.draw.ellipse(c.px((sun[0] - r * 0.75, sun[1] - r, sun[0] + r * 0.75, sun[1] + r)),
                   fill=(255, 244, 200))
    if spec.view in ("mountains", "hills"):
        layers = 2 if spec.view == "mountains" else 3
        for k in range(layers):
            base = 0.45 + 0.15 * k
            rough = 0.18 if spec.view == "mountains" else 0.06
            ridge = _ridge(rng, base, rough)
            color = _color(rng, (0.2, 0.5), (0.3 + 0.12 * k, 0.5 + 0.12 * k))
            poly = [c.pt(i / 32, y) for i, y in enumerate(ridge)] + [c.pt(1, 1), c.pt(0, 1)]
            c.draw.polygon(poly, fill=color)
    elif spec.view == "sea":
        c.draw.rectangle(c.px((0, 0.55, 1, 1)), fill=_color(rng, (0.5, 0.8), (0.4, 0.7)))
        for k in range(6):
            y = 0.6 + 0.065 * k
            c.draw.line([c.pt(rng.uniform(0, 0.5), y), c.pt(rng.uniform(0.5, 1), y)],
                        fill=(230, 240, 250), width=c.lw(0.006))
        bx = rng.uniform(0.2, 0.7)
        c.draw.polygon([c.pt(bx, 0.44), c.pt(bx, 0.55), c.pt(bx + 0.08, 0.55)],
                       fill=(250, 250, 250))
    elif spec.view == "city":
        x = 0.0
        while x < 1:
            bw, bh = rng.uniform(0.08, 0.18), rng.uniform(0.25, 0.7)
            color = _color(rng, (0.0, 0.2), (0.35, 0.75))
            c.draw.rectangle(c.px((x, 1 - bh, x + bw, 1)), fill=color)
            for wy in range(int(bh / 0.08)):
                for wx in range(int(bw / 0.05)):
                    x0, y0 = x + 0.015 + wx * 0.05, 1 - bh + 0.03 + wy * 0.08
                    c.draw.rectangle(c.px((x0, y0, x0 + 0.025, y0 + 0.035)), fill=(240, 230, 170))
            x += bw + rng.uniform(0.0, 0.03)
    else:  # fields
        c.draw.rectangle(c.px((0, 0.5, 1, 1)), fill=_color(rng, (0.5, 0.8), (0.5, 0.8)))
        for k in range(5):
            y0 = 0.5 + 0.1 * k
            c.draw.rectangle(c.px((0, y0, 1, y0 + 0.05)), fill=_color(rng, (0.4, 0.8), (0.5, 0.9)))
        for _ in range(4):
            tx, ty = rng.uniform(0.05, 0.95), rng.uniform(0.45, 0.6)
            c.draw.ellipse(c.px((tx - 0.04, ty - 0.1, tx + 0.04, ty)), fill=(40, 100, 50))
    return view


def _draw_window(c: _Canvas, spec: SceneSpec, rng: random.Random) -> None:
    x0, y0, x1, y1 = c.px(spec.window)
    c.img.paste(_draw_view((max(1, x1 - x0), max(1, y1 - y0)), spec, rng), (x0, y0))
    lw = c.lw(0.012)
    c.draw.rectangle([x0, y0, x1, y1], outline=spec.frame_color, width=lw)
    c.draw.line([(x0 + x1) // 2, y0, (x0 + x1) // 2, y1], fill=spec.frame_color, width=lw // 2 + 1)
    c.draw.line([x0, (y0 * 2 + y1) // 3, x1, (y0 * 2 + y1) // 3], fill=spec.frame_color,
                width=lw // 2 + 1)
    sill = spec.window[3]
    c.draw.rectangle(c.px((spec.window[0] - 0.02, sill, spec.window[2] + 0.02, sill + 0.02)),
                     fill=_shade(spec.frame_color, 0.9))
    if spec.curtains is not None:
        wx0, wy0, wx1, _ = spec.window
        for side in (wx0 - 0.05, wx1 - 0.015):
            c.draw.rectangle(c.px((side, wy0 - 0.03, side + 0.065, sill + 0.05)),
                             fill=spec.curtains)
            for k in range(3):
                fx = side + 0.012 + k * 0.02
                c.draw.line([c.pt(fx, wy0 - 0.03), c.pt(fx, sill + 0.05)],
                            fill=_shade(spec.curtains, 0.8), width=c.lw(0.003))


def _fit_text(c: _Canvas, text: str, box: tuple[int, int, int, int], script: str,
              bold: bool, fill: RGB) -> None:
    """Draw ``text`` centred in a pixel box, as large as fits."""
    x0, y0, x1, y1 = box
    bw, bh = max(1, x1 - x0), max(1, y1 - y0)
    size = max(4, int(bh * 0.8))
    font = load_font(script, size, bold)
    width = c.draw.textlength(text, font=font)
    if width > bw * 0.92:
        size = max(4, int(size * bw * 0.92 / max(1.0, width)))
        font = load_font(script, size, bold)
    c.draw.text(((x0 + x1) / 2, (y0 + y1) / 2), text, font=font, fill=fill, anchor="mm")


def _draw_sign(c: _Canvas, sign: Sign, script: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = c.px(sign.box)
    h = y1 - y0
    if sign.kind == "clock":
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
        return
    if sign.kind == "plate":
        c.draw.rounded_rectangle([x0, y0, x1, y1], radius=h // 6, fill=sign.bg,
                                 outline=sign.fg, width=max(1, h // 14))
        _fit_text(c, sign.lines[0], (x0 + h // 5, y0 + h // 6, x1 - h // 5, y1 - h // 6),
                  script, True, sign.fg)
        return
    if sign.kind == "notice":
        c.draw.rectangle([x0, y0, x1, y1], fill=(248, 246, 238), outline=(150, 150, 150))
        _fit_text(c, sign.lines[0], (x0, y0 + h // 12, x1, y0 + h // 4), script, True, (30, 30, 30))
        for k in range(4):
            ly = y0 + h * (0.4 + 0.1 * k)
            c.draw.line([x0 + h * 0.08, ly, x1 - h * 0.08 * (1 + k % 2), ly], fill=(150, 150, 160),
                        width=max(1, h // 60))
        _fit_text(c, sign.lines[1], (x0, y0 + int(h * 0.8), x1, y1 - h // 20), script, False,
                  (60, 60, 90))
        return
    c.draw.rectangle([x0, y0, x1, y1], fill=sign.bg, outline=_shade(sign.bg, 0.5),
                     width=c.lw(0.003))
    r = (x1 - x0) * rng.uniform(0.2, 0.3)
    cx, cy = (x0 + x1) / 2, y0 + h * 0.5
    c.draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_shade(sign.bg, 1.35))
    _fit_text(c, sign.lines[0], (x0, y0 + h // 20, x1, y0 + h // 5), script, True, sign.fg)
    _fit_text(c, sign.lines[1], (x0, y1 - h // 6, x1, y1 - h // 30), script, False, sign.fg)


def _label(c: _Canvas, box: tuple[int, int, int, int], text: str | None, script: str,
           rng: random.Random) -> None:
    if text is None:
        return
    x0, y0, x1, y1 = box
    bg = _color(rng, (0.4, 0.9), (0.6, 0.95))
    c.draw.rectangle([x0, y0, x1, y1], fill=bg, outline=_shade(bg, 0.5))
    fg = (255, 255, 255) if sum(bg) < 380 else (25, 25, 25)
    _fit_text(c, text, (x0, y0 + (y1 - y0) // 4, x1, y1 - (y1 - y0) // 4), script, True, fg)


def _draw_item(c: _Canvas, item: Item, script: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = c.px(item.box)
    w, h = x1 - x0, y1 - y0
    col, dark = item.color, _shade(item.color, 0.65)
    d = c.draw
    if item.kind == "sofa":
        d.rounded_rectangle([x0, y0, x1, y0 + h * 0.6], radius=max(1, h // 8), fill=dark)
        d.rounded_rectangle([x0, y0 + h * 0.45, x1, y1 - h * 0.1], radius=max(1, h // 10), fill=col)
        for k in range(2):
            cx0 = x0 + w * (0.1 + 0.42 * k)
            d.rounded_rectangle([cx0, y0 + h * 0.25, cx0 + w * 0.38, y0 + h * 0.55],
                                radius=max(1, h // 12), fill=_shade(col, 1.15))
        d.rectangle([x0 + w * 0.05, y1 - h * 0.1, x0 + w * 0.08, y1], fill=(40, 30, 20))
        d.rectangle([x1 - w * 0.08, y1 - h * 0.1, x1 - w * 0.05, y1], fill=(40, 30, 20))
    elif item.kind == "shelf":
        d.rectangle([x0, y0, x1, y1], fill=dark)
        for k in range(4):
            sy0, sy1 = y0 + h * (0.04 + 0.24 * k), y0 + h * (0.24 + 0.24 * k)
            d.rectangle([x0 + w * 0.05, sy0, x1 - w * 0.05, sy1], fill=_shade(dark, 0.6))
            bx = x0 + w * 0.07
            while bx < x1 - w * 0.12:
                bw = w * rng.uniform(0.04, 0.09)
                bh = (sy1 - sy0) * rng.uniform(0.6, 0.95)
                d.rectangle([bx, sy1 - bh, bx + bw, sy1], fill=_color(rng, (0.3, 0.9), (0.3, 0.9)))
                bx += bw + w * 0.005
        _label(c, (round(x0 + w * 0.15), round(y0 + h * 0.8), round(x1 - w * 0.15),
                   round(y0 + h * 0.95)), item.label, script, rng)
    elif item.kind == "plant":
        d.polygon([(x0 + w * 0.25, y1 - h * 0.3), (x1 - w * 0.25, y1 - h * 0.3),
                   (x1 - w * 0.32, y1), (x0 + w * 0.32, y1)], fill=(170, 90, 60))
        stem = (x0 + x1) / 2
        for k in range(3):
            d.line([stem, y1 - h * 0.3, stem + w * (k - 1) * 0.25, y0 + h * 0.2],
                   fill=(60, 110, 50), width=max(1, w // 20))
        for _ in range(8):
            lx, ly = rng.uniform(x0, x1), rng.uniform(y0, y1 - h * 0.35)
            d.ellipse([lx - w * 0.18, ly - h * 0.08, lx + w * 0.18, ly + h * 0.08],
                      fill=_color(rng, (0.5, 0.8), (0.3, 0.6)))
    elif item.kind == "lamp":
        d.ellipse([x0 + w * 0.2, y1 - h * 0.04, x1 - w * 0.2, y1], fill=(50, 50, 50))
        d.line([(x0 + x1) / 2, y1, (x0 + x1) / 2, y0 + h * 0.2], fill=(60, 60, 60),
               width=max(1, w // 12))
        shade = [(x0 + w * 0.2, y0), (x1 - w * 0.2, y0), (x1, y0 + h * 0.22), (x0, y0 + h * 0.22)]
        d.polygon(shade, fill=_shade(col, 1.4))
    elif item.kind == "table":
        d.rectangle([x0, y0 + h * 0.3, x1, y0 + h * 0.4], fill=col)
        d.rectangle([x0 + w * 0.05, y0 + h * 0.4, x0 + w * 0.09, y1], fill=dark)
        d.rectangle([x1 - w * 0.09, y0 + h * 0.4, x1 - w * 0.05, y1], fill=dark)
        _label(c, (round(x0 + w * 0.1), round(y0), round(x0 + w * 0.55), round(y0 + h * 0.3)),
               item.label, script, rng)
        d.rectangle([x0 + w * 0.7, y0 + h * 0.05, x0 + w * 0.76, y0 + h * 0.3],
                    fill=_color(rng, (0.3, 0.8), (0.3, 0.8)))
    elif item.kind == "cabinet":
        d.rectangle([x0, y0, x1, y1], fill=col, outline=dark, width=c.lw(0.003))
        for k in range(3):
            dy0 = y0 + h * (0.08 + 0.3 * k)
            d.rectangle([x0 + w * 0.06, dy0, x1 - w * 0.06, dy0 + h * 0.25], outline=dark,
                        width=c.lw(0.002))
            d.ellipse([(x0 + x1) / 2 - h * 0.025, dy0 + h * 0.1, (x0 + x1) / 2 + h * 0.025,
                       dy0 + h * 0.15], fill=(200, 190, 150))
        _label(c, (round(x0 + w * 0.2), round(y0 - h * 0.35), round(x1 - w * 0.25), round(y0)),
               item.label, script, rng)
    else:  # fridge
        d.rounded_rectangle([x0, y0, x1, y1], radius=max(1, w // 12), fill=(236, 238, 240),
                            outline=(150, 150, 155), width=c.lw(0.003))
        d.line([x0, y0 + h * 0.35, x1, y0 + h * 0.35], fill=(150, 150, 155), width=c.lw(0.003))
        d.rectangle([x1 - w * 0.14, y0 + h * 0.12, x1 - w * 0.1, y0 + h * 0.28], fill=(90, 90, 95))
        _label(c, (round(x0 + w * 0.12), round(y0 + h * 0.45), round(x1 - w * 0.2),
                   round(y0 + h * 0.6)), item.label, script, rng)


def _light(img: Image.Image, spec: SceneSpec) -> Image.Image:
    """Daylight from the window side: a soft horizontal falloff."""
    wx = (spec.window[0] + spec.window[2]) / 2
    ramp = np.abs(np.linspace(0.0, 1.0, 256) - wx)
    row = (255 - 70 * ramp / max(wx, 1 - wx)).astype(np.uint8)
    shade = Image.fromarray(np.tile(row, (2, 1))).resize(img.size, Image.Resampling.BILINEAR)
    return ImageChops.multiply(img, Image.merge("RGB", (shade, shade, shade)))


def draw_scene(spec: SceneSpec, size: tuple[int, int]) -> Image.Image:
    """Render the room at ``size`` (the same layout at any resolution)."""
    img = Image.new("RGB", size, spec.wall)
    c = _Canvas(img)
    rng = random.Random(spec.seed * 7919 + 1)
    _draw_wall(c, spec)
    _draw_floor(c, spec, rng)
    if spec.rug is not None:
        c.draw.ellipse(c.px((0.2, spec.horizon + 0.1, 0.8, min(0.99, spec.horizon + 0.3))),
                       fill=spec.rug)
    _draw_window(c, spec, rng)
    for sign in spec.signs:
        _draw_sign(c, sign, spec.script, rng)
    for item in spec.items:
        _draw_item(c, item, spec.script, rng)
    return _light(img, spec)
