"""A video's contact sheet: a grid of keyframe thumbnails with their timestamps, scene
changes framed in orange (what an analyst sees instead of playing the video)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from lodestar.analyze.keyframes.frames import THUMB_SIDE, Keyframe
from lodestar.fonts import Font, load_font


def _font(size: int) -> Font:
    try:
        return load_font("latin", size)
    except OSError:  # an unreadable font file: Pillow's own font still labels the cells
        return ImageFont.load_default(size=size)


def pick(frames: Sequence[Keyframe], limit: int) -> list[Keyframe]:
    """At most ``limit`` frames, scene changes first, the rest spread evenly over time."""
    if len(frames) <= limit:
        return list(frames)
    chosen = {id(f): f for f in frames if f.scene_change}
    chosen = dict(list(chosen.items())[:limit])
    rest = [f for f in frames if id(f) not in chosen]
    need = limit - len(chosen)
    for k in range(need):
        f = rest[(k * len(rest)) // need]
        chosen[id(f)] = f
    return sorted(chosen.values(), key=lambda f: f.timestamp)


def format_time(seconds: float) -> str:
    minutes, sec = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{sec:06.3f}" if hours else f"{minutes:02d}:{sec:06.3f}"


def contact_sheet(
    keyframes: Sequence[Keyframe],
    *,
    columns: int = 6,
    cell: int = THUMB_SIDE,
    max_cells: int = 60,
    title: str | None = None,
) -> Image.Image:
    """A grid of keyframe thumbnails with their timestamps; scene changes framed in orange."""
    frames = pick(keyframes, max_cells)
    columns = max(1, min(columns, len(frames) or 1))
    rows = max(1, math.ceil(len(frames) / columns))
    aspect = frames[0].image.height / frames[0].image.width if frames else 9 / 16
    cell_h = max(16, round(cell * min(aspect, 1.5)))
    pad, caption = 6, 22
    head = 30 if title else 0
    sheet = Image.new(
        "RGB",
        (columns * (cell + pad) + pad, head + rows * (cell_h + caption + pad) + pad),
        (24, 24, 24),
    )
    draw = ImageDraw.Draw(sheet)
    font = _font(14)
    if title:
        draw.text((pad, 7), title, fill=(235, 235, 235), font=_font(16))
    for n, kf in enumerate(frames):
        x = pad + (n % columns) * (cell + pad)
        y = head + pad + (n // columns) * (cell_h + caption + pad)
        thumb = kf.thumbnail(cell)
        thumb.thumbnail((cell, cell_h), Image.Resampling.BILINEAR)
        sheet.paste(thumb, (x + (cell - thumb.width) // 2, y + (cell_h - thumb.height) // 2))
        if kf.scene_change:
            draw.rectangle(
                (x - 3, y - 3, x + cell + 2, y + cell_h + 2), outline=(255, 150, 0), width=3
            )
        label = format_time(kf.timestamp) + ("  scene" if kf.scene_change else "")
        draw.text((x + 2, y + cell_h + 4), label, fill=(235, 235, 235), font=font)
    return sheet
