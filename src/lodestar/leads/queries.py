"""Reading leads as an actor may: one lead, the list, and a lead's full view with its history.

A liaison sees only leads sent to their own agency (and only once sent); everyone else with
``lead.view`` sees every lead of the operation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.access import Actor, require
from lodestar.errors import NotFound
from lodestar.leads.events import lead_events
from lodestar.leads.links import lead_clues, series_of_leads
from lodestar.leads.staleness import staleness
from lodestar.store import Clue
from lodestar.store.lead_models import Lead

RESPONDABLE = ("sent", "acknowledged", "outcome")  # what a partner can see and answer


def get_lead(session: Session, *, actor: Actor, lead_id: int) -> Lead:
    """The lead, if this actor may see it (a liaison: only leads for their own agency)."""
    require(actor, "lead.view")
    lead = session.get(Lead, lead_id)
    if lead is None or not _visible(actor, lead):
        raise NotFound(f"no lead {lead_id}", detail={"lead_id": lead_id})
    return lead


def get_lead_by_uid(session: Session, *, actor: Actor, uid: str) -> Lead:
    require(actor, "lead.view")
    lead = session.scalar(select(Lead).where(Lead.uid == uid))
    if lead is None or not _visible(actor, lead):
        raise NotFound(f"no lead with uid {uid!r} in this workspace", detail={"lead_uid": uid})
    return lead


def _visible(actor: Actor, lead: Lead) -> bool:
    if not actor.is_liaison:
        return True
    return (
        actor.agency is not None
        and lead.agency_code == actor.agency
        and (lead.status in RESPONDABLE)
    )


def list_leads(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    country: str | None = None,
) -> list[dict[str, Any]]:
    require(actor, "lead.view")
    query = select(Lead).order_by(Lead.id)
    if status is not None:
        query = query.where(Lead.status == status)
    if country is not None:
        query = query.where(Lead.country == country.strip().upper())
    if actor.is_liaison:
        query = query.where(Lead.agency_code == (actor.agency or "\0none"))
        query = query.where(Lead.status.in_(RESPONDABLE))
    leads = list(session.scalars(query))
    series = series_of_leads(session, lead_ids=[lead.id for lead in leads])
    return [_summary_dict(lead, series.get(lead.id, [])) for lead in leads]


def show_lead(session: Session, *, actor: Actor, lead_id: int) -> dict[str, Any]:
    lead = get_lead(session, actor=actor, lead_id=lead_id)
    series_ids = series_of_leads(session, lead_ids=[lead.id]).get(lead.id, [])
    out = _summary_dict(lead, series_ids)
    out["urgency_reason"] = lead.urgency_reason
    out["summary"] = lead.summary
    out["country_reasoning"] = lead.country_reasoning
    out["clues"] = [clue_dict(c) for c in lead_clues(session, lead_id=lead.id)]
    stale = staleness(session, lead=lead)
    out["needs_review"] = bool(stale) and lead.status != "draft"
    out["changed_since_review"] = stale
    out["history"] = lead_events(session, lead_id=lead.id)
    return out


def _summary_dict(lead: Lead, series_ids: list[int]) -> dict[str, Any]:
    return {
        "id": lead.id,
        "uid": lead.uid,
        "title": lead.title,
        "status": lead.status,
        "country": lead.country,
        "agency": lead.agency_code,
        "urgency": lead.urgency,
        "outcome": lead.outcome,
        "series": series_ids,
        "created_by": lead.created_by,
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
    }


def clue_dict(clue: Clue) -> dict[str, Any]:
    """A clue with its provenance: which media, which extractor at which version, when."""
    return {
        "id": clue.id,
        "kind": clue.kind,
        "text": clue.text,
        "value": clue.value,
        "confidence": clue.confidence,
        "position": clue.position,
        "media": clue.media_sha256,
        "stage": clue.stage,
        "extractor": clue.extractor,
        "extractor_version": clue.extractor_version,
        "created_at": clue.created_at,
    }
