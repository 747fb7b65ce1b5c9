"""What the lead pages show beyond the service's own dict: media, pickable clues, allowed actions.

The actions only decide which forms a page offers; every route and service checks again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.access import allowed
from lodestar.leads.links import series_members
from lodestar.leads.queries import RESPONDABLE
from lodestar.review.auth import Principal
from lodestar.store import Clue, Media

MAX_CLUES = 200  # the create form lists at most this many clues (best first)
_NOT_PICKABLE = ("keyframe", "contact_sheet")  # artefacts, not findings to send to a partner


def lead_media(session: Session, *, series_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The media of a lead's series (for the clear-preview choice of a package)."""
    members = series_members(session, series_ids=series_ids)
    out = []
    for sid, shas in members.items():
        rows = session.execute(select(Media.sha256, Media.kind).where(Media.sha256.in_(shas)))
        kinds: dict[str, str] = {sha: kind for sha, kind in rows}
        out += [{"sha256": sha, "series_id": sid, "kind": kinds.get(sha)} for sha in shas]
    return out


def series_clues(session: Session, *, series_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Clues about the members of these series, most confident first, for the analyst to pick."""
    shas = {sha for rows in series_members(session, series_ids=series_ids).values() for sha in rows}
    rows = session.scalars(
        select(Clue)
        .where(Clue.media_sha256.in_(shas), Clue.kind.not_in(_NOT_PICKABLE))
        .order_by(Clue.confidence.desc(), Clue.id)
        .limit(MAX_CLUES)
    )
    return [
        {
            "id": c.id,
            "kind": c.kind,
            "text": c.text,
            "confidence": c.confidence,
            "extractor": c.extractor,
            "media": c.media_sha256,
        }
        for c in rows
    ]


def page_actions(principal: Principal, lead: dict[str, Any] | None) -> dict[str, bool]:
    """Which forms to offer this user on a lead (or on the list when ``lead`` is None)."""
    status = lead["status"] if lead else ""
    author = bool(lead) and principal.username == lead["created_by"]  # type: ignore[index]
    stale = bool(lead) and bool(lead["needs_review"])  # type: ignore[index]
    return {
        "verify": allowed(principal, "lead.view"),
        "reply": allowed(principal, "lead.respond"),
        "review": allowed(principal, "lead.review") and not author and (status == "draft" or stale),
        "send": allowed(principal, "lead.send") and status == "reviewed",
        "respond": allowed(principal, "lead.respond") and status in RESPONDABLE,
        "acknowledge": allowed(principal, "lead.respond") and status == "sent",
        "package": allowed(principal, "lead.package") and status not in ("", "draft"),
    }
