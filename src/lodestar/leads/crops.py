"""Sanitised object crops for public "trace an object" appeals.

The analyst gives a box (x, y, w, h in pixels of the image as displayed, i.e. after its EXIF
orientation is applied). The export is only that box: new pixels copied into a fresh image
(nothing of the original file's metadata, thumbnails, ICC profile or other pixels travels),
re-encoded as PNG or JPEG, and logged in the audit chain with the output's SHA-256.

A crop is clear pixels, so it is held to the wellness rules of a clear view: the user must
have that media revealed (an active reveal) when cropping, the crop counts as exposure (a
reveal is recorded, like a view), and a box may cover at most ``max_share`` of the image
(an operation setting, 25 % by default): an object, not the whole picture.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
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
from lodestar.review.media import active_reveal, reveal
from lodestar.store import Media
from lodestar.store.people_models import OperationSetting, User

Box = tuple[int, int, int, int]
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
SETTING = "crops"  # OperationSetting key
DEFAULT_MAX_SHARE = 0.25  # of the image's area
MAX_SHARE_BOUNDS = (0.01, 1.0)


def crop_limits(session: Session) -> dict[str, float]:
    row = session.get(OperationSetting, SETTING)
    share = (row.value if row else {}).get("max_share", DEFAULT_MAX_SHARE)
    return {"max_share": float(share)}


def set_crop_limits(session: Session, *, actor: Actor, max_share: float) -> dict[str, float]:
    """The coordinator's cap on a crop's share of the image (audited, like wellness limits)."""
    require(actor, "wellness.limits")
    low, high = MAX_SHARE_BOUNDS
    if isinstance(max_share, bool) or not low <= max_share <= high:
        raise UserError(f"max_share must be from {low} to {high} (a share of the image's area)")
    row = session.get(OperationSetting, SETTING)
    value = {"max_share": float(max_share)}
    if row is None:
        session.add(OperationSetting(key=SETTING, value=value))
    else:
        row.value = value
    append_event(
        session, actor=actor.name, user_id=actor.user_id, action="crop.limits", detail=value
    )
    return value


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
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write the box of one image to ``out``: only for a user who has it revealed now."""
    require(actor, "crop.export")
    now = now or datetime.now(UTC)
    out = Path(out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise UserError(f"{out.name}: the crop is written as .png or .jpg")
    if out.exists():
        raise UserError(f"{out} exists already; choose another file name")
    row = find_media(session, media)
    if row.kind != "image":
        raise UserError(f"media {row.sha256[:12]}… is a {row.kind}; crops are made from images")
    user = _revealed_by(session, actor, row.sha256, now)
    img = _original(session, row.sha256, settings, spool_dir)
    _check_share(box, img, crop_limits(session)["max_share"])
    crop = _crop(img, box)
    data = _write(crop, out, fmt)
    # The crop is a clear view of part of the media: its exposure counts as a view's does.
    reveal(session, user=user, media=session.get_one(Media, row.sha256), now=now, via="crop")
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


def _revealed_by(session: Session, actor: Actor, sha: str, now: datetime) -> User:
    """The acting user, who must have this media revealed now (reveals are per account)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise UserError(
            "a crop is cut by a user who has the media revealed: reveal it in the workbench, "
            "then crop as that user (--as USER)",
            detail={"media": sha},
        )
    if active_reveal(session, user_id=user.id, sha256=sha, now=now) is None:
        raise UserError(
            f"reveal media {sha[:12]}… first: a crop is a clear view of it",
            detail={"media": sha},
        )
    return user


def _check_share(box: Box, img: Image.Image, max_share: float) -> None:
    _, _, w, h = box
    share = (w * h) / max(img.width * img.height, 1)
    if share > max_share:
        raise UserError(
            f"the box covers {share:.0%} of the image; a crop may cover at most "
            f"{max_share:.0%} (an object, not the picture)",
            detail={"share": round(share, 4), "max_share": max_share},
        )


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
