"""Benign procedural scenes (landscapes, rooms, streets, shapes) for signal tests and benchmarks.

Nothing photographed: everything is drawn from a seed with numpy and Pillow, so a test or a
benchmark can make as many images of any size as it needs, offline and reproducibly. The scenes
carry the things that make perceptual hashes behave like they do on camera photos: large
smooth areas, hard edges, fine texture, printed text and sensor-like grain.
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
from PIL import Image, ImageDraw, ImageFilter, ImageFont

RGB = tuple[int, int, int]
SCENE_KINDS = ("landscape", "room", "street", "shapes")
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
_WORDS = (
    "NORTH",
    "HARBOUR",
    "ROOM 12",
    "EXIT",
    "MARKET",
    "OPEN 9-17",
    "CAFE",
    "PLATFORM 3",
    "LIBRARY",
    "NO PARKING",
    "BAKERY",
    "HOTEL",
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for folder in _FONT_DIRS:
        path = Path(folder) / "DejaVuSans-Bold.ttf"
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _color(rng: random.Random, lo: int = 30, hi: int = 230) -> RGB:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _shade(c: RGB, f: float) -> RGB:
    return (min(255, int(c[0] * f)), min(255, int(c[1] * f)), min(255, int(c[2] * f)))


def _noise_field(rng: np.random.Generator, size: tuple[int, int], cells: int) -> np.ndarray:
    """Smooth noise in [0, 1] at ``size`` (w, h): random cells upsampled bicubically."""
    w, h = size
    cw, ch = max(2, cells), max(2, round(cells * h / w))
    small = Image.fromarray((rng.random((ch, cw)) * 255).astype(np.uint8), "L")
    return np.asarray(small.resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0


def _vertical_gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    w, h = size
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    a = np.array(top, np.float32)[None, None, :]
    b = np.array(bottom, np.float32)[None, None, :]
    col = (a * (1 - t) + b * t).astype(np.uint8)
    return Image.fromarray(np.broadcast_to(col, (h, w, 3)).copy(), "RGB")


def _textured(
    size: tuple[int, int], base: RGB, rng: np.random.Generator, cells: int, amp: float
) -> Image.Image:
    field = _noise_field(rng, size, cells) - 0.5
    detail = _noise_field(rng, size, cells * 6) - 0.5
    f = 1.0 + amp * (field + 0.5 * detail)
    arr = np.clip(np.array(base, np.float32)[None, None, :] * f[:, :, None], 0, 255)
    return Image.fromarray(arr.astype(np.uint8), "RGB")


def _ridge(rng: random.Random, w: int, base: float, rough: float, h: int) -> list[tuple[int, int]]:
    n = 65
    ys = [base] * n
    step, amp = n - 1, rough
    while step > 1:
        for i in range(step // 2, n, step):
            ys[i] = (ys[i - step // 2] + ys[min(n - 1, i + step // 2)]) / 2 + rng.uniform(-amp, amp)
        step //= 2
        amp *= 0.55
    pts = [(round(i * (w - 1) / (n - 1)), round(y * h)) for i, y in enumerate(ys)]
    return [(0, h), *pts, (w - 1, h)]


def _text(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], text: str, fg: RGB) -> None:
    x0, y0, x1, y1 = box
    size = max(6, int((y1 - y0) * 0.6))
    font = _font(size)
    width = draw.textlength(text, font=font)
    if width > (x1 - x0) * 0.9:
        size = max(6, int(size * (x1 - x0) * 0.9 / max(width, 1)))
        font = _font(size)
    draw.text(((x0 + x1) // 2, (y0 + y1) // 2), text, fill=fg, font=font, anchor="mm")


def _landscape(size: tuple[int, int], rng: random.Random, nrng: np.random.Generator) -> Image.Image:
    w, h = size
    img = _vertical_gradient(size, _color(rng, 60, 140), _color(rng, 170, 250))
    draw = ImageDraw.Draw(img)
    sun_r = int(min(w, h) * rng.uniform(0.04, 0.09))
    sx, sy = int(w * rng.uniform(0.1, 0.9)), int(h * rng.uniform(0.08, 0.3))
    draw.ellipse((sx - sun_r, sy - sun_r, sx + sun_r, sy + sun_r), fill=_color(rng, 200, 255))
    clouds = Image.new("L", (w // 8, h // 8), 0)
    cd = ImageDraw.Draw(clouds)
    for _ in range(rng.randint(3, 9)):
        cx, cy = rng.uniform(0, w / 8), rng.uniform(0, h / 20)
        rx, ry = rng.uniform(w / 60, w / 20), rng.uniform(h / 200, h / 60)
        cd.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=rng.randint(120, 230))
    clouds = clouds.filter(ImageFilter.GaussianBlur(3)).resize(size, Image.Resampling.BICUBIC)
    img.paste(Image.new("RGB", size, (245, 245, 245)), (0, 0), clouds)
    layers = rng.randint(2, 4)
    for i in range(layers):
        base = 0.35 + 0.4 * (i + 1) / (layers + 1) + rng.uniform(-0.05, 0.05)
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).polygon(_ridge(rng, w, base, 0.12, h), fill=255)
        tex = _textured(size, _color(rng, 30, 150), nrng, rng.randint(6, 20), 0.5)
        img.paste(tex, (0, 0), mask)
    draw = ImageDraw.Draw(img)
    ground = int(h * rng.uniform(0.78, 0.9))
    for _ in range(rng.randint(8, 40)):
        x = rng.uniform(0, w)
        th = h * rng.uniform(0.04, 0.18)
        tw = th * rng.uniform(0.25, 0.45)
        y = ground + rng.uniform(-0.05, 0.1) * h
        draw.rectangle(
            (x - tw * 0.08, y - th * 0.1, x + tw * 0.08, y + th * 0.1), fill=(70, 45, 20)
        )
        draw.polygon(
            [(x - tw, y - th * 0.05), (x + tw, y - th * 0.05), (x, y - th)],
            fill=_color(rng, 10, 90),
        )
    return img


def _room(size: tuple[int, int], rng: random.Random, nrng: np.random.Generator) -> Image.Image:
    w, h = size
    wall = _color(rng, 120, 230)
    img = _textured(size, wall, nrng, rng.randint(4, 12), 0.25)
    draw = ImageDraw.Draw(img)
    vx, vy = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.35, 0.55)
    bx0, by0, bx1, by1 = vx - w * 0.28, vy - h * 0.28, vx + w * 0.28, vy + h * 0.3
    draw.polygon([(0, 0), (bx0, by0), (bx0, by1), (0, h)], fill=_shade(wall, 0.8))
    draw.polygon([(w, 0), (bx1, by0), (bx1, by1), (w, h)], fill=_shade(wall, 0.9))
    draw.polygon([(0, 0), (w, 0), (bx1, by0), (bx0, by0)], fill=_shade(wall, 1.1))
    floor = Image.new("L", size, 0)
    ImageDraw.Draw(floor).polygon([(0, h), (bx0, by1), (bx1, by1), (w, h)], fill=255)
    img.paste(_textured(size, _color(rng, 60, 160), nrng, 40, 0.45), (0, 0), floor)
    for k in range(1, 14):  # floor boards converge on the vanishing point
        x = k * w / 14
        draw.line(
            [(x, h), (bx0 + (bx1 - bx0) * k / 14, by1)], fill=(40, 30, 20), width=max(1, w // 800)
        )
    wx0, wy0 = bx0 + (bx1 - bx0) * rng.uniform(0.05, 0.4), by0 + (by1 - by0) * 0.15
    wx1, wy1 = wx0 + (bx1 - bx0) * rng.uniform(0.25, 0.45), wy0 + (by1 - by0) * 0.4
    box = (int(wx0), int(wy0), int(wx1), int(wy1))
    view = _landscape((box[2] - box[0], box[3] - box[1]), rng, nrng)
    img.paste(view, box[:2])
    frame = max(2, w // 250)
    draw.rectangle(box, outline=(240, 240, 235), width=frame)
    draw.line([((wx0 + wx1) / 2, wy0), ((wx0 + wx1) / 2, wy1)], fill=(240, 240, 235), width=frame)
    # bookshelf: many small spines, the fine detail a thumbnail decode smears
    sx0 = bx0 + (bx1 - bx0) * rng.uniform(0.55, 0.7)
    sx1, sy0, sy1 = sx0 + (bx1 - bx0) * 0.25, by0 + (by1 - by0) * 0.25, by1
    draw.rectangle((sx0, sy0, sx1, sy1), fill=(90, 60, 35))
    shelves = 5
    for s in range(shelves):
        y1 = sy0 + (sy1 - sy0) * (s + 1) / shelves - h * 0.006
        y0 = y1 - (sy1 - sy0) / shelves * 0.8
        x = sx0 + w * 0.004
        while x < sx1 - w * 0.01:
            bw = w * rng.uniform(0.003, 0.009)
            draw.rectangle((x, y0 + rng.uniform(0, (y1 - y0) * 0.2), x + bw, y1), fill=_color(rng))
            x += bw + 1
    px0 = bx0 + (bx1 - bx0) * 0.08
    poster = (
        int(px0),
        int(by0 + (by1 - by0) * 0.62),
        int(px0 + (bx1 - bx0) * 0.3),
        int(by1 - (by1 - by0) * 0.12),
    )
    draw.rectangle(poster, fill=_color(rng, 180, 250), outline=(20, 20, 20), width=frame)
    _text(draw, poster, rng.choice(_WORDS), _color(rng, 0, 90))
    tx, ty = w * rng.uniform(0.1, 0.5), h * rng.uniform(0.75, 0.85)
    draw.rectangle((tx, ty, tx + w * 0.35, ty + h * 0.04), fill=_color(rng, 60, 140))
    draw.rectangle((tx + w * 0.02, ty, tx + w * 0.03, h), fill=(50, 35, 20))
    draw.rectangle((tx + w * 0.32, ty, tx + w * 0.33, h), fill=(50, 35, 20))
    return img


def _street(size: tuple[int, int], rng: random.Random, nrng: np.random.Generator) -> Image.Image:
    w, h = size
    img = _vertical_gradient(size, _color(rng, 80, 160), _color(rng, 180, 240))
    draw = ImageDraw.Draw(img)
    x = -rng.uniform(0, w * 0.1)
    ground = h * rng.uniform(0.8, 0.9)
    while x < w:
        bw = w * rng.uniform(0.08, 0.22)
        top = h * rng.uniform(0.1, 0.5)
        color = _color(rng, 70, 210)
        draw.rectangle((x, top, x + bw, ground), fill=color)
        cols, rows = rng.randint(2, 6), rng.randint(3, 12)
        cw, rh = bw / cols, (ground - top) / rows
        lit = _color(rng, 150, 255)
        for i in range(cols):
            for j in range(rows - 1):
                wx, wy = x + i * cw + cw * 0.2, top + j * rh + rh * 0.25
                fill = lit if rng.random() < 0.4 else _shade(color, 0.45)
                draw.rectangle((wx, wy, wx + cw * 0.6, wy + rh * 0.5), fill=fill)
        if rng.random() < 0.6:
            sign = (
                int(x + bw * 0.1),
                int(ground - rh * 0.9),
                int(x + bw * 0.9),
                int(ground - rh * 0.2),
            )
            draw.rectangle(sign, fill=_color(rng, 0, 255))
            _text(draw, sign, rng.choice(_WORDS), _color(rng, 0, 255))
        x += bw + w * rng.uniform(0.0, 0.02)
    road = Image.new("L", size, 0)
    ImageDraw.Draw(road).rectangle((0, int(ground), w, h), fill=255)
    img.paste(_textured(size, (95, 95, 100), nrng, 60, 0.4), (0, 0), road)
    for k in range(0, w, max(1, w // 8)):
        draw.rectangle(
            (k, (ground + h) / 2, k + w // 16, (ground + h) / 2 + h * 0.01), fill=(235, 235, 235)
        )
    return img


def _shapes(size: tuple[int, int], rng: random.Random, nrng: np.random.Generator) -> Image.Image:
    w, h = size
    img = _vertical_gradient(size, _color(rng), _color(rng))
    img = Image.fromarray(
        np.clip(
            np.asarray(img, np.float32) * (0.7 + 0.6 * _noise_field(nrng, size, 5)[:, :, None]),
            0,
            255,
        ).astype(np.uint8)
    )
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(10, 40)):
        x, y = rng.uniform(-0.1, 1.0) * w, rng.uniform(-0.1, 1.0) * h
        s = rng.uniform(0.03, 0.3) * min(w, h)
        kind = rng.random()
        if kind < 0.35:
            draw.ellipse((x, y, x + s, y + s * rng.uniform(0.5, 1.5)), fill=_color(rng, 0, 255))
        elif kind < 0.7:
            draw.rectangle((x, y, x + s * rng.uniform(0.5, 2), y + s), fill=_color(rng, 0, 255))
        elif kind < 0.9:
            n = rng.randint(3, 7)
            pts = [
                (
                    x + s * math.cos(2 * math.pi * i / n + rng.random()),
                    y + s * math.sin(2 * math.pi * i / n),
                )
                for i in range(n)
            ]
            draw.polygon(pts, fill=_color(rng, 0, 255))
        else:
            box = (int(x), int(y), int(x + s * 2.5), int(y + s * 0.6))
            draw.rectangle(box, fill=_color(rng, 200, 255))
            _text(draw, box, rng.choice(_WORDS), _color(rng, 0, 80))
    return img


_KINDS: dict[str, Callable[[tuple[int, int], random.Random, np.random.Generator], Image.Image]] = {
    "landscape": _landscape,
    "room": _room,
    "street": _street,
    "shapes": _shapes,
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


def add_grain(img: Image.Image, seed: int, sigma: float = 4.0) -> Image.Image:
    """Sensor-like luminance grain (Gaussian, ``sigma`` grey levels)."""
    rng = np.random.default_rng(seed)
    arr = np.asarray(img, dtype=np.int16)
    noise = rng.standard_normal(arr.shape[:2], dtype=np.float32) * np.float32(sigma)
    grain = noise.astype(np.int16)[:, :, None]
    return Image.fromarray(np.clip(arr + grain, 0, 255).astype(np.uint8), "RGB")


def scene(
    seed: int, size: tuple[int, int], kind: str | None = None, *, grain: float = 4.0
) -> Image.Image:
    """A benign RGB scene of ``size`` (w, h); ``kind`` is one of SCENE_KINDS (by seed if None)."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    kind = kind or SCENE_KINDS[seed % len(SCENE_KINDS)]
    img = _KINDS[kind](size, rng, nrng)
    if grain > 0:
        img = add_grain(img, seed, grain)
    if rng.random() < 0.5:  # soft lens vignette
        w, h = size
        yy, xx = np.ogrid[-1 : 1 : h * 1j, -1 : 1 : w * 1j]
        fall = (1.0 - 0.25 * (xx**2 + yy**2)).astype(np.float32)
        img = Image.fromarray((np.asarray(img, np.float32) * fall[:, :, None]).astype(np.uint8))
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
