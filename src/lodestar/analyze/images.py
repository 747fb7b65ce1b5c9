"""Image facts for the fast pass: size, orientation, basic EXIF, a small thumbnail, signals.

Uses Pillow's in-process EXIF reader (thousands of files per second) — exiftool belongs to
the deep pass. JPEGs are decoded at reduced scale (libjpeg DCT scaling via ``draft``), never
at full resolution, to make the thumbnail; the registered image signal types (PDQ) hash that
same decode.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from lodestar.analyze.signals.base import SignalValue
from lodestar.analyze.signals.compute import hash_decoded_image

pillow_heif.register_heif_opener()  # HEIC/HEIF from phones

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
TAG_BODY_SERIAL = 0xA431
TAG_DATETIME_ORIGINAL = 0x9003
TAG_OFFSET_TIME_ORIGINAL = 0x9011
TAG_ORIENTATION = 0x0112
TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_SOFTWARE = 0x0131
TAG_DATETIME = 0x0132

_DECODE_ERRORS = (OSError, ValueError, SyntaxError, UnidentifiedImageError, EOFError, MemoryError)


class ImageProblem(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class ImageFacts:
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    make: str | None = None
    model: str | None = None
    serial: str | None = None
    captured_at: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    exif: dict[str, Any] = field(default_factory=dict)
    signals: list[SignalValue] = field(default_factory=list)
    thumb: Image.Image | None = None
    problems: list[ImageProblem] = field(default_factory=list)


def analyze_image(data: bytes, *, max_pixels: int, thumb_size: int) -> ImageFacts:
    facts = ImageFacts()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        facts.problems.append(ImageProblem("decompression_bomb", str(exc)))
        return facts
    except _DECODE_ERRORS as exc:
        facts.problems.append(ImageProblem("image_unreadable", f"cannot open image: {exc}"))
        return facts
    with img:
        facts.width, facts.height = img.size
        if img.width * img.height > max_pixels:
            facts.problems.append(
                ImageProblem(
                    "decompression_bomb",
                    f"declares {img.width}×{img.height} pixels, over the limit of {max_pixels}",
                )
            )
            return facts
        _read_exif(img, facts)
        facts.thumb = _thumbnail(img, facts, thumb_size)
    return facts


def _read_exif(img: Image.Image, facts: ImageFacts) -> None:
    try:
        exif = img.getexif()
        base = dict(exif)
        sub = dict(exif.get_ifd(EXIF_IFD))
        gps = dict(exif.get_ifd(GPS_IFD))
    except _DECODE_ERRORS + (KeyError, TypeError, struct.error) as exc:
        facts.problems.append(ImageProblem("exif_corrupt", f"EXIF block unreadable: {exc}"))
        return
    facts.orientation = _as_int(base.get(TAG_ORIENTATION))
    facts.make = _text(base.get(TAG_MAKE))
    facts.model = _text(base.get(TAG_MODEL))
    facts.serial = _text(sub.get(TAG_BODY_SERIAL))
    taken = _text(sub.get(TAG_DATETIME_ORIGINAL)) or _text(base.get(TAG_DATETIME))
    offset = _text(sub.get(TAG_OFFSET_TIME_ORIGINAL))
    facts.captured_at = f"{taken}{offset}" if taken and offset else taken
    facts.gps_lat, facts.gps_lon = _gps(gps, facts)
    facts.exif = _jsonable_tags(base, ExifTags.TAGS) | _jsonable_tags(sub, ExifTags.TAGS)
    if gps:
        facts.exif["GPS"] = _jsonable_tags(gps, ExifTags.GPSTAGS)


def _thumbnail(img: Image.Image, facts: ImageFacts, size: int) -> Image.Image | None:
    try:
        full_size = img.size
        if img.format == "JPEG":
            # DCT-domain downscale: libjpeg decodes at 1/2..1/8 scale, never 12 MP for 256 px.
            # ≥ 256 px is also what PDQ needs to stay within 10 bits of the full-resolution
            # hash (benchmarks/pdq_decode.py), so one decode serves both.
            img.draft("RGB", (size, size))
        img.load()
        facts.signals = _signals(img, full_size, facts)
        img.thumbnail((size, size), Image.Resampling.BOX)  # BOX: ~4 ms less than BILINEAR
        thumb = ImageOps.exif_transpose(img) if facts.orientation not in (None, 1) else img
        return thumb.convert("RGB")
    except _DECODE_ERRORS as exc:
        facts.problems.append(ImageProblem("image_corrupt", f"pixel data unreadable: {exc}"))
        return None


def _signals(img: Image.Image, full_size: tuple[int, int], facts: ImageFacts) -> list[SignalValue]:
    """The registered image signal types on this decode (before it is shrunk in place)."""
    run = hash_decoded_image(img, full_size)
    facts.problems.extend(ImageProblem(code, reason) for code, reason in run.failures)
    return run.values


def save_thumbnail(thumb: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    thumb.save(tmp, "JPEG", quality=80)
    tmp.replace(path)  # atomic: a crash never leaves half a thumbnail under the real name


def _gps(gps: dict[int, Any], facts: ImageFacts) -> tuple[float | None, float | None]:
    if not gps:
        return None, None
    try:
        lat = _dms(gps[2]) * (-1 if _text(gps.get(1)) == "S" else 1)
        lon = _dms(gps[4]) * (-1 if _text(gps.get(3)) == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError) as exc:
        facts.problems.append(ImageProblem("gps_invalid", f"GPS tags unreadable: {exc}"))
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        facts.problems.append(ImageProblem("gps_invalid", f"GPS out of range: {lat}, {lon}"))
        return None, None
    return round(lat, 7), round(lon, 7)


def _dms(value: Any) -> float:
    d, m, s = (float(v) for v in value)
    return d + m / 60 + s / 3600


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", "").strip()  # PostgreSQL text refuses NUL
    return text or None


def _jsonable_tags(tags: dict[int, Any], names: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tag, value in tags.items():
        if tag in (EXIF_IFD, GPS_IFD) or tag not in names:
            continue
        clean = _jsonable(value)
        if clean is not None:
            out[names[tag]] = clean
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool | int | float):
        return value if value == value else None  # drop NaN
    if isinstance(value, str | bytes):
        text = _text(value)
        return text if text is not None and len(text) <= 512 else None
    if isinstance(value, tuple | list):
        items = [_jsonable(v) for v in value[:16]]
        return items if all(v is not None for v in items) else None
    try:
        return float(value)  # IFDRational
    except (TypeError, ValueError, ZeroDivisionError):
        return None
