"""Light on a finished picture: window daylight, a lens vignette, sensor grain."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageChops


def daylight(img: Image.Image, window_x: float) -> Image.Image:
    """Daylight from a window centred at ``window_x`` (a share of the width): a soft
    horizontal falloff."""
    ramp = np.abs(np.linspace(0.0, 1.0, 256) - window_x)
    row = (255 - 70 * ramp / max(window_x, 1 - window_x)).astype(np.uint8)
    shade = Image.fromarray(np.tile(row, (2, 1))).resize(img.size, Image.Resampling.BILINEAR)
    return ImageChops.multiply(img, Image.merge("RGB", (shade, shade, shade)))


def vignette(img: Image.Image) -> Image.Image:
    """A soft lens vignette: a quarter darker at the corners."""
    w, h = img.size
    yy, xx = np.ogrid[-1 : 1 : h * 1j, -1 : 1 : w * 1j]
    fall = (1.0 - 0.25 * (xx**2 + yy**2)).astype(np.float32)
    return Image.fromarray((np.asarray(img, np.float32) * fall[:, :, None]).astype(np.uint8))


def grain(img: Image.Image, seed: int, sigma: float = 4.0) -> Image.Image:
    """Sensor-like luminance grain (Gaussian, ``sigma`` grey levels)."""
    rng = np.random.default_rng(seed)
    arr = np.asarray(img, dtype=np.int16)
    noise = rng.standard_normal(arr.shape[:2], dtype=np.float32) * np.float32(sigma)
    grain = noise.astype(np.int16)[:, :, None]
    return Image.fromarray(np.clip(arr + grain, 0, 255).astype(np.uint8), "RGB")
