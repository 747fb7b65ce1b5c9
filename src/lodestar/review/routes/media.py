"""Media pages and bytes: blurred by default, clear only within an audited reveal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from lodestar.audit import append_event
from lodestar.review import media as wellness_media
from lodestar.review import operation
from lodestar.review.auth import Principal
from lodestar.review.deps import DB, now_of, permitted, workspace_of
from lodestar.review.errors import Forbidden
from lodestar.review.pages import render
from lodestar.review.policy import agency_scope
from lodestar.store import Media
from lodestar.store.people_models import User as UserRow

router = APIRouter()
Viewer = Annotated[Principal, Depends(permitted("media.view"))]
Sha = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="SHA-256 of the media")]
JPEG: dict[str, Any] = {"content": {"image/jpeg": {}}}


def _media(session: Session, principal: Principal, sha256: str) -> Media:
    return operation.get_visible_media(session, sha256=sha256, scope=agency_scope(principal))


def _view(session: Session, principal: Principal, sha256: str, via: str) -> dict[str, Any]:
    detail = operation.media_detail(session, sha256=sha256, scope=agency_scope(principal))
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="media.view",
        target=f"media:{sha256}",
        detail={"via": via},
    )
    return detail


def _figure(session: Session, principal: Principal, sha256: str, now: datetime) -> dict[str, Any]:
    active = wellness_media.active_reveal(
        session, user_id=principal.user_id, sha256=sha256, now=now
    )
    remaining = int((wellness_media.as_utc(active.ends_at) - now).total_seconds()) if active else 0
    return {"sha256": sha256, "revealed": active is not None, "remaining": max(1, remaining)}


@router.get("/media/{sha256}", include_in_schema=False)
def media_page(request: Request, session: DB, principal: Viewer, sha256: Sha) -> Response:
    detail = _view(session, principal, sha256, via="page")
    figure = _figure(session, principal, sha256, now_of(request))
    return render(request, "media.html", principal=principal, media=detail, figure=figure)


@router.get("/api/media/{sha256}", summary="Facts, occurrences, known-set matches, near-dups")
def media_api(session: DB, principal: Viewer, sha256: Sha) -> dict[str, Any]:
    detail = _view(session, principal, sha256, via="api")
    detail["thumb_url"] = f"/api/media/{sha256}/thumb" if detail["has_thumb"] else None
    return detail


@router.get(
    "/api/media/{sha256}/thumb",
    summary="Blurred thumbnail (per preferences)",
    response_class=Response,
    responses={200: JPEG},
)
def thumb_blurred(request: Request, session: DB, principal: Viewer, sha256: Sha) -> Response:
    media = _media(session, principal, sha256)
    path = wellness_media.thumb_path(workspace_of(request).derived, media)
    pref = wellness_media.get_preference(session, user_id=principal.user_id)
    data = wellness_media.blurred_jpeg(path, radius=pref["blur"], colour=pref["colour"])
    return Response(data, media_type="image/jpeg")


@router.get(
    "/api/media/{sha256}/clear",
    summary="Clear thumbnail, only within your reveal",
    response_class=Response,
    responses={200: JPEG},
)
def thumb_clear(request: Request, session: DB, principal: Viewer, sha256: Sha) -> Response:
    media = _media(session, principal, sha256)
    now = now_of(request)
    if (
        wellness_media.active_reveal(session, user_id=principal.user_id, sha256=sha256, now=now)
        is None
    ):
        raise Forbidden("reveal this media first", detail={"media": sha256})
    path = wellness_media.thumb_path(workspace_of(request).derived, media)
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="media.view",
        target=f"media:{sha256}",
        detail={"via": "clear"},
    )
    return Response(path.read_bytes(), media_type="image/jpeg")


def _reveal(request: Request, session: Session, principal: Principal, sha256: str) -> None:
    media = _media(session, principal, sha256)
    user = session.get_one(UserRow, principal.user_id)
    wellness_media.reveal(session, user=user, media=media, now=now_of(request))


def _hide(request: Request, session: Session, principal: Principal, sha256: str) -> None:
    _media(session, principal, sha256)
    wellness_media.hide(session, user_id=principal.user_id, sha256=sha256, now=now_of(request))


@router.post("/api/media/{sha256}/reveal", summary="Reveal one media to yourself (audited)")
def reveal_api(request: Request, session: DB, principal: Viewer, sha256: Sha) -> dict[str, Any]:
    _reveal(request, session, principal, sha256)
    figure = _figure(session, principal, sha256, now_of(request))
    return {"clear_url": f"/api/media/{sha256}/clear", "seconds": figure["remaining"]}


@router.post("/api/media/{sha256}/hide", summary="Blur it again now (exposure stops counting)")
def hide_api(request: Request, session: DB, principal: Viewer, sha256: Sha) -> dict[str, Any]:
    _hide(request, session, principal, sha256)
    return {"ok": True}


def _figure_response(
    request: Request, session: Session, principal: Principal, sha256: str
) -> Response:
    """htmx swaps the figure in place; without JavaScript the form posts and comes back."""
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(f"/media/{sha256}", status_code=303)
    figure = _figure(session, principal, sha256, now_of(request))
    return render(request, "_figure.html", principal=principal, figure=figure)


@router.post("/media/{sha256}/reveal", include_in_schema=False)
def reveal_form(request: Request, session: DB, principal: Viewer, sha256: Sha) -> Response:
    _reveal(request, session, principal, sha256)
    return _figure_response(request, session, principal, sha256)


@router.post("/media/{sha256}/hide", include_in_schema=False)
def hide_form(request: Request, session: DB, principal: Viewer, sha256: Sha) -> Response:
    _hide(request, session, principal, sha256)
    return _figure_response(request, session, principal, sha256)
