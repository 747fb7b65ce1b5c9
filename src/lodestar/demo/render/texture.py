"""Smooth noise, gradients and noise-textured surfaces (the photo scenes' walls and ground)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from lodestar.demo.render.paint import RGB


def noise_field(rng: np.random.Generator, size: tuple[int, int], cells: int) -> np.ndarray:
    """Smooth noise in [0, 1] at ``size`` (w, h): random cells upsampled bicubically."""
    w, h = size
    cw, ch = max(2, cells), max(2, round(cells * h / w))
    small = Image.fromarray((rng.random((ch, cw)) * 255).astype(np.uint8), "L")
    return np.asarray(small.resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0


def vertical_gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    w, h = size
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    a = np.array(top, np.float32)[None, None, :]
    b = np.array(bottom, np.float32)[None, None, :]
    col = (a * (1 - t) + b * t).astype(np.uint8)
    return Image.fromarray(np.broadcast_to(col, (h, w, 3)).copy(), "RGB")


def textured(
    size: tuple[int, int], base: RGB, rng: np.random.Generator, cells: int, amp: float
) -> Image.Image:
    """``base`` modulated by two octaves of noise (``cells`` across, then six times finer)."""
    field = noise_field(rng, size, cells) - 0.5
    detail = noise_field(rng, size, cells * 6) - 0.5
    f = 1.0 + amp * (field + 0.5 * detail)
    arr = np.clip(np.array(base, np.float32)[None, None, :] * f[:, :, None], 0, 255)
    return Image.fromarray(arr.astype(np.uint8), "RGB")


def paste_inside(img: Image.Image, texture: Image.Image,
                 polygon: Sequence[tuple[float, float]]) -> None:
    """Cover the part of ``img`` inside ``polygon`` with ``texture`` (of the same size)."""
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).polygon(polygon, fill=255)
    img.paste(texture, (0, 0), mask)
