"""Read-side of series for the workbench: the queue and the series page, agency-scoped.

A liaison sees a series when at least one member comes from a source of their agency, and then
only those members (and the clues and links among them); everyone else sees the whole series.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from lodestar.errors import NotFound, UserError
from lodestar.review import clues_view, collab, readcache
from lodestar.series.service import show_series, why
from lodestar.store import (
    Clue,
    HashSet,
    HashSetEntry,
    Item,
    Match,
    Media,
    Series,
    SeriesMember,
    Source,
)
from lodestar.store.collab_models import (
    PRIORITIES,
    SeriesAssignment,
    SeriesPriority,
    SeriesTag,
    SeriesView,
)
from lodestar.store.people_models import Agency, User

VIEWS = ("all", "unassigned", "mine", "unseen")
PAGE_SIZE = 100  # queue rows per page: a 2,000-row page is slow to render and to read


# -- people a liaison may see ----------------------------------------------------------------
#
# A liaison sees a series through their agency's media only; the people working it are the
# operation's, of every agency. On a series that mixes agencies, the other agency's analysts'
# names (who opened it, who holds it, the feed) and notes are theirs: a note may well be about
# media this liaison may not see, and no one wrote it for them. So a liaison sees the notes,
# names and feed entries of their OWN agency's people only — coordinators included, by their
# agency like anyone else (a coordinator of another agency, or of none, is not the liaison's
# colleague). Other names become OTHER_AGENCY (not a valid user name, so it never matches one);
# coordinators, analysts and auditors see everything, as before. Counts (how many opened it)
# stay: they name no one.

OTHER_AGENCY = "(another agency)"


def agency_people(session: Session, *, scope: str) -> set[str]:
    """User names of the agency ``scope``'s people (any role)."""
    return set(
        session.scalars(
            select(User.username)
            .join(Agency, Agency.id == User.agency_id)
            .where(Agency.code == scope)
        )
    )


def _name_for(name: str | None, people: Collection[str]) -> str | None:
    return name if name is None or name in people else OTHER_AGENCY


def scoped_activity(feed: list[dict[str, Any]], people: Collection[str]) -> list[dict[str, Any]]:
    """The review feed as a liaison sees it: their agency's people's entries, other names hidden
    (an entry may name its object: assigned ``to``, released, ``was`` held by)."""
    out = []
    for entry in feed:
        if entry["source"] != "review" or entry["actor"] not in people:
            continue
        detail = dict(entry["detail"] or {})
        for key in ("to", "was"):
            if key in detail:
                detail[key] = _name_for(detail[key], people)
        out.append(entry | {"detail": detail})
    return out


def scoped_history(
    session: Session, *, series_id: int, note_id: int, scope: str | None
) -> list[dict[str, Any]]:
    """A note's revisions; to a liaison only a note by their agency's people (else not found),
    with the other agencies' editors (a coordinator may edit any note) unnamed."""
    history = collab.note_history(session, series_id=series_id, note_id=note_id)
    if scope is None:
        return history
    people = agency_people(session, scope=scope)
    author = collab.note_author(session, note_id=note_id)
    if author not in people:
        raise NotFound(f"no note {note_id} on series {series_id}", detail={"note_id": note_id})
    return [r | {"actor": _name_for(r["actor"], people)} for r in history]


def _scope_people(session: Session, out: dict[str, Any], scope: str) -> None:
    people = agency_people(session, scope=scope)
    out["notes"] = [n for n in out["notes"] if n["author"] in people]
    out["seen_by"] = [v for v in out["seen_by"] if v["username"] in people]
    out["others_working"] = [o for o in out["others_working"] if o["username"] in people]
    held = out["assigned_to"]
    if held is not None and held["username"] not in people:
        out["assigned_to"] = held | {"username": OTHER_AGENCY, "display_name": OTHER_AGENCY}
    if held is not None:
        out["assigned_to"]["assigned_by"] = _name_for(held["assigned_by"], people)
    out["activity"] = scoped_activity(out["activity"], people)


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


def _active_series(session: Session, scope: str | None) -> list[dict[str, Any]]:
    """Active series with their visible sizes, cached per scope until the store moves."""
    return readcache.cached(
        session, "active_series", scope, lambda: _count_active_series(session, scope), copy=False
    )


def _count_active_series(session: Session, scope: str | None) -> list[dict[str, Any]]:
    """Active series with at least one member the caller may see, with that many as ``size``.

    Counted in SQL: loading the 100k member rows into Python to count them is slow."""
    query = (
        select(
            Series.id,
            Series.name,
            Series.locked,
            Series.icse_series,
            Series.victim_identified,
            Series.updated_at,
            func.count().label("size"),
        )
        .join(SeriesMember, SeriesMember.series_id == Series.id)
        .where(Series.status == "active")
        .group_by(Series.id)
    )
    if scope is not None:  # liaisons: members with an item from a source of their agency
        scoped = (
            select(Item.media_sha256)
            .join(Source, Source.id == Item.source_id)
            .where(Source.agency == scope)
        )
        query = query.where(SeriesMember.media_sha256.in_(scoped))
    return [row._asdict() for row in session.execute(query)]


def _countries_by_series(session: Session, scope: str | None) -> dict[int, list[str]]:
    """Countries per series, cached per scope until the store moves."""
    return readcache.cached(
        session, "series_countries", scope, lambda: _count_countries(session, scope), copy=False
    )


def _count_countries(session: Session, scope: str | None) -> dict[int, list[str]]:
    """Countries named by place clues of each series' visible members, most clues first.

    Grouped in SQL on the JSON field, so the clue values are never decoded in Python; a
    liaison's visibility is checked per place clue (EXISTS), cheaper than listing their media."""
    code = func.upper(Clue.value["country_code"].as_string())
    query = (
        select(SeriesMember.series_id, code, func.count())
        .select_from(Clue)
        .join(SeriesMember, SeriesMember.media_sha256 == Clue.media_sha256)
        .join(Series, Series.id == SeriesMember.series_id)
        .where(Series.status == "active", Clue.kind == "place", code.is_not(None), code != "")
        .group_by(SeriesMember.series_id, code)
        .order_by(SeriesMember.series_id, func.count().desc(), code)
    )
    if scope is not None:
        query = query.where(
            exists(
                select(Item.id)
                .join(Source, Source.id == Item.source_id)
                .where(Item.media_sha256 == Clue.media_sha256, Source.agency == scope)
            )
        )
    out: dict[int, list[str]] = defaultdict(list)
    for sid, c, _n in session.execute(query):
        out[int(sid)].append(str(c))
    return dict(out)


def _collab_state(session: Session) -> tuple[dict[int, str], dict[int, int], dict[int, set[int]]]:
    """Assignees, priorities and who has opened each series."""
    assigned = dict(
        session.execute(
            select(SeriesAssignment.series_id, User.username)
            .join(User, User.id == SeriesAssignment.user_id)
            .where(SeriesAssignment.ended_at.is_(None))
        ).all()
    )
    priorities = dict(
        session.execute(select(SeriesPriority.series_id, SeriesPriority.priority)).all()
    )
    seen: dict[int, set[int]] = defaultdict(set)
    for sid, uid in session.execute(select(SeriesView.series_id, SeriesView.user_id)):
        seen[sid].add(uid)
    return assigned, priorities, seen


def _tags(session: Session) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = defaultdict(list)
    for sid, t in session.execute(
        select(SeriesTag.series_id, SeriesTag.tag).order_by(SeriesTag.tag)
    ):
        tags[sid].append(t)
    return tags


def _rows(
    session: Session, *, user_id: int, scope: str | None, details: bool
) -> list[dict[str, Any]]:
    """One row per visible active series; ``details`` adds tags and countries (dearer)."""
    series = _active_series(session, scope)
    assigned, priorities, seen = _collab_state(session)
    if scope is not None:  # a liaison: who holds it, if one of their agency (see OTHER_AGENCY)
        people = agency_people(session, scope=scope)
        assigned = {sid: _name_for(name, people) or "" for sid, name in assigned.items()}
    tags = _tags(session) if details else {}
    countries = _countries_by_series(session, scope) if details else {}
    rows = []
    for s in series:
        priority = priorities.get(s["id"], 1)
        rows.append(
            {
                "id": s["id"],
                "name": s["name"],
                "size": s["size"],
                "locked": s["locked"],
                "icse_series": s["icse_series"],
                "victim_identified": s["victim_identified"],
                "priority": priority,
                "priority_label": PRIORITIES[priority],
                "assigned_to": assigned.get(s["id"]),
                "seen_by": len(seen[s["id"]]),
                "seen_by_me": user_id in seen[s["id"]],
                "tags": tags.get(s["id"], []),
                "countries": countries.get(s["id"], []),
                "updated_at": s["updated_at"],
            }
        )
    return rows


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
    my_name = session.get_one(User, user_id).username
    rows = [
        row
        for row in _rows(session, user_id=user_id, scope=scope, details=True)
        if _keep(row, view=view, me=my_name, priority=priority, country=country, tag=tag)
    ]
    rows.sort(key=_queue_order)
    return rows


def page_of(rows: list[dict[str, Any]], page: int, size: int | None = None) -> dict[str, Any]:
    """One page (1-based, clamped to the last) of queue rows, with what a pager needs."""
    size = size or PAGE_SIZE
    pages = max(1, -(-len(rows) // size))
    page = min(max(1, page), pages)
    return {
        "rows": rows[(page - 1) * size : page * size],
        "page": page,
        "pages": pages,
        "total": len(rows),
    }


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
    rows = _rows(session, user_id=user_id, scope=scope, details=False)
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
    shas = list(
        session.scalars(
            select(SeriesMember.media_sha256)
            .where(SeriesMember.series_id == series_id)
            .order_by(SeriesMember.media_sha256)
        )
    )
    if scope is not None and shas:  # only these members' items: not all the agency's media
        seen = set(
            session.scalars(
                select(Item.media_sha256)
                .join(Source, Source.id == Item.source_id)
                .where(Item.media_sha256.in_(shas), Source.agency == scope)
            )
        )
        shas = [s for s in shas if s in seen]
    if not shas and (scope is not None or session.get(Series, series_id) is None):
        raise NotFound(f"no series {series_id}", detail={"series_id": series_id})
    return shas


def _known_matches(session: Session, shas: Collection[str]) -> list[dict[str, Any]]:
    """Matches of members to imported sets, one row per (set, known series, category).

    One query for all members (not one per member), in the order ``matches_for`` gives."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    rows = session.execute(
        select(
            HashSet.name,
            HashSet.known_ignorable,
            HashSetEntry.series,
            HashSetEntry.category,
            HashSetEntry.victim_identified,
            HashSetEntry.offender_identified,
        )
        .select_from(Match)
        .join(HashSetEntry, HashSetEntry.id == Match.entry_id)
        .join(HashSet, HashSet.id == Match.set_id)
        .where(Match.media_sha256.in_(list(shas)))
        .order_by(Match.media_sha256, Match.distance, Match.id)
    )
    for name, ignorable, series, category, victim, offender in rows:
        entry = groups.setdefault(
            (name, series, category),
            {
                "set": name,
                "series": series,
                "category": category,
                "known_ignorable": ignorable,
                "victim_identified": False,
                "offender_identified": False,
                "media": 0,
            },
        )
        entry["media"] += 1
        entry["victim_identified"] |= bool(victim)
        entry["offender_identified"] |= bool(offender)
    return sorted(groups.values(), key=lambda e: -e["media"])


def _with_thumbs(session: Session, shas: Collection[str]) -> set[str]:
    return set(
        session.scalars(
            select(Media.sha256).where(Media.sha256.in_(list(shas)), Media.thumb.is_not(None))
        )
    )


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
    thumbs = _with_thumbs(session, keep)
    for m in out["media"]:
        m["has_thumb"] = m["sha256"] in thumbs
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
    if scope is not None:  # series events name media of other agencies; people: see above
        out["events"] = []
        _scope_people(session, out, scope)
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
