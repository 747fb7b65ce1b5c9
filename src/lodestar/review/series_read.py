"""Read-side of series for the workbench: the queue and the series page, agency-scoped.

A liaison sees a series when at least one member comes from a source of their agency, and then
only those members (and the clues and links among them); everyone else sees the whole series.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.errors import NotFound, UserError
from lodestar.match.matching import matches_for
from lodestar.review import clues_view, collab
from lodestar.series.service import show_series, why
from lodestar.store import Clue, Item, Media, Series, SeriesMember, Source
from lodestar.store.collab_models import (
    PRIORITIES,
    SeriesAssignment,
    SeriesPriority,
    SeriesTag,
    SeriesView,
)
from lodestar.store.people_models import User

VIEWS = ("all", "unassigned", "mine", "unseen")


def visible_shas(session: Session, *, scope: str | None) -> set[str] | None:
    """Media of this agency's sources (None: no restriction)."""
    if scope is None:
        return None
    rows = session.scalars(
        select(Item.media_sha256)
        .join(Source, Source.id == Item.source_id)
        .where(Source.agency == scope, Item.media_sha256.is_not(None))
    )
    return {r for r in rows if r}


def _members_by_series(session: Session, visible: set[str] | None) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(SeriesMember.series_id, SeriesMember.media_sha256).order_by(
            SeriesMember.media_sha256
        )
    )
    for sid, sha in rows:
        if visible is None or sha in visible:
            out[sid].append(sha)
    return out


def _countries_by_series(session: Session, members: dict[int, list[str]]) -> dict[int, list[str]]:
    """Countries named by place clues of each series' members, most media first."""
    series_of = {sha: sid for sid, shas in members.items() for sha in shas}
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    rows = session.execute(select(Clue.media_sha256, Clue.value).where(Clue.kind == "place"))
    for sha, value in rows:
        sid = series_of.get(sha)
        code = (value or {}).get("country_code")
        if sid is not None and code:
            votes[sid][str(code).upper()] += 1
    return {sid: [c for c, _ in v.most_common()] for sid, v in votes.items()}


def queue(
    session: Session,
    *,
    user_id: int,
    scope: str | None,
    view: str = "all",
    priority: int | None = None,
    country: str | None = None,
    tag: str | None = None,
) -> list[dict[str, Any]]:
    """Active series the caller may see, filtered; highest priority first, then unseen first."""
    if view not in VIEWS:
        raise UserError(f"view must be one of {', '.join(VIEWS)}", detail={"view": view})
    members = _members_by_series(session, visible_shas(session, scope=scope))
    series = session.scalars(
        select(Series).where(Series.status == "active", Series.id.in_(list(members)))
    ).all()
    assigned = dict(
        session.execute(
            select(SeriesAssignment.series_id, User.username)
            .join(User, User.id == SeriesAssignment.user_id)
            .where(SeriesAssignment.ended_at.is_(None))
        ).all()
    )
    my_name = session.get_one(User, user_id).username
    priorities = dict(
        session.execute(select(SeriesPriority.series_id, SeriesPriority.priority)).all()
    )
    seen: dict[int, set[int]] = defaultdict(set)
    for sid, uid in session.execute(select(SeriesView.series_id, SeriesView.user_id)):
        seen[sid].add(uid)
    tags: dict[int, list[str]] = defaultdict(list)
    for sid, t in session.execute(
        select(SeriesTag.series_id, SeriesTag.tag).order_by(SeriesTag.tag)
    ):
        tags[sid].append(t)
    countries = _countries_by_series(session, members)
    rows = []
    for s in series:
        row = {
            "id": s.id,
            "name": s.name,
            "size": len(members[s.id]),
            "locked": s.locked,
            "icse_series": s.icse_series,
            "victim_identified": s.victim_identified,
            "priority": priorities.get(s.id, 1),
            "priority_label": PRIORITIES[priorities.get(s.id, 1)],
            "assigned_to": assigned.get(s.id),
            "seen_by": len(seen[s.id]),
            "seen_by_me": user_id in seen[s.id],
            "tags": tags[s.id],
            "countries": countries.get(s.id, []),
            "updated_at": s.updated_at,
        }
        if _keep(row, view=view, me=my_name, priority=priority, country=country, tag=tag):
            rows.append(row)
    rows.sort(key=_queue_order)
    return rows


def _queue_order(row: dict[str, Any]) -> tuple[int, bool, int, int]:
    """Most urgent first; among equals, series nobody has opened, then the larger."""
    return (-int(row["priority"]), int(row["seen_by"]) > 0, -int(row["size"]), int(row["id"]))


def _keep(
    row: dict[str, Any],
    *,
    view: str,
    me: str,
    priority: int | None,
    country: str | None,
    tag: str | None,
) -> bool:
    if view == "unassigned" and row["assigned_to"] is not None:
        return False
    if view == "mine" and row["assigned_to"] != me:
        return False
    if view == "unseen" and row["seen_by"]:
        return False
    if priority is not None and row["priority"] != priority:
        return False
    if country and country.upper() not in row["countries"]:
        return False
    return not (tag and tag.strip().lower() not in row["tags"])


def queue_counts(session: Session, *, user_id: int, scope: str | None) -> dict[str, int]:
    rows = queue(session, user_id=user_id, scope=scope)
    me = session.get_one(User, user_id).username
    return {
        "series": len(rows),
        "unassigned": sum(r["assigned_to"] is None for r in rows),
        "mine": sum(r["assigned_to"] == me for r in rows),
        "unseen": sum(r["seen_by"] == 0 for r in rows),
        "high_priority": sum(r["priority"] >= 2 for r in rows),
    }


# -- one series --------------------------------------------------------------------------------


def visible_series(session: Session, *, series_id: int, scope: str | None) -> list[str]:
    """The members the caller may see; NotFound when none (never "forbidden")."""
    visible = visible_shas(session, scope=scope)
    shas = list(
        session.scalars(
            select(SeriesMember.media_sha256)
            .where(SeriesMember.series_id == series_id)
            .order_by(SeriesMember.media_sha256)
        )
    )
    if session.get(Series, series_id) is None or (
        visible is not None and not any(s in visible for s in shas)
    ):
        raise NotFound(f"no series {series_id}", detail={"series_id": series_id})
    return shas if visible is None else [s for s in shas if s in visible]


def _known_matches(session: Session, shas: Collection[str]) -> list[dict[str, Any]]:
    """Matches of members to imported sets, one row per (set, known series, category)."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for sha in shas:
        for m in matches_for(session, sha):
            if "set" not in m:
                continue
            key = (m["set"], m["series"], m["category"])
            entry = groups.setdefault(
                key,
                {
                    "set": m["set"],
                    "series": m["series"],
                    "category": m["category"],
                    "known_ignorable": m["known_ignorable"],
                    "victim_identified": False,
                    "offender_identified": False,
                    "media": 0,
                },
            )
            entry["media"] += 1
            entry["victim_identified"] |= bool(m["victim_identified"])
            entry["offender_identified"] |= bool(m["offender_identified"])
    return sorted(groups.values(), key=lambda e: -e["media"])


def series_page(
    session: Session, *, series_id: int, scope: str | None, user_id: int, now: datetime
) -> dict[str, Any]:
    shas = visible_series(session, series_id=series_id, scope=scope)
    keep = set(shas)
    out = show_series(session, series_id=series_id)
    out["members"] = shas
    out["size"] = len(shas)
    out["media"] = [m for m in out["media"] if m["sha256"] in keep]
    scoped = _scoped_paths(session, shas, scope) if scope is not None else None
    for m in out["media"]:
        media = session.get_one(Media, m["sha256"])
        m["has_thumb"] = media.thumb is not None
        if scoped is not None:  # paths name sources: only this agency's
            m["paths"] = scoped.get(m["sha256"], [])
    links = why(session, series_id=series_id)["links"]
    out["links"] = [lk for lk in links if lk["a"] in keep and lk["b"] in keep][:200]
    out["link_kinds"] = dict(Counter(lk["kind"] for lk in out["links"]))
    out["clues"] = clues_view.grouped(clues_view.clues_for(session, shas=shas))
    out["countries"] = clues_view.country_candidates(
        session, series_id=series_id, shas=shas, whole_operation=scope is None
    )
    out["known_matches"] = _known_matches(session, shas)
    out["notes"] = collab.list_notes(session, series_id=series_id)
    out["tags"] = collab.list_tags(session, series_id=series_id)
    out["priority"] = collab.get_priority(session, series_id=series_id)
    out["priority_label"] = PRIORITIES[out["priority"]]
    out["assigned_to"] = collab.assignee(session, series_id=series_id)
    out["others_working"] = collab.others_working(
        session, series_id=series_id, user_id=user_id, now=now
    )
    out["seen_by"] = collab.seen_by(session, series_id=series_id)
    out["activity"] = collab.activity(session, series_id=series_id, limit=100)
    if scope is not None:  # series events name media of other agencies
        out["events"] = []
        out["activity"] = [a for a in out["activity"] if a["source"] == "review"]
    return out


def _scoped_paths(session: Session, shas: list[str], scope: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    rows = session.execute(
        select(Item.media_sha256, Source.label, Item.path_spec)
        .join(Source, Source.id == Item.source_id)
        .where(Item.media_sha256.in_(shas), Source.agency == scope)
        .order_by(Source.label, Item.path_spec)
    )
    for sha, label, spec in rows:
        if sha is not None:
            out[sha].append(f"{label}:{spec}")
    return out


def series_of_media(session: Session, *, sha256: str) -> int | None:
    row = session.get(SeriesMember, sha256)
    return row.series_id if row else None
