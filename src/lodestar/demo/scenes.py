"""Procedural indoor scenes: wallpaper, floor, furniture, a window with a landscape, signs.

A :class:`SceneSpec` is drawn from a seed in fraction coordinates, so one spec renders the same
room at any resolution. :func:`draw_scene` renders a master image once per series from the parts
in :mod:`lodestar.demo.render`; :mod:`lodestar.demo.shots` derives camera shots from it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image

from lodestar.demo.catalog import FLOORS, LANGUAGE_BY_CODE, PATTERNS, ROOMS, VIEWS
from lodestar.demo.render.canvas import Box, Canvas
from lodestar.demo.render.floors import floor
from lodestar.demo.render.furniture import Item, room_item
from lodestar.demo.render.light import daylight
from lodestar.demo.render.paint import RGB, hsv_rgb, shade
from lodestar.demo.render.signs import Sign, wall_sign
from lodestar.demo.render.wallpaper import wallpaper
from lodestar.demo.render.window import room_window

__all__ = ["Item", "SceneSpec", "Sign", "draw_scene", "plan_scene"]


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
                bg = (255, 255, 255) if kind == "clock" else hsv_rgb(rng, (0.2, 0.8), (0.3, 0.95))
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
        color = hsv_rgb(rng, (0.15, 0.6), (0.25, 0.8))
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
    wall = hsv_rgb(rng, (0.08, 0.45), (0.6, 0.92))
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
        wall_alt=shade(wall, rng.choice([0.75, 0.85, 1.15])),
        tile=rng.uniform(0.05, 0.11),
        floor=rng.choice(FLOORS),
        floor_color=hsv_rgb(rng, (0.3, 0.7), (0.3, 0.7)),
        floor_alt=hsv_rgb(rng, (0.2, 0.6), (0.25, 0.75)),
        horizon=horizon,
        window=window,
        view=rng.choice(VIEWS),
        frame_color=rng.choice([(245, 245, 240), (120, 80, 50), (60, 60, 65), (200, 190, 170)]),
        curtains=hsv_rgb(rng, (0.3, 0.8), (0.3, 0.9)) if rng.random() < 0.5 else None,
        signs=tuple(_plan_signs(rng, horizon, window, phrases)),
        items=tuple(_plan_items(rng, room, horizon, phrases)),
        rug=hsv_rgb(rng, (0.3, 0.8), (0.3, 0.8)) if rng.random() < 0.5 else None,
    )


# --------------------------------------------------------------------------- drawing


def draw_scene(spec: SceneSpec, size: tuple[int, int]) -> Image.Image:
    """Render the room at ``size`` (the same layout at any resolution)."""
    img = Image.new("RGB", size, spec.wall)
    c = Canvas(img)
    rng = random.Random(spec.seed * 7919 + 1)
    wallpaper(c, spec.pattern, spec.wall, spec.wall_alt, spec.tile, spec.horizon)
    floor(c, spec.floor, spec.floor_color, spec.floor_alt, spec.horizon, rng)
    if spec.rug is not None:
        c.draw.ellipse(c.px((0.2, spec.horizon + 0.1, 0.8, min(0.99, spec.horizon + 0.3))),
                       fill=spec.rug)
    room_window(c, spec.window, spec.view, spec.frame_color, spec.curtains, rng)
    for sign in spec.signs:
        wall_sign(c, sign, spec.script, rng)
    for item in spec.items:
        room_item(c, item, spec.script, rng)
    return daylight(img, (spec.window[0] + spec.window[2]) / 2)
