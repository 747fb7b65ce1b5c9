"""Whether a review still holds: fingerprints of what a reviewer vouched for, and what moved.

A review stores :func:`current_state` (a digest of the lead's content and one of each series'
members). Sending or packaging compares it with the state now, so a series that gained or lost
media after the review, or an edited lead, needs a new review first.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from lodestar.errors import UserError
from lodestar.leads.links import lead_clues, lead_series_ids, series_members
from lodestar.store.lead_models import Lead


class NeedsReview(UserError):
    code = "needs_review"


def _digest(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def current_state(session: Session, *, lead: Lead) -> dict[str, Any]:
    """Fingerprints of what a review vouches for: the lead's content and each series' members."""
    series_ids = lead_series_ids(session, lead_id=lead.id)
    content = {
        "title": lead.title,
        "country": lead.country,
        "agency": lead.agency_code,
        "urgency": lead.urgency,
        "urgency_reason": lead.urgency_reason,
        "summary": lead.summary,
        "series": series_ids,
        "clues": sorted(c.id for c in lead_clues(session, lead_id=lead.id)),
    }
    members = series_members(session, series_ids=series_ids)
    return {
        "lead": _digest(content),
        "series": {
            str(sid): {"sha256": _digest(shas), "size": len(shas)} for sid, shas in members.items()
        },
    }


def staleness(session: Session, *, lead: Lead) -> list[str]:
    """What changed since the review (empty when the review still holds or there was none)."""
    reviewed = lead.reviewed_state
    if reviewed is None:
        return []
    now = current_state(session, lead=lead)
    changes = []
    if now["lead"] != reviewed["lead"]:
        changes.append("the lead's content (country, agency, summary, clues or series)")
    for sid, state in now["series"].items():
        before = reviewed["series"].get(sid)
        if before is not None and before["sha256"] != state["sha256"]:
            changes.append(f"series {sid} members ({before['size']} → {state['size']})")
    return changes


def require_current_review(session: Session, *, lead: Lead, doing: str) -> None:
    """Refuse (NeedsReview) unless a review exists and nothing it vouched for has moved."""
    if lead.reviewed_state is None:
        raise NeedsReview(
            f"lead {lead.id} has not been reviewed; a second person must review it before {doing}",
            detail={"lead_id": lead.id, "status": lead.status},
        )
    changed = staleness(session, lead=lead)
    if changed:
        raise NeedsReview(
            f"lead {lead.id} changed since its review ({'; '.join(changed)}); "
            f"review it again before {doing}",
            detail={"lead_id": lead.id, "changed": changed},
        )
