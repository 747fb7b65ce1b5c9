"""Colours: drawn from a random generator, and shaded."""

from __future__ import annotations

import colorsys
import random
from collections.abc import Callable

RGB = tuple[int, int, int]
WHITE: RGB = (255, 255, 255)


def uniform_rgb(rng: random.Random, lo: int = 30, hi: int = 230) -> RGB:
    """Each channel drawn uniformly from ``lo``..``hi`` (the photo scenes' colours)."""
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def hsv_rgb(rng: random.Random, s: tuple[float, float], v: tuple[float, float],
            hue: tuple[float, float] = (0.0, 1.0)) -> RGB:
    """Hue, saturation and value drawn from ranges (the corpus rooms' colours)."""
    r, g, b = colorsys.hsv_to_rgb(rng.uniform(*hue), rng.uniform(*s), rng.uniform(*v))
    return (round(r * 255), round(g * 255), round(b * 255))


def shade(color: RGB, factor: float, snap: Callable[[float], int] = round) -> RGB:
    """``color`` scaled by ``factor`` and clipped to 0..255; ``snap`` makes a channel whole
    (the corpus rooms round, the photo scenes pass ``int`` and truncate)."""
    r, g, b = (min(255, max(0, snap(c * factor))) for c in color)
    return (r, g, b)
