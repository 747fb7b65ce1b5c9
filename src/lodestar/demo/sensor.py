"""Benign simulated camera sensors: a fixed PRNU pattern per camera, applied to synthetic scenes.

A camera is a seed. Its pattern K multiplies the light each pixel receives (I·(1 + K)); shot
noise (signal-dependent) and read noise vary per shot, then the frame is JPEG-compressed.
Scenes come from :mod:`lodestar.demo.photos` (landscapes, rooms, streets, shapes, nothing else),
so tests and benchmarks of :mod:`lodestar.series.prnu` have ground truth for free.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from functools import lru_cache

import numpy as np
from PIL import Image

from lodestar.demo.photos import jpeg_bytes, scene

_PATTERN_DOMAIN = 0x5E_4503  # keeps sensor patterns apart from other seeded streams
_SHOT_DOMAIN = 0x5407


def sensor_pattern(seed: int, shape: tuple[int, int], *, strength: float = 0.01) -> np.ndarray:
    """Camera ``seed``'s multiplicative pattern K, float32 of ``shape`` (h, w): zero-mean,
    std ≈ ``strength`` (real sensors: about 0.005–0.02), with faint row/column structure."""
    h, w = shape
    rng = np.random.default_rng([_PATTERN_DOMAIN, seed])
    k = rng.standard_normal((h, w), dtype=np.float32)
    k += 0.2 * rng.standard_normal((h, 1), dtype=np.float32)  # row (readout) structure
    k += 0.2 * rng.standard_normal((1, w), dtype=np.float32)  # column amplifiers
    k -= k.mean()
    k *= np.float32(strength / max(float(k.std()), 1e-12))
    return k


def apply_sensor(
    img: Image.Image,
    k: np.ndarray,
    *,
    seed: int,
    jpeg_quality: int = 90,
    shot_gain: float = 0.04,
    read_noise: float = 1.5,
) -> bytes:
    """JPEG bytes of ``img`` as shot through a sensor with pattern ``k``: I·(1 + K) plus shot
    noise (variance ``shot_gain``·signal, in grey levels) and read noise, seeded by ``seed``."""
    arr = np.asarray(img.convert("RGB"), dtype=np.float32)
    if k.shape != arr.shape[:2]:
        raise ValueError(f"sensor pattern is {k.shape}, the image is {arr.shape[:2]} (h, w)")
    rng = np.random.default_rng([_SHOT_DOMAIN, seed])
    signal = arr * (1.0 + k[:, :, None])
    noise = rng.standard_normal(arr.shape, dtype=np.float32)
    noise *= np.sqrt(np.float32(shot_gain) * np.maximum(signal, 0.0) + np.float32(read_noise**2))
    out = np.clip(np.rint(signal + noise), 0, 255).astype(np.uint8)
    return jpeg_bytes(Image.fromarray(out, "RGB"), jpeg_quality)


def sensor_shots(
    camera: int,
    scene_seeds: Iterable[int],
    size: tuple[int, int],
    *,
    jpeg_quality: int = 90,
    strength: float = 0.01,
) -> Iterator[bytes]:
    """JPEGs of the scenes ``scene_seeds`` at ``size`` (w, h) shot by camera ``camera``."""
    k = sensor_pattern(camera, (size[1], size[0]), strength=strength)
    for s in scene_seeds:
        picture = scene(s, size, grain=0)  # the sensor adds its own noise
        yield apply_sensor(picture, k, seed=camera * 1_000_003 + s, jpeg_quality=jpeg_quality)


@lru_cache(maxsize=4)
def _camera_pattern(serial: str, shape: tuple[int, int]) -> np.ndarray:
    return sensor_pattern(zlib.crc32(serial.encode()), shape)


def sensed(img: Image.Image, serial: str) -> Image.Image:
    """``img`` (stored pixel order) with the PRNU pattern of camera ``serial``: I·(1 + K).

    Only the multiplicative pattern, no per-shot noise: the demo corpus must stay quick to make
    (the renders' own texture and JPEG do the rest); :func:`apply_sensor` is the full model.
    """
    arr = np.asarray(img.convert("RGB"), dtype=np.float32)
    k = _camera_pattern(serial, arr.shape[:2])
    arr *= 1.0 + k[:, :, None]
    return Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8), "RGB")
