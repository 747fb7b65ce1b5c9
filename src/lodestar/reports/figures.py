"""The operation's figures, computed live: files, bytes, video hours, series, leads, outcomes.

"Worked" series are those an analyst touched (named, merged, split, moved, locked, marked
identified) or put in a lead; builds alone do not count. Victims and offenders are the counts
partners reported in lead outcomes (an outcome may name several).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.access import Actor, require
from lodestar.store import Item, Media, Series, SeriesEvent
from lodestar.store.lead_models import LEAD_STATUSES, Lead, LeadEvent, LeadSeries

ANALYST_ACTIONS = (
    "named",
    "merged",
    "split",
    "moved_in",
    "moved_out",
    "locked",
    "unlocked",
    "identified",
)
GB = 1000**3


def operation_figures(session: Session, *, actor: Actor) -> dict[str, Any]:
    require(actor, "report.view")
    return {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": _files(session),
        "series": _series(session),
        "leads": _leads(session),
        "outcomes": _outcomes(session),
    }


def _files(session: Session) -> dict[str, Any]:
    items, item_bytes = session.execute(
        select(func.count(Item.id), func.coalesce(func.sum(Item.size), 0))
    ).one()
    kinds = dict(session.execute(select(Media.kind, func.count()).group_by(Media.kind)).all())
    unique, unique_bytes, video_s = session.execute(
        select(
            func.count(Media.sha256),
            func.coalesce(func.sum(Media.size), 0),
            func.coalesce(func.sum(Media.duration_s), 0.0),
        )
    ).one()
    return {
        "analysed": int(items),
        "unique_media": int(unique),
        "by_kind": {str(k): int(n) for k, n in sorted(kinds.items())},
        "total_bytes": int(item_bytes),
        "total_gb": round(int(item_bytes) / GB, 3),
        "unique_gb": round(int(unique_bytes) / GB, 3),
        "video_hours": round(float(video_s or 0.0) / 3600, 3),
    }


def _series(session: Session) -> dict[str, int]:
    active = list(session.scalars(select(Series).where(Series.status == "active")))
    ids = {s.id for s in active}
    touched = set(
        session.scalars(
            select(SeriesEvent.series_id).where(SeriesEvent.action.in_(ANALYST_ACTIONS)).distinct()
        )
    )
    in_leads = set(session.scalars(select(LeadSeries.series_id).distinct()))
    return {
        "found": len(active),
        "worked": len(ids & (touched | in_leads)),
        "identified": sum(1 for s in active if s.victim_identified or s.offender_identified),
        "victim_identified": sum(1 for s in active if s.victim_identified),
        "offender_identified": sum(1 for s in active if s.offender_identified),
        "in_leads": len(ids & in_leads),
    }


def _leads(session: Session) -> dict[str, Any]:
    rows = session.execute(
        select(Lead.country, Lead.status, func.count()).group_by(Lead.country, Lead.status)
    )
    by_country: dict[str, dict[str, int]] = defaultdict(dict)
    by_status: Counter[str] = Counter()
    for country, status, n in rows:
        by_country[country][status] = int(n)
        by_status[status] += int(n)
    return {
        "total": sum(by_status.values()),
        "by_status": {s: by_status.get(s, 0) for s in LEAD_STATUSES},
        "by_country": {c: dict(sorted(v.items())) for c, v in sorted(by_country.items())},
    }


def _outcomes(session: Session) -> dict[str, int]:
    counts: Counter[str] = Counter()
    leads: Counter[str] = Counter()
    for detail in session.scalars(select(LeadEvent.detail).where(LeadEvent.action == "outcome")):
        outcome = str(detail.get("outcome"))
        counts[outcome] += int(detail.get("count", 1))
        leads[outcome] += 1
    return {
        "victims_identified": counts["victim_identified"],
        "offenders_identified": counts["offender_identified"],
        "offenders_arrested": counts["offender_arrested"],
        "leads_no_result": leads["no_result"],
        "leads_transferred": leads["transferred"],
    }
