"""Sanitised object crops for public "trace an object" appeals, from the media page.

The analyst gives a box (drawn on the blurred preview by /static/crop.js, or typed in the
form without JavaScript); ``lodestar.leads.crops.export_crop`` cuts only that box from the
original into a fresh image without metadata and logs the export (``crop.export``) with the
output's SHA-256. The crop is streamed back and not kept on the server. The user must have
the media revealed (the crop counts as exposure) and the box is capped to a share of the image.
"""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from lodestar.access import agency_scope
from lodestar.leads.crops import export_crop
from lodestar.review import operation
from lodestar.review.auth import Principal
from lodestar.web.deps import DB, now_of, permitted, workspace_of
from lodestar.web.routes._twin import download_twin

router = APIRouter()
Cropper = Annotated[Principal, Depends(permitted("crop.export"))]
Sha = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="SHA-256 of the media")]
Coord = Annotated[int, Form(ge=0, le=1_000_000)]
Size = Annotated[int, Form(ge=1, le=1_000_000)]
Format = Literal["png", "jpg"]
IMAGES: dict[str, Any] = {"content": {"image/png": {}, "image/jpeg": {}}}


class CropIn(BaseModel):
    x: int = Field(ge=0, le=1_000_000)
    y: int = Field(ge=0, le=1_000_000)
    w: int = Field(ge=1, le=1_000_000)
    h: int = Field(ge=1, le=1_000_000)
    format: Format = "png"


def _crop_fields(
    x: Coord, y: Coord, w: Size, h: Size, format: Annotated[Format, Form()] = "png"
) -> CropIn:
    return CropIn(x=x, y=y, w=w, h=h, format=format)


@download_twin(
    router,
    "/api/media/{sha256}/crop",
    summary="Export a sanitised crop of one object (only the box, no metadata; logged)",
    fields=_crop_fields,
    download=IMAGES,
)
def crop(request: Request, session: DB, principal: Cropper, sha256: Sha, body: CropIn) -> Response:
    operation.get_visible_media(session, sha256=sha256, scope=agency_scope(principal))
    ws = workspace_of(request)
    ws.spool.mkdir(parents=True, exist_ok=True)
    name = f"object-{sha256[:12]}-{body.x}-{body.y}-{body.w}x{body.h}.{body.format}"
    with tempfile.TemporaryDirectory(dir=ws.spool, prefix="crop-") as folder:
        out = FsPath(folder) / name
        result = export_crop(
            session,
            actor=principal.as_actor(),
            media=sha256,
            box=(body.x, body.y, body.w, body.h),
            out=out,
            settings=ws.settings,
            spool_dir=ws.spool,
            now=now_of(request),  # the clock the user's reveal was recorded with
        )
        data = out.read_bytes()
    return Response(
        data,
        media_type="image/png" if body.format == "png" else "image/jpeg",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Crop-SHA256": result["sha256"],
        },
    )
