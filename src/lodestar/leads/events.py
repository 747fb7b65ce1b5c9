"""A lead's own history: every change is a ``LeadEvent`` and an event in the audit chain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.access import Actor
from lodestar.audit import append_event
from lodestar.store.lead_models import Lead, LeadEvent


def lead_event(session: Session, lead: Lead, actor: Actor, action: str, **detail: Any) -> None:
    """Record ``action`` on ``lead`` twice: in its history and (hash-chained) in the audit log."""
    now = datetime.now(UTC)
    lead.updated_at = now
    session.add(
        LeadEvent(
            lead_id=lead.id,
            at=now,
            actor=actor.name,
            user_id=actor.user_id,
            action=action,
            status=lead.status,
            detail=detail,
        )
    )
    append_event(
        session,
        actor=actor.name,
        user_id=actor.user_id,
        action=f"lead.{action}",
        target=f"lead:{lead.id}",
        detail={"uid": lead.uid, "status": lead.status, **detail},
    )
    session.flush()


def lead_events(session: Session, *, lead_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
    )
    return [
        {
            "id": e.id,
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "status": e.status,
            "detail": e.detail,
        }
        for e in rows
    ]
