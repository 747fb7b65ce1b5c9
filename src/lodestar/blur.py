"""Server-side blur of a thumbnail: what the workbench serves and what lead packages preview.

Neutral (no stage, no web code) because both the review shell and the lead packages render
the same protective preview; the wellness limits that choose the radius stay in ``review``.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageFilter

from lodestar.derived import resolve_inside
from lodestar.errors import DataError, NotFound
from lodestar.store import Media

_MAX_THUMB_PIXELS = 4096 * 4096  # thumbnails are 256 px; anything huge is not ours


def thumb_file(derived: Path, media: Media) -> Path:
    """The thumbnail file (``Media.thumb`` is relative to derived/); never outside derived/."""
    if not media.thumb:
        raise NotFound("this media has no thumbnail", detail={"media": media.sha256})
    path = resolve_inside(derived, media.thumb)
    if path is None or not path.is_file():
        raise NotFound("the thumbnail of this media is missing", detail={"media": media.sha256})
    return path


def blurred_jpeg(path: Path, *, radius: int, colour: bool) -> bytes:
    try:
        with Image.open(path) as img:
            if img.width * img.height > _MAX_THUMB_PIXELS:
                raise DataError(f"thumbnail {path.name} is unexpectedly large")
            out = img.convert("RGB" if colour else "L")
    except (OSError, Image.DecompressionBombError) as exc:
        raise DataError(f"cannot read thumbnail {path.name}: {exc}") from exc
    # Downscale first: a strong blur of a small image hides the same and costs far less.
    small = out.reduce(2) if min(out.size) >= 64 else out
    blurred = small.filter(ImageFilter.GaussianBlur(max(1, radius // 2)))
    buf = io.BytesIO()
    blurred.resize(out.size).save(buf, "JPEG", quality=70)
    return buf.getvalue()
