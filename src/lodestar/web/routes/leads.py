"""Leads in the workbench: list, page, create (from a series), review, send, acknowledge, outcome.

Thin shells over ``lodestar.leads.service`` (which checks roles again, scopes liaisons to the
leads sent to their agency and writes the lead's history and the audit chain). Views are
audited here. Forms post and come back with a redirect; the JSON twins live under /api/leads.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.audit import append_event
from lodestar.leads import service
from lodestar.leads.jurisdiction import suggest_countries
from lodestar.leads.lifecycle import MAX_COUNT
from lodestar.review.auth import Principal
from lodestar.store.lead_models import LEAD_STATUSES
from lodestar.store.people_models import Agency
from lodestar.web.deps import DB, BodyId, id_param, permitted, text_param
from lodestar.web.lead_view import lead_media, page_actions, series_clues
from lodestar.web.pages import render
from lodestar.web.routes._twin import twin

router = APIRouter()
Viewer = Annotated[Principal, Depends(permitted("lead.view"))]
Editor = Annotated[Principal, Depends(permitted("lead.edit"))]
Reviewer = Annotated[Principal, Depends(permitted("lead.review"))]
Sender = Annotated[Principal, Depends(permitted("lead.send"))]
Responder = Annotated[Principal, Depends(permitted("lead.respond"))]
# Ids and text through web.deps (issue 16 #9): a 2^64 id or a NUL is a 422 here, not a 500
# from the driver. The lengths are the ones the forms always had.
LeadId = Annotated[int, id_param(Path, "Lead id")]
Filter = Annotated[str | None, text_param(16, Query)]
Text = Annotated[str, text_param(4000, Form)]
Count = Annotated[int, Field(ge=1, le=MAX_COUNT)]  # the lifecycle's own bound, said at the edge


class LeadIn(BaseModel):
    series_ids: list[BodyId] = Field(min_length=1, max_length=100)
    country: str = text_param(2)
    agency: str | None = text_param(64, default=None)
    urgency: str = text_param(16, default="routine")  # the service names the allowed ones
    urgency_reason: str = text_param(4000, default="")
    summary: str = text_param(20000, default="")
    clue_ids: list[BodyId] = Field(default_factory=list, max_length=1000)
    title: str | None = text_param(200, default=None)
    country_note: str = text_param(4000, default="")


class NoteIn(BaseModel):
    note: str = text_param(4000, default="")


class AckIn(BaseModel):
    reference: str = text_param(200, default="")
    note: str = text_param(4000, default="")


class OutcomeIn(BaseModel):
    outcome: str = text_param(32)
    note: str = text_param(4000, default="")
    # 1 … MAX_COUNT, the lifecycle service's bound (it checks again for the CLI and replies):
    # one number for the API and the form, and a 2^64 is refused before it reaches the store.
    count: Count = 1
    to_country: str | None = text_param(2, default=None)
    correction: str = text_param(
        4000, default="", description="why a recorded outcome of this kind is replaced"
    )


def _audit(session: Session, principal: Principal, action: str, target: str, **detail: Any) -> None:
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action=action,
        target=target,
        detail=detail,
    )


def _to_lead(lead_id: int) -> Response:
    return RedirectResponse(f"/leads/{lead_id}", status_code=303)


# The lifecycle forms come back to the lead page.
twin_to_lead = partial(twin, router, then=_to_lead)


# -- list and page -----------------------------------------------------------------------------


def _list(
    session: Session, principal: Principal, status: str | None, country: str | None, via: str
) -> list[dict[str, Any]]:
    rows = service.list_leads(
        session, actor=principal.as_actor(), status=status or None, country=country or None
    )
    _audit(
        session, principal, "lead.list", "", via=via, status=status, country=country, n=len(rows)
    )
    return rows


@router.get("/leads", include_in_schema=False)
def leads_page(
    request: Request, session: DB, principal: Viewer, status: Filter = None, country: Filter = None
) -> Response:
    rows = _list(session, principal, status, country, "page")
    return render(
        request,
        "leads.html",
        principal=principal,
        rows=rows,
        statuses=LEAD_STATUSES,
        status_filter=status or "",
        country=country or "",
        actions=page_actions(principal, None),
    )


@router.get("/api/leads", summary="Leads (filters: status, country); liaisons: their agency's")
def leads_api(
    session: DB, principal: Viewer, status: Filter = None, country: Filter = None
) -> list[dict[str, Any]]:
    return _list(session, principal, status, country, "api")


def _show(session: Session, principal: Principal, lead_id: int, via: str) -> dict[str, Any]:
    lead = service.show_lead(session, actor=principal.as_actor(), lead_id=lead_id)
    _audit(session, principal, "lead.view", f"lead:{lead_id}", via=via)
    return lead


@router.get("/api/leads/{lead_id}", summary="A lead: series, clues, country reasoning, history")
def lead_api(session: DB, principal: Viewer, lead_id: LeadId) -> dict[str, Any]:
    return _show(session, principal, lead_id, "api")


# -- create ------------------------------------------------------------------------------------


@router.get("/leads/new", include_in_schema=False)
def new_lead_page(
    request: Request,
    session: DB,
    principal: Editor,
    series: Annotated[list[BodyId], Query(min_length=1, max_length=100)],
) -> Response:
    suggestion = suggest_countries(session, series_ids=series)
    agencies = session.execute(
        select(Agency.code, Agency.name, Agency.country).order_by(Agency.country, Agency.code)
    ).all()
    _audit(session, principal, "lead.new_form", "", series=series)
    return render(
        request,
        "lead_new.html",
        principal=principal,
        series=series,
        suggestion=suggestion,
        agencies=agencies,
        clues=series_clues(session, series_ids=series),
        urgencies=service.URGENCIES,
    )


@router.get("/leads/{lead_id}", include_in_schema=False)
def lead_page(request: Request, session: DB, principal: Viewer, lead_id: LeadId) -> Response:
    lead = _show(session, principal, lead_id, "page")
    return render(
        request,
        "lead.html",
        principal=principal,
        lead=lead,
        media=lead_media(session, series_ids=lead["series"]),
        actions=page_actions(principal, lead),
        outcomes=service.OUTCOMES,
    )


def _lead_fields(
    # list items take the Field form of the id rule (BodyId), in a query or form list alike
    series_ids: Annotated[list[BodyId], Form(min_length=1, max_length=100)],
    country: Annotated[str, text_param(2, Form)] = "",
    country_other: Annotated[str, text_param(2, Form)] = "",
    agency: Annotated[str, text_param(64, Form)] = "",
    urgency: Annotated[str, text_param(16, Form)] = "routine",
    urgency_reason: Text = "",
    summary: Annotated[str, text_param(20000, Form)] = "",
    clue_ids: Annotated[list[BodyId] | None, Form(max_length=1000)] = None,
    title: Annotated[str, text_param(200, Form)] = "",
    country_note: Text = "",
) -> LeadIn:
    return LeadIn(
        series_ids=series_ids,
        country=country_other.strip() or country,  # a typed country overrides the suggestion
        agency=agency or None,
        urgency=urgency,
        urgency_reason=urgency_reason,
        summary=summary,
        clue_ids=clue_ids or [],
        title=title or None,
        country_note=country_note,
    )


@twin(
    router,
    "/api/leads",
    summary="Draft a lead for one or more series",
    status_code=201,
    fields=_lead_fields,
    then=lambda result: _to_lead(int(result["id"])),
)
def create(session: DB, principal: Editor, body: LeadIn) -> dict[str, Any]:
    return service.create_lead(
        session, actor=principal.as_actor(), **body.model_dump(exclude_none=True)
    )


# -- lifecycle ---------------------------------------------------------------------------------


def _note_fields(note: Text = "") -> NoteIn:
    return NoteIn(note=note)


@twin_to_lead(
    "/api/leads/{lead_id}/review",
    summary="Review a lead (not its author)",
    fields=_note_fields,
)
def review(session: DB, principal: Reviewer, lead_id: LeadId, body: NoteIn) -> dict[str, Any]:
    return service.review_lead(session, actor=principal.as_actor(), lead_id=lead_id, note=body.note)


@twin_to_lead(
    "/api/leads/{lead_id}/send",
    summary="Send a reviewed lead to its target agency",
    fields=_note_fields,
)
def send(session: DB, principal: Sender, lead_id: LeadId, body: NoteIn) -> dict[str, Any]:
    return service.send_lead(session, actor=principal.as_actor(), lead_id=lead_id, note=body.note)


def _ack_fields(reference: Annotated[str, text_param(200, Form)] = "", note: Text = "") -> AckIn:
    return AckIn(reference=reference, note=note)


@twin_to_lead(
    "/api/leads/{lead_id}/acknowledge",
    summary="The partner received the lead",
    fields=_ack_fields,
)
def acknowledge(session: DB, principal: Responder, lead_id: LeadId, body: AckIn) -> dict[str, Any]:
    return service.acknowledge_lead(
        session,
        actor=principal.as_actor(),
        lead_id=lead_id,
        reference=body.reference,
        note=body.note,
    )


def _outcome_fields(
    outcome: Annotated[str, text_param(32, Form)],
    note: Text = "",
    count: Annotated[int, Form(ge=1, le=MAX_COUNT)] = 1,  # the same bound as the API's
    to_country: Annotated[str, text_param(2, Form)] = "",
    correction: Text = "",
) -> OutcomeIn:
    return OutcomeIn(
        outcome=outcome,
        note=note,
        count=count,
        to_country=to_country or None,
        correction=correction,
    )


@twin_to_lead(
    "/api/leads/{lead_id}/outcome",
    summary="Record an outcome of a sent lead",
    fields=_outcome_fields,
)
def outcome(session: DB, principal: Responder, lead_id: LeadId, body: OutcomeIn) -> dict[str, Any]:
    result: dict[str, Any] = service.record_outcome(
        session,
        actor=principal.as_actor(),
        lead_id=lead_id,
        outcome=body.outcome,
        note=body.note,
        count=body.count,
        to_country=body.to_country or None,
        correction=body.correction,
    )
    return result
