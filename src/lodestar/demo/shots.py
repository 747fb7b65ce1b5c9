"""Camera shots of a rendered master image: framing (shift, zoom, small rotation), a change of
light and sensor noise, each drawn per shot as a :class:`CameraMove`."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops


@dataclass(frozen=True)
class CameraMove:
    dx: float
    dy: float
    zoom: float
    angle: float  # degrees
    gain: float
    tint: tuple[float, float, float]
    noise_offset: tuple[int, int]


def random_move(rng: random.Random) -> CameraMove:
    return CameraMove(
        dx=rng.uniform(-0.035, 0.035),
        dy=rng.uniform(-0.03, 0.03),
        zoom=rng.uniform(1.0, 1.12),
        angle=rng.uniform(-2.5, 2.5) if rng.random() < 0.5 else 0.0,
        gain=rng.uniform(0.8, 1.15),
        tint=(rng.uniform(0.95, 1.05), 1.0, rng.uniform(0.93, 1.05)),
        noise_offset=(rng.randrange(32), rng.randrange(32)),
    )


def _affine(master: tuple[int, int], out: tuple[int, int], cx: float, cy: float,
            width: float, angle: float) -> tuple[float, float, float, float, float, float]:
    """Coefficients mapping output pixels to master pixels for a crop of ``width`` master px
    centred on (cx, cy) fractions, rotated by ``angle`` degrees."""
    mw, mh = master
    ow, oh = out
    k = width / ow
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    a, b, d, e = k * cos, -k * sin, k * sin, k * cos
    c = cx * mw - a * ow / 2 - b * oh / 2
    f = cy * mh - d * ow / 2 - e * oh / 2
    return (a, b, c, d, e, f)


def crop_view(master: Image.Image, size: tuple[int, int], cx: float, cy: float,
              width_frac: float, angle: float = 0.0) -> Image.Image:
    """A view of ``master``: centre (cx, cy) in fractions, width as a fraction of master width."""
    if angle == 0.0:  # plain crop + scale: a separable resize is about twice as fast
        w = width_frac * master.size[0]
        h = w * size[1] / size[0]
        x, y = cx * master.size[0], cy * master.size[1]
        return master.resize(size, Image.Resampling.BILINEAR,
                             box=(x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    coeffs = _affine(master.size, size, cx, cy, width_frac * master.size[0], angle)
    return master.transform(size, Image.Transform.AFFINE, coeffs,
                            resample=Image.Resampling.BILINEAR, fillcolor=(90, 90, 90))


def apply_light(img: Image.Image, gain: float, tint: tuple[float, float, float]) -> Image.Image:
    lut: list[int] = []
    for channel in tint:
        lut.extend(min(255, round(v * gain * channel)) for v in range(256))
    return img.point(lut)


@lru_cache(maxsize=3)
def _noise(size: tuple[int, int]) -> tuple[Image.Image, Image.Image]:
    """Two fixed uint8 noise planes (added and subtracted) a little larger than ``size``."""
    w, h = size[0] + 32, size[1] + 32
    gen = np.random.default_rng(w * 100_003 + h)
    pos = gen.integers(0, 5, size=(h, w, 3), dtype=np.uint8)
    neg = gen.integers(0, 5, size=(h, w, 3), dtype=np.uint8)
    return Image.fromarray(pos), Image.fromarray(neg)


def add_noise(img: Image.Image, offset: tuple[int, int]) -> Image.Image:
    pos, neg = _noise(img.size)
    ox, oy = offset
    w, h = img.size
    img = ImageChops.add(img, pos.crop((ox, oy, ox + w, oy + h)))
    return ImageChops.subtract(img, neg.crop((31 - ox, 31 - oy, 31 - ox + w, 31 - oy + h)))


BASE_CROP = 0.86  # share of the master width a shot at zoom 1 sees


def render_frame(master: Image.Image, move: CameraMove, size: tuple[int, int],
                 noise: bool = True) -> Image.Image:
    """One camera shot of the master: framing, light change and sensor noise."""
    img = crop_view(master, size, 0.5 + move.dx, 0.5 + move.dy, BASE_CROP / move.zoom, move.angle)
    img = apply_light(img, move.gain, move.tint)
    return add_noise(img, move.noise_offset) if noise else img


def master_size(size: tuple[int, int]) -> tuple[int, int]:
    """Master resolution so that a zoom-1 shot samples it at about 1:1."""
    return (math.ceil(size[0] / BASE_CROP), math.ceil(size[1] / BASE_CROP))
