"""Media pages and bytes: blurred by default, clear only within an audited reveal.

Videos are never played: the page shows the contact sheet and keyframes (blurred like any
thumbnail, clear within a reveal of that video), so nothing autoplays and nothing has sound.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from lodestar.access import agency_scope, allowed
from lodestar.audit import append_event
from lodestar.blur import blurred_jpeg, thumb_file
from lodestar.errors import Forbidden
from lodestar.match.stage import MATCH_INPUTS
from lodestar.review import clues_view, operation, series_read
from lodestar.review import media as wellness_media
from lodestar.review.auth import Principal
from lodestar.series.stage import SERIES_INPUTS
from lodestar.stages import mark_pending, store_inputs
from lodestar.store import Media
from lodestar.store.people_models import User as UserRow
from lodestar.web.deps import DB, id_param, now_of, permitted, workspace_of
from lodestar.web.pages import render
from lodestar.web.routes._twin import twin

router = APIRouter()
Viewer = Annotated[Principal, Depends(permitted("media.view"))]
Sha = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="SHA-256 of the media")]
FrameId = Annotated[int, id_param(Path, "Opaque id of a keyframe or contact sheet")]
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


def _more(session: Session, sha256: str) -> dict[str, Any]:
    """Clues, video frames (opaque ids) and the series of one media."""
    return {
        "clues": clues_view.grouped(clues_view.clues_for(session, shas=[sha256])),
        "frames": clues_view.frames_of(session, sha256=sha256),
        "series_id": series_read.series_of_media(session, sha256=sha256),
    }


@router.get("/media/{sha256}", include_in_schema=False)
def media_page(request: Request, session: DB, principal: Viewer, sha256: Sha) -> Response:
    detail = _view(session, principal, sha256, via="page") | _more(session, sha256)
    figure = _figure(session, principal, sha256, now_of(request))
    return render(
        request,
        "media.html",
        principal=principal,
        media=detail,
        figure=figure,
        can_crop=allowed(principal, "crop.export"),
    )


@router.get("/api/media/{sha256}", summary="Facts, occurrences, known-set matches, near-dups")
def media_api(session: DB, principal: Viewer, sha256: Sha) -> dict[str, Any]:
    detail = _view(session, principal, sha256, via="api") | _more(session, sha256)
    detail["thumb_url"] = f"/api/media/{sha256}/thumb" if detail["has_thumb"] else None
    return detail


STALE_HEADER = "X-Lodestar-Stale-Stages"


def _similar(session: Session, principal: Principal, sha256: str, via: str) -> list[Any]:
    rows = operation.similar_media(session, sha256=sha256, scope=agency_scope(principal))
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="search",
        target=f"media:{sha256}",
        detail={"kind": "similar", "via": via, "hits": len(rows)},
    )
    return rows


def stale_stages(session: Session) -> list[str]:
    """The operation-wide stages "find similar" rests on that are behind the evidence (new
    media or hash sets since their last run): the answer is then incomplete, and says so.
    A few counts, cheap enough for every request."""
    inputs = store_inputs(session)
    rests_on = (("match", MATCH_INPUTS), ("series", SERIES_INPUTS))
    return [
        name
        for name, keys in rests_on
        if not mark_pending(session, name, inputs, keys=keys).current
    ]


@router.get("/media/{sha256}/similar", include_in_schema=False)
def similar_page(request: Request, session: DB, principal: Viewer, sha256: Sha) -> Response:
    rows = _similar(session, principal, sha256, "page")
    return render(
        request,
        "similar.html",
        principal=principal,
        sha256=sha256,
        rows=rows,
        stale=stale_stages(session),
    )


@router.get("/api/media/{sha256}/similar", summary="Find similar: linked and near-duplicate media")
def similar_api(
    session: DB, principal: Viewer, sha256: Sha, response: Response
) -> list[dict[str, Any]]:
    rows = _similar(session, principal, sha256, "api")
    stale = stale_stages(session)
    if stale:  # the list's shape stays; a header says the answer is incomplete
        response.headers[STALE_HEADER] = ", ".join(stale)
    return rows


def _frame(
    request: Request, session: Session, principal: Principal, frame_id: int
) -> tuple[str, FsPath]:
    """A keyframe's video and its file, if the video is in the caller's scope."""
    return clues_view.frame_path(
        session,
        frame_id=frame_id,
        derived=workspace_of(request).derived,
        scope=agency_scope(principal),
    )


@router.get(
    "/api/frames/{frame_id}/thumb",
    summary="A keyframe or contact sheet, blurred (per preferences)",
    response_class=Response,
    responses={200: JPEG},
)
def frame_blurred(request: Request, session: DB, principal: Viewer, frame_id: FrameId) -> Response:
    _, path = _frame(request, session, principal, frame_id)
    pref = wellness_media.get_preference(session, user_id=principal.user_id)
    data = blurred_jpeg(path, radius=pref["blur"], colour=pref["colour"])
    return Response(data, media_type="image/jpeg")


@router.get(
    "/api/frames/{frame_id}/clear",
    summary="A keyframe or contact sheet, clear within your reveal of its video",
    response_class=Response,
    responses={200: JPEG},
)
def frame_clear(request: Request, session: DB, principal: Viewer, frame_id: FrameId) -> Response:
    sha256, path = _frame(request, session, principal, frame_id)
    now = now_of(request)
    if (
        wellness_media.active_reveal(session, user_id=principal.user_id, sha256=sha256, now=now)
        is None
    ):
        raise Forbidden("reveal this video first", detail={"media": sha256})
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="media.view",
        target=f"media:{sha256}",
        detail={"via": "clear", "frame": frame_id},
    )
    return Response(path.read_bytes(), media_type="image/jpeg")


@router.get(
    "/api/media/{sha256}/thumb",
    summary="Blurred thumbnail (per preferences)",
    response_class=Response,
    responses={200: JPEG},
)
def thumb_blurred(request: Request, session: DB, principal: Viewer, sha256: Sha) -> Response:
    media = _media(session, principal, sha256)
    path = thumb_file(workspace_of(request).derived, media)
    pref = wellness_media.get_preference(session, user_id=principal.user_id)
    data = blurred_jpeg(path, radius=pref["blur"], colour=pref["colour"])
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
    path = thumb_file(workspace_of(request).derived, media)
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="media.view",
        target=f"media:{sha256}",
        detail={"via": "clear"},
    )
    return Response(path.read_bytes(), media_type="image/jpeg")


def _back_to(request: Request, sha256: str) -> str:
    """Without JavaScript, go back to the series grid the form came from, else the media page."""
    target = request.query_params.get("back", "")
    if target.startswith("/series/") and target[8:].isdigit():
        return target
    return f"/media/{sha256}"


def _figure_response(
    request: Request, session: Session, principal: Principal, sha256: str
) -> Response:
    """htmx swaps the figure in place; without JavaScript the form posts and comes back."""
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(_back_to(request, sha256), status_code=303)
    figure = _figure(session, principal, sha256, now_of(request))
    return render(request, "_figure.html", principal=principal, figure=figure)


# A reveal or hide form answers with the figure (htmx) or goes back where it came from.
twin_figure = partial(twin, router, then=_figure_response)


def _revealed(
    request: Request, session: Session, principal: Principal, sha256: str
) -> dict[str, Any]:
    figure = _figure(session, principal, sha256, now_of(request))
    return {"clear_url": f"/api/media/{sha256}/clear", "seconds": figure["remaining"]}


@twin_figure(
    "/api/media/{sha256}/reveal",
    summary="Reveal one media to yourself (audited)",
    reply=_revealed,
)
def reveal(request: Request, session: DB, principal: Viewer, sha256: Sha) -> None:
    media = _media(session, principal, sha256)
    user = session.get_one(UserRow, principal.user_id)
    wellness_media.reveal(session, user=user, media=media, now=now_of(request))


@twin_figure(
    "/api/media/{sha256}/hide",
    summary="Blur it again now (exposure stops counting)",
    reply=lambda: {"ok": True},
)
def hide(request: Request, session: DB, principal: Viewer, sha256: Sha) -> None:
    _media(session, principal, sha256)
    wellness_media.hide(
        session,
        user_id=principal.user_id,
        actor=principal.username,
        sha256=sha256,
        now=now_of(request),
    )
