"""The series queue and series pages; claiming, assigning, notes, tags and priority.

Every view and every edit is audited (``series.*``); the series' own activity feed records the
collaboration for the team. Forms post to the page routes and come back with a redirect; the
JSON twins live under /api/series.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from lodestar.access import agency_scope, allowed
from lodestar.audit import append_event
from lodestar.review import collab, series_read
from lodestar.review.auth import Principal
from lodestar.store.collab_models import PRIORITIES
from lodestar.web.deps import DB, Name, id_param, now_of, permitted, text_param
from lodestar.web.pages import render
from lodestar.web.routes._twin import twin

router = APIRouter()
Viewer = Annotated[Principal, Depends(permitted("series.view"))]
Worker = Annotated[Principal, Depends(permitted("series.work"))]
Assigner = Annotated[Principal, Depends(permitted("series.assign"))]
SeriesId = Annotated[int, id_param(Path, "Series id")]
NoteId = Annotated[int, id_param(Path, "Note id")]
Filter = Annotated[str | None, text_param(64, Query)]
Page = Annotated[int, Query(ge=1, le=100_000, description="Page of the queue, from 1")]
TagField = Annotated[str, text_param(64, Form)]
NoteField = Annotated[str, text_param(collab.MAX_NOTE, Form)]


class AssignIn(BaseModel):
    username: Name
    force: bool = False


class NoteIn(BaseModel):
    body: str = text_param(collab.MAX_NOTE)


class TagIn(BaseModel):
    tag: Name


class PriorityIn(BaseModel):
    # Bounded only as a number; the service names the valid values (400 for 7).
    priority: int = Field(ge=-1000, le=1000)


def _audit(
    session: Session, principal: Principal, action: str, series_id: int | None, **detail: Any
) -> None:
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action=action,
        target=f"series:{series_id}" if series_id is not None else "",
        detail=detail,
    )


def _scoped(session: Session, principal: Principal, series_id: int) -> None:
    """NotFound unless the caller may see this series (liaisons: their agency's members)."""
    series_read.visible_series(session, series_id=series_id, scope=agency_scope(principal))


def _back(series_id: int) -> Response:
    return RedirectResponse(f"/series/{series_id}", status_code=303)


# Every form here comes back to the series page.
twin_back = partial(twin, router, then=_back)


# -- queue and page ----------------------------------------------------------------------------


def _queue(
    session: Session,
    principal: Principal,
    *,
    view: str,
    priority: int | None,
    country: str | None,
    tag: str | None,
    page: int,
    via: str,
) -> dict[str, Any]:
    rows = series_read.queue(
        session,
        user_id=principal.user_id,
        scope=agency_scope(principal),
        view=view,
        priority=priority,
        country=country or None,
        tag=tag or None,
    )
    filters = {"view": view, "priority": priority, "country": country, "tag": tag}
    shown = series_read.page_of(rows, page)
    _audit(
        session,
        principal,
        "series.queue",
        None,
        via=via,
        results=len(rows),
        page=shown["page"],
        **filters,
    )
    return shown


@router.get("/series", include_in_schema=False)
def queue_page(
    request: Request,
    session: DB,
    principal: Viewer,
    view: Filter = "all",
    priority: Annotated[int | None, Query(ge=0, le=3)] = None,
    country: Filter = None,
    tag: Filter = None,
    page: Page = 1,
) -> Response:
    shown = _queue(
        session,
        principal,
        view=view or "all",
        priority=priority,
        country=country,
        tag=tag,
        page=page,
        via="page",
    )
    filters = {"view": view or "all", "priority": priority, "country": country, "tag": tag}
    return render(
        request,
        "series_queue.html",
        principal=principal,
        rows=shown["rows"],
        pager=shown,
        pager_query=urlencode({k: v for k, v in filters.items() if v not in (None, "")}),
        views=series_read.VIEWS,
        view=view or "all",
        priority=priority,
        priorities=PRIORITIES,
        country=country or "",
        tag=tag or "",
    )


@router.get(
    "/api/series",
    summary="The series queue (filters: view, priority, country, tag), a page at a time",
    description=f"{series_read.PAGE_SIZE} series per page (`page`, from 1); the headers "
    "X-Total-Count, X-Page and X-Pages tell how many there are.",
)
def queue_api(
    response: Response,
    session: DB,
    principal: Viewer,
    view: Filter = "all",
    priority: Annotated[int | None, Query(ge=0, le=3)] = None,
    country: Filter = None,
    tag: Filter = None,
    page: Page = 1,
) -> list[dict[str, Any]]:
    shown = _queue(
        session,
        principal,
        view=view or "all",
        priority=priority,
        country=country,
        tag=tag,
        page=page,
        via="api",
    )
    response.headers["X-Total-Count"] = str(shown["total"])
    response.headers["X-Page"] = str(shown["page"])
    response.headers["X-Pages"] = str(shown["pages"])
    rows: list[dict[str, Any]] = shown["rows"]
    return rows


def _page(request: Request, session: Session, principal: Principal, series_id: int) -> Any:
    now = now_of(request)
    data = series_read.series_page(
        session,
        series_id=series_id,
        scope=agency_scope(principal),
        user_id=principal.user_id,
        now=now,
    )
    # Who else is on it is read before this visit is recorded (so I am not "someone else").
    collab.record_view(session, series_id=series_id, user_id=principal.user_id, now=now)
    return data


@router.get("/series/{series_id}", include_in_schema=False)
def series_page(request: Request, session: DB, principal: Viewer, series_id: SeriesId) -> Response:
    data = _page(request, session, principal, series_id)
    _audit(session, principal, "series.view", series_id, via="page")
    return render(
        request,
        "series.html",
        principal=principal,
        s=data,
        priorities=PRIORITIES,
        can_work=allowed(principal, "series.work"),
        can_assign=allowed(principal, "series.assign"),
    )


@router.get("/api/series/{series_id}", summary="A series: members, links, clues, notes, tags …")
def series_api(
    request: Request, session: DB, principal: Viewer, series_id: SeriesId
) -> dict[str, Any]:
    data: dict[str, Any] = _page(request, session, principal, series_id)
    _audit(session, principal, "series.view", series_id, via="api")
    return data


@router.get("/api/series/{series_id}/activity", summary="The series' activity feed, newest first")
def activity_api(session: DB, principal: Viewer, series_id: SeriesId) -> list[dict[str, Any]]:
    _scoped(session, principal, series_id)
    feed = collab.activity(session, series_id=series_id)
    scope = agency_scope(principal)
    if scope is not None:  # a liaison: their agency's people's entries only (series_read)
        feed = series_read.scoped_activity(feed, series_read.agency_people(session, scope=scope))
    _audit(session, principal, "series.view", series_id, via="activity")
    return feed


# -- assignment --------------------------------------------------------------------------------


@twin_back(
    "/api/series/{series_id}/claim",
    summary="Take a series yourself (409 if taken)",
    reply=lambda result: {"assigned_to": result},
)
def claim(request: Request, session: DB, principal: Worker, series_id: SeriesId) -> Any:
    _scoped(session, principal, series_id)
    held = collab.assign(
        session,
        series_id=series_id,
        username=principal.username,
        actor=principal.username,
        now=now_of(request),
    )
    _audit(session, principal, "series.claim", series_id)
    return held


@twin_back(
    "/api/series/{series_id}/release",
    summary="Give a series back",
    reply=lambda: {"assigned_to": None},
)
def release(request: Request, session: DB, principal: Worker, series_id: SeriesId) -> None:
    _scoped(session, principal, series_id)
    collab.release(
        session,
        series_id=series_id,
        actor=principal.username,
        user_id=principal.user_id,
        now=now_of(request),
        anyone=allowed(principal, "series.assign"),
    )
    _audit(session, principal, "series.release", series_id)


def _assign_fields(
    username: Annotated[str, text_param(64, Form)], force: Annotated[bool, Form()] = False
) -> AssignIn:
    return AssignIn(username=username, force=force)


@twin_back(
    "/api/series/{series_id}/assign",
    summary="Assign a series (coordinator)",
    fields=_assign_fields,
    reply=lambda result: {"assigned_to": result},
)
def assign(
    request: Request, session: DB, principal: Assigner, series_id: SeriesId, body: AssignIn
) -> Any:
    _scoped(session, principal, series_id)
    held = collab.assign(
        session,
        series_id=series_id,
        username=body.username,
        actor=principal.username,
        now=now_of(request),
        force=body.force,
    )
    _audit(session, principal, "series.assign", series_id, to=body.username, force=body.force)
    return held


# -- notes -------------------------------------------------------------------------------------


def _note_fields(body: NoteField) -> NoteIn:
    return NoteIn(body=body)


@twin_back("/api/series/{series_id}/notes", summary="Add a note", fields=_note_fields)
def add_note(
    request: Request, session: DB, principal: Worker, series_id: SeriesId, body: NoteIn
) -> dict[str, Any]:
    _scoped(session, principal, series_id)
    note = collab.add_note(
        session,
        series_id=series_id,
        user_id=principal.user_id,
        actor=principal.username,
        body=body.body,
        now=now_of(request),
    )
    _audit(session, principal, "series.note.add", series_id, note=note["id"])
    return note


@twin_back(
    "/api/series/{series_id}/notes/{note_id}",
    method="PUT",
    summary="Edit your note (kept as a revision)",
    fields=_note_fields,
)
def edit_note(
    request: Request,
    session: DB,
    principal: Worker,
    series_id: SeriesId,
    note_id: NoteId,
    body: NoteIn,
) -> dict[str, Any]:
    _scoped(session, principal, series_id)
    note = collab.edit_note(
        session,
        series_id=series_id,
        note_id=note_id,
        user_id=principal.user_id,
        actor=principal.username,
        body=body.body,
        now=now_of(request),
        anyone=allowed(principal, "series.assign"),
    )
    _audit(session, principal, "series.note.edit", series_id, note=note_id)
    return note


@twin_back(
    "/api/series/{series_id}/notes/{note_id}",
    method="DELETE",
    form="/series/{series_id}/notes/{note_id}/delete",
    summary="Delete your note (history kept)",
    reply=lambda: {"ok": True},
)
def delete_note(
    request: Request, session: DB, principal: Worker, series_id: SeriesId, note_id: NoteId
) -> None:
    _scoped(session, principal, series_id)
    collab.delete_note(
        session,
        series_id=series_id,
        note_id=note_id,
        user_id=principal.user_id,
        actor=principal.username,
        now=now_of(request),
        anyone=allowed(principal, "series.assign"),
    )
    _audit(session, principal, "series.note.delete", series_id, note=note_id)


@router.get("/api/series/{series_id}/notes/{note_id}/history", summary="Every revision of a note")
def note_history_api(
    session: DB, principal: Viewer, series_id: SeriesId, note_id: NoteId
) -> list[dict[str, Any]]:
    _scoped(session, principal, series_id)
    history = series_read.scoped_history(
        session, series_id=series_id, note_id=note_id, scope=agency_scope(principal)
    )
    _audit(session, principal, "series.view", series_id, via="note_history", note=note_id)
    return history


# -- tags and priority -------------------------------------------------------------------------


def _tag(
    request: Request, session: Session, principal: Principal, series_id: int, tag: str, add: bool
) -> list[str]:
    _scoped(session, principal, series_id)
    change = collab.add_tag if add else collab.remove_tag
    tags = change(
        session, series_id=series_id, tag=tag, actor=principal.username, now=now_of(request)
    )
    _audit(session, principal, "series.tag.add" if add else "series.tag.remove", series_id, tag=tag)
    return tags


def _tag_fields(tag: TagField) -> TagIn:
    return TagIn(tag=tag)


def _priority_fields(priority: Annotated[int, Form(ge=-1000, le=1000)]) -> PriorityIn:
    return PriorityIn(priority=priority)


@twin_back(
    "/api/series/{series_id}/tags",
    summary="Tag a series",
    fields=_tag_fields,
    reply=lambda result: {"tags": result},
)
def add_tag(
    request: Request, session: DB, principal: Worker, series_id: SeriesId, body: TagIn
) -> list[str]:
    return _tag(request, session, principal, series_id, body.tag, add=True)


# Removing has no JSON body to share: the tag is in the API's path and in the form's fields.
@router.delete("/api/series/{series_id}/tags/{tag}", summary="Remove a tag")
def remove_tag_api(
    request: Request,
    session: DB,
    principal: Worker,
    series_id: SeriesId,
    tag: Annotated[str, text_param(64, Path)],
) -> dict[str, Any]:
    return {"tags": _tag(request, session, principal, series_id, tag, add=False)}


@router.post("/series/{series_id}/tags/remove", include_in_schema=False)
def remove_tag_form(
    request: Request,
    session: DB,
    principal: Worker,
    series_id: SeriesId,
    tag: TagField,
) -> Response:
    _tag(request, session, principal, series_id, tag, add=False)
    return _back(series_id)


@twin_back(
    "/api/series/{series_id}/priority",
    summary="Set the triage priority (0–3)",
    fields=_priority_fields,
    reply=lambda result: {"priority": result, "label": PRIORITIES[result]},
)
def priority(
    request: Request, session: DB, principal: Worker, series_id: SeriesId, body: PriorityIn
) -> int:
    _scoped(session, principal, series_id)
    value = collab.set_priority(
        session,
        series_id=series_id,
        priority=body.priority,
        actor=principal.username,
        now=now_of(request),
    )
    _audit(session, principal, "series.priority", series_id, priority=body.priority)
    return value
