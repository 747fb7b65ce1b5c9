"""Sanitised object crops for public "trace an object" appeals.

The analyst gives a box (x, y, w, h in pixels of the image as displayed, i.e. after its EXIF
orientation is applied). The export is only that box: new pixels copied into a fresh image
(nothing of the original file's metadata, thumbnails, ICC profile or other pixels travels),
re-encoded as PNG or JPEG, and logged in the audit chain with the output's SHA-256.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps
from sqlalchemy.orm import Session

from lodestar.access import Actor, require
from lodestar.analyze.queries import find_media
from lodestar.audit import append_event
from lodestar.config import Settings
from lodestar.errors import DataError, UserError
from lodestar.evidence.content import MediaCopy, materialize

Box = tuple[int, int, int, int]
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def parse_box(text: str) -> Box:
    """``"x,y,w,h"`` in whole pixels."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise UserError(f"box {text!r} must be x,y,w,h in whole pixels (e.g. 120,40,200,150)")
    x, y, w, h = (int(p) for p in parts)
    if w <= 0 or h <= 0:
        raise UserError(f"box {text!r}: width and height must be positive")
    return x, y, w, h


def export_crop(
    session: Session,
    *,
    actor: Actor,
    media: str,
    box: Box,
    out: Path,
    settings: Settings,
    spool_dir: Path,
) -> dict[str, Any]:
    require(actor, "crop.export")
    out = Path(out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise UserError(f"{out.name}: the crop is written as .png or .jpg")
    if out.exists():
        raise UserError(f"{out} exists already; choose another file name")
    row = find_media(session, media)
    if row.kind != "image":
        raise UserError(f"media {row.sha256[:12]}… is a {row.kind}; crops are made from images")
    crop = _crop(_original(session, row.sha256, settings, spool_dir), box)
    data = _write(crop, out, fmt)
    digest = hashlib.sha256(data).hexdigest()
    detail = {"box": list(box), "file": out.name, "sha256": digest, "format": fmt}
    append_event(
        session,
        actor=actor.name,
        user_id=actor.user_id,
        action="crop.export",
        target=f"media:{row.sha256}",
        detail=detail,
    )
    return {
        "media": row.sha256,
        "out": str(out),
        "size": len(data),
        "width": crop.width,
        "height": crop.height,
        **detail,
    }


def _original(session: Session, sha: str, settings: Settings, spool_dir: Path) -> Image.Image:
    copies = materialize(session, [sha], settings=settings, spool_dir=spool_dir)
    try:
        first = next(copies)
        if not isinstance(first, MediaCopy):
            raise DataError(f"media {sha[:12]}…: {first.reason}", detail={"code": first.code})
        try:
            with Image.open(first.path) as img:
                if img.width * img.height > settings.max_image_pixels:  # checked before decoding
                    raise DataError(f"media {sha[:12]}…: {img.width}×{img.height} is too large")
                img.load()
                return ImageOps.exif_transpose(img)
        except (OSError, Image.DecompressionBombError) as exc:
            raise DataError(f"media {sha[:12]}…: cannot decode the image ({exc})") from exc
    finally:
        close = getattr(copies, "close", None)  # a generator: deletes a spooled copy at once
        if close is not None:
            close()


def _crop(img: Image.Image, box: Box) -> Image.Image:
    x, y, w, h = box
    if x + w > img.width or y + h > img.height:
        raise UserError(
            f"box {x},{y},{w},{h} falls outside the image ({img.width}×{img.height})",
            detail={"width": img.width, "height": img.height},
        )
    region = img.crop((x, y, x + w, y + h))
    mode = "L" if region.mode in ("1", "L", "LA", "I", "I;16", "F") else "RGB"
    # A fresh image built from the pixel array: no info, EXIF, XMP, ICC or text chunks.
    return Image.fromarray(np.asarray(region.convert(mode)))


def _write(crop: Image.Image, out: Path, fmt: str) -> bytes:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    try:
        options: dict[str, Any] = {"quality": 92} if fmt == "JPEG" else {}
        crop.save(tmp, fmt, **options)
        data = tmp.read_bytes()
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return data
