"""Benign procedural scenes (landscapes, rooms, streets, shapes) for signal tests and benchmarks.

Nothing photographed: everything is drawn from a seed with numpy and Pillow, so a test or a
benchmark can make as many images of any size as it needs, offline and reproducibly. The scenes
carry the things that make perceptual hashes behave like they do on camera photos: large
smooth areas, hard edges, fine texture, printed text and sensor-like grain.

They are drawn in pixels with the parts in :mod:`lodestar.demo.render`, which the corpus rooms
of :mod:`lodestar.demo.scenes` are drawn with too.
"""

from __future__ import annotations

import io
import math
import random
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from lodestar.demo.render import light
from lodestar.demo.render.boxroom import box_room
from lodestar.demo.render.shapes import shapes
from lodestar.demo.render.street import street
from lodestar.demo.render.views import landscape

SCENE_KINDS = ("landscape", "room", "street", "shapes")

_KINDS: dict[str, Callable[[tuple[int, int], random.Random, np.random.Generator], Image.Image]] = {
    "landscape": landscape,
    "room": box_room,
    "street": street,
    "shapes": shapes,
}


# scikit-image sample images of objects, animals, textures and scenery only (an allow-list:
# any sample not named here is never used).
SKIMAGE_SAMPLES = (
    "brick",
    "cell",
    "chelsea",
    "coffee",
    "coins",
    "colorwheel",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "horse",
    "logo",
    "moon",
    "page",
    "rocket",
    "text",
)


def skimage_sample_files(folder: Path) -> list[Path]:
    """The allow-listed scikit-image samples as q90 JPEGs in ``folder`` (written once).

    Empty when scikit-image is not installed (it is optional: benchmarks only); a sample that
    would need a download is skipped with a message.
    """
    try:
        from skimage import data as skdata
    except ImportError:
        print("scikit-image not installed: synthetic scenes only", file=sys.stderr)
        return []
    out = []
    for name in SKIMAGE_SAMPLES:
        path = folder / f"skimage-{name}.jpg"
        if not path.exists():
            try:
                arr = getattr(skdata, name)()
            except Exception as exc:  # a sample that needs a download: skip it
                print(f"skimage sample {name}: {exc}", file=sys.stderr)
                continue
            img = Image.fromarray(np.asarray(arr)).convert("RGB")
            path.write_bytes(jpeg_bytes(img, 90))
        out.append(path)
    return out


def scene(
    seed: int, size: tuple[int, int], kind: str | None = None, *, grain: float = 4.0
) -> Image.Image:
    """A benign RGB scene of ``size`` (w, h); ``kind`` is one of SCENE_KINDS (by seed if None)."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    kind = kind or SCENE_KINDS[seed % len(SCENE_KINDS)]
    img = _KINDS[kind](size, rng, nrng)
    if grain > 0:
        img = light.grain(img, seed, grain)
    if rng.random() < 0.5:
        img = light.vignette(img)
    return img


def jpeg_bytes(img: Image.Image, quality: int = 90, **options: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, **options)
    return buf.getvalue()


def write_video(
    path: Path | str,
    *,
    seconds: float = 4.0,
    fps: int | Fraction = 30,
    size: tuple[int, int] = (320, 240),
    seed: int = 0,
    codec: str = "libx264",
    gop: int | None = None,
) -> Path:
    """A benign test video: a slow pan and zoom over a procedural landscape/street scene."""
    import av  # local: only video tests need it

    path = Path(path)
    w, h = size
    master = scene(seed, (w * 3, h * 3), "street" if seed % 2 else "landscape", grain=0)
    frames = max(1, round(seconds * float(fps)))
    with av.open(str(path), mode="w") as container:
        stream: Any = container.add_stream(codec, rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        if gop is not None:
            stream.codec_context.gop_size = gop
        for i in range(frames):
            t = i / max(1, frames - 1)
            zoom = 1.6 - 0.5 * t
            cw, ch = master.width / zoom, master.height / zoom
            x0 = (master.width - cw) * (0.1 + 0.8 * t)
            y0 = (master.height - ch) * (0.5 + 0.3 * math.sin(2 * math.pi * t))
            frame_img = master.resize(
                (w, h), Image.Resampling.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch)
            )
            frame = av.VideoFrame.from_image(frame_img)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
