"""Sanitised object crops for public "trace an object" appeals, from the media page.

The analyst gives a box (drawn on the blurred preview by /static/crop.js, or typed in the
form without JavaScript); ``lodestar.leads.crops.export_crop`` cuts only that box from the
original into a fresh image without metadata and logs the export (``crop.export``) with the
output's SHA-256. The crop is streamed back and not kept on the server.
"""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from lodestar.access import agency_scope
from lodestar.leads.crops import export_crop
from lodestar.review import operation
from lodestar.review.auth import Principal
from lodestar.web.deps import DB, permitted, workspace_of

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


def _crop(
    request: Request, session: Session, principal: Principal, sha: str, box: CropIn
) -> Response:
    operation.get_visible_media(session, sha256=sha, scope=agency_scope(principal))
    ws = workspace_of(request)
    ws.spool.mkdir(parents=True, exist_ok=True)
    name = f"object-{sha[:12]}-{box.x}-{box.y}-{box.w}x{box.h}.{box.format}"
    with tempfile.TemporaryDirectory(dir=ws.spool, prefix="crop-") as folder:
        out = FsPath(folder) / name
        result = export_crop(
            session,
            actor=principal.as_actor(),
            media=sha,
            box=(box.x, box.y, box.w, box.h),
            out=out,
            settings=ws.settings,
            spool_dir=ws.spool,
        )
        data = out.read_bytes()
    return Response(
        data,
        media_type="image/png" if box.format == "png" else "image/jpeg",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Crop-SHA256": result["sha256"],
        },
    )


@router.post(
    "/api/media/{sha256}/crop",
    summary="Export a sanitised crop of one object (only the box, no metadata; logged)",
    response_class=Response,
    responses={200: IMAGES},
)
def crop_api(
    request: Request, session: DB, principal: Cropper, sha256: Sha, body: CropIn
) -> Response:
    return _crop(request, session, principal, sha256, body)


@router.post("/media/{sha256}/crop", include_in_schema=False)
def crop_form(
    request: Request,
    session: DB,
    principal: Cropper,
    sha256: Sha,
    x: Coord,
    y: Coord,
    w: Size,
    h: Size,
    format: Annotated[Format, Form()] = "png",
) -> Response:
    return _crop(request, session, principal, sha256, CropIn(x=x, y=y, w=w, h=h, format=format))
