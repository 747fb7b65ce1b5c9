"""Near-duplicate transforms and deterministic encoders."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from lodestar.demo.fonts import load_font

VARIANTS: tuple[str, ...] = (
    "resize", "recompress", "crop", "rotate90", "flip", "overlay", "screenshot",
)


def encode_jpeg(img: Image.Image, quality: int, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    kwargs: dict[str, object] = {"quality": quality, "optimize": False, "progressive": False}
    if exif:
        kwargs["exif"] = exif
    img.convert("RGB").save(buf, format="JPEG", **kwargs)
    return buf.getvalue()


def encode_png(img: Image.Image, compress_level: int = 6) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


def heic_available() -> bool:
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return "HEIF" in Image.SAVE


def encode_heic(img: Image.Image, quality: int, exif: bytes | None = None) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    kwargs: dict[str, object] = {"quality": quality}
    if exif:
        kwargs["exif"] = exif
    img.convert("RGB").save(buf, format="HEIF", **kwargs)
    return buf.getvalue()


def resize(img: Image.Image, rng: random.Random) -> Image.Image:
    factor = rng.uniform(0.4, 0.7)
    size = (max(8, round(img.width * factor)), max(8, round(img.height * factor)))
    return img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def crop(img: Image.Image, rng: random.Random) -> Image.Image:
    fw, fh = rng.uniform(0.65, 0.9), rng.uniform(0.65, 0.9)
    w, h = round(img.width * fw), round(img.height * fh)
    x0 = rng.randint(0, img.width - w)
    y0 = rng.randint(0, img.height - h)
    return img.crop((x0, y0, x0 + w, y0 + h))


def rotate90(img: Image.Image, rng: random.Random) -> Image.Image:
    return img.transpose(rng.choice([Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270]))


def flip(img: Image.Image, rng: random.Random) -> Image.Image:
    del rng
    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def overlay(img: Image.Image, text: str, script: str, rng: random.Random) -> Image.Image:
    """A caption box in a corner, as added by a sharing app or a date-stamp setting."""
    out = img.convert("RGB").copy()
    d = ImageDraw.Draw(out, "RGBA")
    size = max(10, img.height // 18)
    font = load_font(script, size, bold=True)
    width = d.textlength(text, font=font)
    pad = size // 2
    right = rng.random() < 0.6
    x = img.width - width - 2 * pad - size if right else size
    y = img.height - 2 * pad - size * 2
    d.rectangle([x, y, x + width + 2 * pad, y + size + 2 * pad], fill=(0, 0, 0, 120))
    d.text((x + pad, y + pad), text, font=font, fill=(255, 230, 80, 255))
    return out


def screenshot(img: Image.Image, rng: random.Random, screen: tuple[int, int],
               caption: str) -> Image.Image:
    """The image shown in a photo-viewer-like window on a desktop."""
    sw, sh = screen
    dark = rng.random() < 0.5
    bg, panel, ink = ((32, 33, 36), (45, 46, 50), (220, 220, 220)) if dark else \
        ((236, 236, 236), (250, 250, 250), (40, 40, 40))
    out = Image.new("RGB", screen, bg)
    d = ImageDraw.Draw(out)
    bar = max(16, sh // 28)
    d.rectangle([0, 0, sw, bar], fill=panel)
    for k, color in enumerate(((237, 106, 94), (245, 191, 79), (98, 197, 84))):
        r = bar // 4
        cx = bar // 2 + k * bar * 0.7
        d.ellipse([cx - r, bar / 2 - r, cx + r, bar / 2 + r], fill=color)
    font = load_font("latin", max(8, bar * 5 // 9))
    d.text((sw / 2, bar / 2), caption, font=font, fill=ink, anchor="mm")
    side = sw // 6
    d.rectangle([0, bar, side, sh], fill=panel)
    for k in range(max(1, (sh - bar) // (bar * 2) - 1)):
        y = bar + bar // 2 + k * bar * 2
        d.rectangle([bar // 2, y, bar // 2 + bar, y + bar], fill=(rng.randrange(60, 200),) * 3)
        d.rectangle([bar * 2, y + bar // 3, side - bar // 2, y + bar * 2 // 3], fill=bg)
    status = sh - bar
    d.rectangle([side, status, sw, sh], fill=panel)
    d.text((side + bar // 2, status + bar / 2), f"{img.width} × {img.height}", font=font,
           fill=ink, anchor="lm")
    area = (sw - side - 2 * bar, status - bar - 2 * bar)
    scale = min(area[0] / img.width, area[1] / img.height)
    shown = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                       Image.Resampling.BILINEAR, reducing_gap=2.0)
    x = side + bar + (area[0] - shown.width) // 2
    y = bar + bar + (area[1] - shown.height) // 2
    out.paste(shown, (x, y))
    return out
