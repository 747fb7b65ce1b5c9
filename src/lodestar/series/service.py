"""Series service: build from links, list/show/why, and analyst edits kept as events.

Keyword-only functions on a caller's session; the caller commits (CLI command, web request).
Edits that change membership (merge, split, move) pin every member of the series involved:
a re-build then leaves those members where the analyst put them (the series may still gain
new media through links). Locked series neither gain nor lose members.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from lodestar.analyze.queries import find_media
from lodestar.errors import NotFound, UserError
from lodestar.series.base import Link, LinkBuilder
from lodestar.series.cluster import cluster
from lodestar.series.known import known_series_of_media
from lodestar.series.links import all_builders
from lodestar.store import (
    HashSet,
    HashSetEntry,
    Item,
    Match,
    Media,
    MediaLink,
    Series,
    SeriesEvent,
    SeriesMember,
    Source,
)
from lodestar.store.bulk import insert_ignore

SERIES_KINDS = ("image", "video")
INSERT_BATCH = 5000


def _now() -> datetime:
    return datetime.now(UTC)


def _event(session: Session, series_id: int | None, actor: str, action: str, **detail: Any) -> None:
    session.add(
        SeriesEvent(series_id=series_id, at=_now(), actor=actor, action=action, detail=detail)
    )


# -- links -------------------------------------------------------------------------------------


def _new_media(session: Session) -> set[str]:
    """Series-kind media in no series and no link yet: what an incremental build looks at."""
    linked = select(MediaLink.a_sha256).union(select(MediaLink.b_sha256))
    members = select(SeriesMember.media_sha256)
    rows = session.scalars(
        select(Media.sha256)
        .where(Media.kind.in_(SERIES_KINDS))
        .where(Media.sha256.not_in(linked), Media.sha256.not_in(members))
    )
    return set(rows)


def store_links(
    session: Session,
    *,
    builders: Sequence[LinkBuilder],
    media: Collection[str] | None = None,
) -> dict[str, int]:
    """Run builders and replace their stored links (all, or those touching ``media``)."""
    counts: dict[str, int] = {}
    for builder in builders:
        stale = delete(MediaLink).where(MediaLink.kind == builder.name)
        if media is not None:
            wanted = list(media)
            stale = stale.where(or_(MediaLink.a_sha256.in_(wanted), MediaLink.b_sha256.in_(wanted)))
        session.execute(stale)
        rows = [
            {
                "a_sha256": link.a,
                "b_sha256": link.b,
                "kind": builder.name,
                "builder_version": builder.version,
                "score": link.score,
                "strength": link.strength,
                "evidence": link.evidence,
            }
            for link in builder.build(session, media=media)
        ]
        for start in range(0, len(rows), INSERT_BATCH):
            insert_ignore(session, MediaLink, rows[start : start + INSERT_BATCH])
        counts[builder.name] = len(rows)
    return counts


def stored_links(session: Session) -> list[Link]:
    rows = session.execute(
        select(
            MediaLink.a_sha256,
            MediaLink.b_sha256,
            MediaLink.kind,
            MediaLink.score,
            MediaLink.strength,
        )
    )
    return [
        Link(a, b, kind, score, "strong" if strength == "strong" else "weak")
        for a, b, kind, score, strength in rows
    ]


def _next_series_id(session: Session) -> int:
    # Ids are always given explicitly (builds number new series themselves), so a database
    # sequence would fall behind: PostgreSQL's SERIAL does not see explicit ids.
    return (session.scalar(select(func.max(Series.id))) or 0) + 1


# -- build -------------------------------------------------------------------------------------


def build_series(
    session: Session,
    *,
    actor: str,
    incremental: bool = False,
    builder_names: list[str] | None = None,
) -> dict[str, Any]:
    """Build links (all, or for new media only), cluster, and update series in place."""
    try:
        builders = all_builders(builder_names)
    except KeyError as exc:
        raise UserError(str(exc.args[0])) from None
    media = _new_media(session) if incremental else None
    counts = store_links(session, builders=builders, media=media) if media != set() else {}
    members = session.scalars(select(SeriesMember)).all()
    active = {s.id: s for s in session.scalars(select(Series).where(Series.status == "active"))}
    locked = {sid for sid, s in active.items() if s.locked}
    fixed = {m.media_sha256: m.series_id for m in members if m.pinned or m.series_id in locked}
    previous = {m.media_sha256: m.series_id for m in members}
    next_id = _next_series_id(session)
    result = cluster(
        stored_links(session), fixed=fixed, locked=locked, previous=previous, next_id=next_id
    )
    changed = _apply(session, result.members, members, active, actor)
    filled = _fill_known(session, actor)
    summary = {
        "mode": "incremental" if incremental else "full",
        "new_media_considered": None if media is None else len(media),
        "links": counts,
        "series": len(result.members),
        "media_in_series": sum(len(v) for v in result.members.values()),
        "created": result.new_ids,
        "changed": changed["changed"],
        "retired": changed["retired"],
        "attached_by_weak_links": len(result.attached_by_weak),
        "known_series_filled": filled,
    }
    _event(
        session,
        None,
        actor,
        "built",
        **{k: v for k, v in summary.items() if k != "created"},
        created=len(result.new_ids),
    )
    return summary


def _apply(
    session: Session,
    new: dict[int, list[str]],
    members: Sequence[SeriesMember],
    active: dict[int, Series],
    actor: str,
) -> dict[str, list[int]]:
    now = _now()
    old: dict[int, set[str]] = {}
    rows = {m.media_sha256: m for m in members}
    for m in members:
        old.setdefault(m.series_id, set()).add(m.media_sha256)
    target = {sha: sid for sid, shas in new.items() for sha in shas}
    for sha, stale in rows.items():
        if sha not in target:
            session.delete(stale)
    for sid in new:
        if session.get(Series, sid) is None:
            session.add(
                Series(id=sid, status="active", locked=False, created_at=now, updated_at=now)
            )
            session.flush()
            _event(session, sid, actor, "created", by="build")
    for sha, sid in target.items():
        row = rows.get(sha)
        if row is None:
            session.add(
                SeriesMember(
                    media_sha256=sha, series_id=sid, pinned=False, added_at=now, added_by="build"
                )
            )
        elif row.series_id != sid:
            row.series_id, row.added_at, row.added_by = sid, now, "build"
    changed = []
    for sid, shas in new.items():
        before = old.get(sid, set())
        added, removed = sorted(set(shas) - before), sorted(before - set(shas))
        if before and (added or removed):
            changed.append(sid)
            _event(session, sid, actor, "rebuilt", added=added, removed=removed)
            session.get(Series, sid).updated_at = now  # type: ignore[union-attr]
    retired = sorted(sid for sid in active if sid not in new)
    for sid in retired:
        active[sid].status, active[sid].updated_at = "retired", now
        _event(session, sid, actor, "dissolved", by="build", members=sorted(old.get(sid, ())))
    session.flush()
    return {"changed": changed, "retired": retired}


def _fill_known(session: Session, actor: str) -> int:
    """Fill a series' known (ICSE/VICS) name and identified flags from set matches, where an
    analyst has not set them."""
    series_of = dict(
        session.execute(select(SeriesMember.media_sha256, SeriesMember.series_id)).all()
    )
    names: dict[int, Counter[str]] = {}
    for name, media in known_series_of_media(session).items():
        for sha, _ in media:
            if sha in series_of:
                names.setdefault(series_of[sha], Counter())[name] += 1
    flags = _identified_flags(session, series_of)
    filled = 0
    for sid in sorted(set(names) | set(flags)):
        s = session.get(Series, sid)
        if s is None or s.status != "active":
            continue
        change: dict[str, Any] = {}
        if sid in names and s.icse_series is None:
            change["icse_series"] = sorted(names[sid].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        victim, offender = flags.get(sid, (None, None))
        if victim and s.victim_identified is None:
            change["victim_identified"] = True
        if offender and s.offender_identified is None:
            change["offender_identified"] = True
        if change:
            for key, value in change.items():
                setattr(s, key, value)
            _event(session, sid, actor, "known", by="build", **change)
            filled += 1
    return filled


def _identified_flags(session: Session, series_of: dict[str, int]) -> dict[int, tuple[bool, bool]]:
    rows = session.execute(
        select(Match.media_sha256, HashSetEntry.victim_identified, HashSetEntry.offender_identified)
        .join(HashSetEntry, HashSetEntry.id == Match.entry_id)
        .join(HashSet, HashSet.id == Match.set_id)
        .where(HashSet.known_ignorable.is_(False))
    )
    out: dict[int, tuple[bool, bool]] = {}
    for sha, victim, offender in rows:
        sid = series_of.get(sha)
        if sid is not None:
            v, o = out.get(sid, (False, False))
            out[sid] = (v or bool(victim), o or bool(offender))
    return out


# -- reading -----------------------------------------------------------------------------------


def get_series(session: Session, series_id: int) -> Series:
    s = session.get(Series, series_id)
    if s is None:
        raise NotFound(f"no series {series_id}", detail={"series_id": series_id})
    return s


def _members(session: Session, series_id: int) -> list[SeriesMember]:
    return list(
        session.scalars(
            select(SeriesMember)
            .where(SeriesMember.series_id == series_id)
            .order_by(SeriesMember.media_sha256)
        )
    )


def series_as_dict(s: Series, members: Sequence[SeriesMember]) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "status": s.status,
        "locked": s.locked,
        "icse_series": s.icse_series,
        "victim_identified": s.victim_identified,
        "offender_identified": s.offender_identified,
        "merged_into": s.merged_into,
        "size": len(members),
        "members": [m.media_sha256 for m in members],
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def list_series(session: Session, *, include_retired: bool = False) -> list[dict[str, Any]]:
    query = select(Series).order_by(Series.id)
    if not include_retired:
        query = query.where(Series.status == "active")
    by_series: dict[int, list[SeriesMember]] = {}
    for m in session.scalars(select(SeriesMember).order_by(SeriesMember.media_sha256)):
        by_series.setdefault(m.series_id, []).append(m)
    return [series_as_dict(s, by_series.get(s.id, [])) for s in session.scalars(query)]


def show_series(session: Session, *, series_id: int) -> dict[str, Any]:
    s = get_series(session, series_id)
    members = _members(session, series_id)
    out = series_as_dict(s, members)
    shas = [m.media_sha256 for m in members]
    media = {m.sha256: m for m in session.scalars(select(Media).where(Media.sha256.in_(shas)))}
    paths = _paths(session, shas)
    out["media"] = [
        {
            "sha256": m.media_sha256,
            "kind": media[m.media_sha256].kind,
            "camera": _camera(media[m.media_sha256]),
            "captured_at": media[m.media_sha256].captured_at,
            "pinned": m.pinned,
            "added_by": m.added_by,
            "paths": paths.get(m.media_sha256, []),
        }
        for m in members
    ]
    out["link_kinds"] = dict(Counter(link.kind for link in _internal_links(session, shas)))
    out["events"] = series_events(session, series_id=series_id)
    return out


def _camera(m: Media) -> str | None:
    parts = [p for p in (m.make, m.model) if p]
    if not parts:
        return None
    return " ".join(parts) + (f" #{m.serial}" if m.serial else "")


def _paths(session: Session, shas: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    rows = session.execute(
        select(Item.media_sha256, Source.label, Item.path_spec)
        .join(Source, Source.id == Item.source_id)
        .where(Item.media_sha256.in_(shas))
        .order_by(Source.label, Item.path_spec)
    )
    for sha, label, spec in rows:
        if sha is not None:
            out.setdefault(sha, []).append(f"{label}:{spec}")
    return out


def series_events(session: Session, *, series_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(SeriesEvent).where(SeriesEvent.series_id == series_id).order_by(SeriesEvent.id)
    )
    return [
        {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail}
        for e in rows
    ]


def _internal_links(session: Session, shas: list[str]) -> list[MediaLink]:
    inside = set(shas)
    rows = session.scalars(
        select(MediaLink)
        .where(MediaLink.a_sha256.in_(shas))
        .order_by(MediaLink.strength, MediaLink.score.desc(), MediaLink.kind, MediaLink.id)
    )
    return [link for link in rows if link.b_sha256 in inside]


def _link_dict(link: MediaLink, me: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": link.kind,
        "score": link.score,
        "strength": link.strength,
        "evidence": link.evidence,
    }
    if me is None:
        out["a"], out["b"] = link.a_sha256, link.b_sha256
    else:
        out["other"] = link.b_sha256 if link.a_sha256 == me else link.a_sha256
    return out


def why(session: Session, *, series_id: int, media: str | None = None) -> dict[str, Any]:
    """The links that hold a series together (or put one member there), strongest first, plus
    the analyst events that placed members by hand."""
    s = get_series(session, series_id)
    members = {m.media_sha256: m for m in _members(session, series_id)}
    links = _internal_links(session, sorted(members))
    if media is None:
        return {
            "series_id": s.id,
            "size": len(members),
            "locked": s.locked,
            "kinds": dict(Counter(link.kind for link in links)),
            "links": [_link_dict(link) for link in links],
            "pinned": sorted(sha for sha, m in members.items() if m.pinned),
        }
    sha = find_media(session, media).sha256
    if sha not in members:
        raise UserError(
            f"media {sha} is not in series {series_id}",
            detail={"sha256": sha, "series_id": series_id},
        )
    mine = [link for link in links if sha in (link.a_sha256, link.b_sha256)]
    placed = [
        e
        for e in series_events(session, series_id=series_id)
        if sha in e["detail"].get("media", [])
    ]
    return {
        "series_id": s.id,
        "sha256": sha,
        "pinned": members[sha].pinned,
        "locked": s.locked,
        "added_by": members[sha].added_by,
        "links": [_link_dict(link, sha) for link in mine],
        "placed_by_analyst": placed,
    }


# -- analyst edits -----------------------------------------------------------------------------


def _editable(session: Session, series_id: int) -> Series:
    s = get_series(session, series_id)
    if s.status != "active":
        raise UserError(f"series {series_id} is {s.status}", detail={"series_id": series_id})
    if s.locked:
        raise UserError(
            f"series {series_id} is locked; unlock it first", detail={"series_id": series_id}
        )
    return s


def _pin_all(session: Session, series_id: int) -> None:
    for m in _members(session, series_id):
        m.pinned = True


def _resolve(session: Session, refs: Sequence[str]) -> list[str]:
    if not refs:
        raise UserError("name at least one media (SHA-256 or a prefix)")
    return sorted({find_media(session, ref).sha256 for ref in refs})


def merge_series(
    session: Session, *, into: int, others: Sequence[int], actor: str
) -> dict[str, Any]:
    target = _editable(session, into)
    sources = [_editable(session, sid) for sid in sorted(set(others) - {into})]
    if not sources:
        raise UserError("name at least one other series to merge")
    now = _now()
    moved: list[str] = []
    for s in sources:
        for m in _members(session, s.id):
            m.series_id, m.added_at, m.added_by = into, now, actor
            moved.append(m.media_sha256)
        s.status, s.merged_into, s.updated_at = "retired", into, now
        _event(session, s.id, actor, "merged_into", into=into)
    session.flush()
    _pin_all(session, into)
    target.updated_at = now
    _event(session, into, actor, "merged", sources=[s.id for s in sources], media=sorted(moved))
    session.flush()
    return show_series(session, series_id=into)


def split_series(
    session: Session,
    *,
    series_id: int,
    media: Sequence[str],
    actor: str,
    name: str | None = None,
) -> dict[str, Any]:
    """Move ``media`` of a series into a new series; both halves are pinned."""
    _editable(session, series_id)
    shas = _resolve(session, media)
    members = {m.media_sha256: m for m in _members(session, series_id)}
    outside = [sha for sha in shas if sha not in members]
    if outside:
        raise UserError(
            f"not in series {series_id}: {', '.join(outside)}",
            detail={"series_id": series_id, "media": outside},
        )
    if len(shas) == len(members):
        raise UserError("a split must leave at least one member behind")
    now = _now()
    new = Series(
        id=_next_series_id(session),
        name=name,
        status="active",
        locked=False,
        created_at=now,
        updated_at=now,
    )
    session.add(new)
    session.flush()
    for sha in shas:
        members[sha].series_id, members[sha].added_at, members[sha].added_by = new.id, now, actor
    session.flush()
    _pin_all(session, series_id)
    _pin_all(session, new.id)
    _event(session, series_id, actor, "split", into=new.id, media=shas)
    _event(session, new.id, actor, "created", by="split", source=series_id, media=shas)
    session.flush()
    return show_series(session, series_id=new.id)


def move_media(
    session: Session, *, media: Sequence[str], to_series: int, actor: str
) -> dict[str, Any]:
    """Move members (or media in no series) into another series; the series involved are
    pinned so a re-build keeps the move."""
    _editable(session, to_series)
    shas = _resolve(session, media)
    now = _now()
    sources: dict[int, list[str]] = {}
    for sha in shas:
        row = session.get(SeriesMember, sha)
        if row is not None and row.series_id == to_series:
            continue
        if row is None:
            session.add(
                SeriesMember(
                    media_sha256=sha, series_id=to_series, pinned=True, added_at=now, added_by=actor
                )
            )
            sources.setdefault(0, []).append(sha)
            continue
        _editable(session, row.series_id)
        sources.setdefault(row.series_id, []).append(sha)
        row.series_id, row.added_at, row.added_by = to_series, now, actor
    session.flush()
    for sid, moved in sorted(sources.items()):
        if sid:
            _pin_all(session, sid)
            _event(session, sid, actor, "moved_out", to=to_series, media=moved)
            if not _members(session, sid):
                s = get_series(session, sid)
                s.status, s.updated_at = "retired", now
    _pin_all(session, to_series)
    moved_in = sorted(sha for shas_ in sources.values() for sha in shas_)
    _event(
        session,
        to_series,
        actor,
        "moved_in",
        media=moved_in,
        sources=sorted(sid for sid in sources if sid),
    )
    session.flush()
    return show_series(session, series_id=to_series)


def lock_series(
    session: Session, *, series_id: int, actor: str, locked: bool = True
) -> dict[str, Any]:
    s = get_series(session, series_id)
    if s.status != "active":
        raise UserError(f"series {series_id} is {s.status}", detail={"series_id": series_id})
    if s.locked != locked:
        s.locked, s.updated_at = locked, _now()
        _event(session, series_id, actor, "locked" if locked else "unlocked")
    session.flush()
    return show_series(session, series_id=series_id)


def name_series(session: Session, *, series_id: int, name: str, actor: str) -> dict[str, Any]:
    s = get_series(session, series_id)
    name = name.strip()
    if not name:
        raise UserError("a series name cannot be empty")
    old, s.name, s.updated_at = s.name, name, _now()
    _event(session, series_id, actor, "named", old=old, new=name)
    session.flush()
    return show_series(session, series_id=series_id)


def mark_identified(
    session: Session,
    *,
    series_id: int,
    actor: str,
    victim: bool | None = None,
    offender: bool | None = None,
    icse_series: str | None = None,
) -> dict[str, Any]:
    """Mark a series known/identified (victim, offender, its ICSE series name)."""
    s = get_series(session, series_id)
    change: dict[str, Any] = {}
    if victim is not None:
        change["victim_identified"] = victim
    if offender is not None:
        change["offender_identified"] = offender
    if icse_series is not None:
        change["icse_series"] = icse_series.strip() or None
    if not change:
        raise UserError("give --victim/--no-victim, --offender/--no-offender or --icse")
    old = {k: getattr(s, k) for k in change}
    for key, value in change.items():
        setattr(s, key, value)
    s.updated_at = _now()
    _event(session, series_id, actor, "identified", old=old, new=change)
    session.flush()
    return show_series(session, series_id=series_id)
