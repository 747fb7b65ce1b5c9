"""The audit browser, export and chain verification (auditors and coordinators)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from lodestar.audit import append_event
from lodestar.review import audit
from lodestar.review.auth import Principal
from lodestar.web.deps import DB, QueryId, permitted, text_param, workspace_of
from lodestar.web.pages import render
from lodestar.workspace import Workspace

router = APIRouter()
Auditor = Annotated[Principal, Depends(permitted("audit.view"))]
Filter = Annotated[str | None, text_param(64, Query)]
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


def _audited_read(session: DB, principal: Principal, event: str, **detail: Any) -> None:
    """Reading the log is itself recorded, like every other search: who looked for what.

    Appended after the read, so a listing never shows its own event."""
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action=event,
        detail={k: v for k, v in detail.items() if v is not None},
    )


@router.get("/audit", include_in_schema=False)
def audit_page(
    request: Request,
    session: DB,
    principal: Auditor,
    action: Filter = None,
    actor: Filter = None,
    before: QueryId | None = None,
    verify: bool = False,
) -> Response:
    events = audit.list_events(
        session, action=action or None, actor=actor or None, before_id=before, limit=100
    )
    report = audit.verify_chain(session).as_dict() if verify else None
    _audited_read(
        session,
        principal,
        "audit.view",
        via="page",
        action=action or None,
        actor=actor or None,
        before_id=before,
        results=len(events),
    )
    if report is not None:
        _audited_read(session, principal, "audit.verify", via="page", ok=report["ok"])
    return render(
        request,
        "audit.html",
        principal=principal,
        events=events,
        action=action or "",
        actor=actor or "",
        report=report,
    )


@router.get("/api/audit", summary="Audit events, newest first (page with before_id)")
def audit_api(
    session: DB,
    principal: Auditor,
    action: Filter = None,
    actor: Filter = None,
    since: Filter = None,
    before_id: QueryId | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    events = audit.list_events(
        session, action=action, actor=actor, since=since, before_id=before_id, limit=limit
    )
    _audited_read(
        session,
        principal,
        "audit.view",
        via="api",
        action=action,
        actor=actor,
        since=since,
        before_id=before_id,
        results=len(events),
    )
    return events


@router.get("/api/audit/verify", summary="Verify the hash chain; the first bad event and why")
def verify_api(session: DB, principal: Auditor) -> dict[str, Any]:
    report = audit.verify_chain(session).as_dict()
    _audited_read(session, principal, "audit.verify", via="api", ok=report["ok"])
    return report


@router.get(
    "/api/audit/export",
    summary="The whole log with hashes (JSON lines or CSV)",
    response_class=StreamingResponse,
)
def export_api(
    request: Request,
    session: DB,
    principal: Auditor,
    format: Literal["jsonl", "csv"] = "jsonl",
) -> Response:
    # The export is itself audited (committed with this request, before streaming starts).
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="audit.export",
        detail={"format": format, "via": "web"},
    )
    headers = {"Content-Disposition": f'attachment; filename="audit.{format}"'}
    return StreamingResponse(
        _stream(workspace_of(request), format), media_type=MEDIA_TYPES[format], headers=headers
    )


def _stream(ws: Workspace, fmt: str) -> Iterator[str]:
    with ws.store.session() as session:
        yield from audit.export_lines(session, fmt=fmt)
