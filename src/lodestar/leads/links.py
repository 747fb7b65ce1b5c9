"""What a lead links to (its series and chosen clues) and its series' members, read plainly.

No access checks here: these are the building blocks that the access-checked reads
(:mod:`lodestar.leads.queries`), the review fingerprints (:mod:`lodestar.leads.staleness`) and
the package share, so they sit below all of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.store import Clue, SeriesMember
from lodestar.store.lead_models import LeadClue, LeadSeries


def series_of_leads(session: Session, *, lead_ids: Sequence[int]) -> dict[int, list[int]]:
    """Series ids of each lead (ascending); a lead without series is absent."""
    out: dict[int, list[int]] = {}
    rows = session.execute(
        select(LeadSeries.lead_id, LeadSeries.series_id)
        .where(LeadSeries.lead_id.in_(list(lead_ids)))
        .order_by(LeadSeries.lead_id, LeadSeries.series_id)
    )
    for lead_id, series_id in rows:
        out.setdefault(lead_id, []).append(series_id)
    return out


def lead_series_ids(session: Session, *, lead_id: int) -> list[int]:
    return series_of_leads(session, lead_ids=[lead_id]).get(lead_id, [])


def lead_clues(session: Session, *, lead_id: int) -> list[Clue]:
    return list(
        session.scalars(
            select(Clue)
            .join(LeadClue, LeadClue.clue_id == Clue.id)
            .where(LeadClue.lead_id == lead_id)
            .order_by(Clue.id)
        )
    )


def series_members(session: Session, *, series_ids: Sequence[int]) -> dict[int, list[str]]:
    """Media SHA-256s of each series (sorted); every asked-for series is a key, even if empty."""
    out: dict[int, list[str]] = {sid: [] for sid in series_ids}
    rows = session.execute(
        select(SeriesMember.series_id, SeriesMember.media_sha256)
        .where(SeriesMember.series_id.in_(list(series_ids)))
        .order_by(SeriesMember.series_id, SeriesMember.media_sha256)
    )
    for sid, sha in rows:
        out[sid].append(sha)
    return out
