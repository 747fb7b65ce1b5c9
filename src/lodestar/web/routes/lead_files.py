"""Lead files through the workbench: package download, package verification, reply import.

A package is built by ``lodestar.leads.package.build_package`` into the workspace's
``packages/`` folder (the copy that was handed out stays with the operation) and streamed back.
A clear preview needs a written justification, which the lead's history and the audit log keep.
Uploads (a package to verify, a partner's reply) are spooled to a private temporary file.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from lodestar.audit import append_event
from lodestar.errors import LodestarError, UserError
from lodestar.leads.package import build_package
from lodestar.leads.reply import import_reply
from lodestar.leads.verify import verify_package
from lodestar.review.auth import Principal
from lodestar.web.deps import DB, id_param, permitted, text_param, workspace_of
from lodestar.web.pages import render
from lodestar.web.routes._twin import download_twin, twin

router = APIRouter()
Viewer = Annotated[Principal, Depends(permitted("lead.view"))]
Packager = Annotated[Principal, Depends(permitted("lead.package"))]
Responder = Annotated[Principal, Depends(permitted("lead.respond"))]
LeadId = Annotated[int, id_param(Path, "Lead id")]  # ≤ 2^31-1: a 422, not a driver's 500
MAX_UPLOAD = 2 << 30  # bytes: a package of a large series, not an evidence image
ZIP: dict[str, Any] = {"content": {"application/zip": {}}}


# A clear preview is one revealed media with a justification; a lead rarely needs more than a
# few, and every entry is checked against every media of the lead, so the map is bounded too.
MAX_CLEAR = 100
ClearRef = Annotated[str, text_param(64)]  # a SHA-256 or a prefix of one
Justification = Annotated[str, text_param(4000)]


class PackageIn(BaseModel):
    clear: dict[ClearRef, Justification] = Field(
        default_factory=dict,
        max_length=MAX_CLEAR,
        description="media SHA-256 (or prefix ≥ 8) → written justification",
    )


def _package_fields(
    clear: Annotated[str, text_param(64, Form)] = "",
    justification: Annotated[str, text_param(4000, Form)] = "",
) -> PackageIn:
    """The form shows one media clear at the most."""
    if justification.strip() and not clear:
        raise UserError("a justification goes with a media to show clear; pick one")
    return PackageIn(clear={clear: justification} if clear else {})


@download_twin(
    router,
    "/api/leads/{lead_id}/package",
    summary="Build, record and download the signed package of a reviewed lead",
    fields=_package_fields,
    download=ZIP,
)
def package(
    request: Request, session: DB, principal: Packager, lead_id: LeadId, body: PackageIn
) -> Response:
    ws = workspace_of(request)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ws.root / "packages" / f"lead-{lead_id}-{stamp}-{secrets.token_hex(3)}.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = build_package(
        session,
        actor=principal.as_actor(),
        lead_id=lead_id,
        out=out,
        root=ws.root,
        derived=ws.derived,
        clear=body.clear,
    )
    return FileResponse(
        out,
        media_type="application/zip",
        filename=out.name,
        headers={"X-Package-SHA256": result["sha256"], "X-Package-Id": str(result["package_id"])},
    )


# -- uploads -----------------------------------------------------------------------------------


def _safe_name(name: str | None, default: str) -> str:
    base = FsPath(name or "").name
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)[:100] or default


@contextmanager
def _spooled(request: Request, upload: UploadFile, default: str) -> Iterator[FsPath]:
    """The upload as a file of its own (its original name kept) in a private temporary folder."""
    spool = workspace_of(request).spool
    spool.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=spool, prefix="upload-") as folder:
        path = FsPath(folder) / _safe_name(upload.filename, default)
        with path.open("wb") as fh:
            shutil.copyfileobj(upload.file, fh, length=1 << 20)
        if path.stat().st_size > MAX_UPLOAD:
            raise UserError(f"{path.name} is larger than {MAX_UPLOAD >> 20} MiB")
        try:
            yield path
        except LodestarError as exc:
            _hide_spool(exc, path)
            raise


def _hide_spool(exc: LodestarError, path: FsPath) -> None:
    """Errors name the uploaded file, not where the server spooled it."""
    exc.message = exc.message.replace(str(path), path.name)
    exc.detail = {
        k: v.replace(str(path), path.name) if isinstance(v, str) else v
        for k, v in exc.detail.items()
    }


def _verify(
    request: Request,
    session: Session,
    principal: Principal,
    package: UploadFile,
    public_key: UploadFile | None,
    via: str,
) -> dict[str, Any]:
    key = public_key.file.read(1 << 16) if public_key is not None and public_key.filename else None
    with _spooled(request, package, "package.zip") as path:
        report = verify_package(path, key or None).as_dict()
        report["package"] = path.name
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="lead.verify",
        target=f"lead:{report['lead_uid']}" if report["lead_uid"] else "",
        detail={"via": via, "file": report["package"], "ok": report["ok"], "key": report["key_id"]},
    )
    return report


Upload = Annotated[UploadFile, File(description="a lead package (ZIP)")]
KeyUpload = Annotated[UploadFile | None, File(description="the sender's public key (PEM)")]


@router.get("/leads/verify", include_in_schema=False)
def verify_page(request: Request, principal: Viewer) -> Response:
    return render(request, "lead_verify.html", principal=principal, report=None)


@router.post("/leads/verify", include_in_schema=False)
def verify_form(
    request: Request,
    session: DB,
    principal: Viewer,
    package: Upload,
    public_key: KeyUpload = None,
) -> Response:
    report = _verify(request, session, principal, package, public_key, "page")
    return render(request, "lead_verify.html", principal=principal, report=report)


@router.post("/api/leads/verify", summary="Verify a lead package: signature and every file")
def verify_api(
    request: Request,
    session: DB,
    principal: Viewer,
    package: Upload,
    public_key: KeyUpload = None,
) -> dict[str, Any]:
    return _verify(request, session, principal, package, public_key, "api")


ReplyUpload = Annotated[UploadFile, File(description="the partner's filled reply-template.json")]


@twin(
    router,
    "/api/leads/reply",
    summary="Import a partner's reply (acknowledgement, outcomes)",
    then=lambda result: RedirectResponse(f"/leads/{result['id']}", status_code=303),
)
def reply(request: Request, session: DB, principal: Responder, reply: ReplyUpload) -> Any:
    with _spooled(request, reply, "reply.json") as path:
        return import_reply(session, actor=principal.as_actor(), path=path)
