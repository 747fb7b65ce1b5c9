"""Series build: run the link builders, store their links, cluster, update series in place.

Keyword-only functions on a caller's session; the caller commits (CLI command, web request).
A build keeps analyst edits: pinned members and locked series are fixed points of the
clustering (see :mod:`lodestar.series.cluster`), and series ids survive re-builds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from lodestar.errors import UserError
from lodestar.series.base import SERIES_KINDS, Link, LinkBuilder, link_builders
from lodestar.series.cluster import cluster
from lodestar.series.events import add_event, next_series_id, now
from lodestar.series.known import known_series_of_media
from lodestar.store import HashSet, HashSetEntry, Match, Media, MediaLink, Series, SeriesMember
from lodestar.store.bulk import insert_ignore

INSERT_BATCH = 5000


def registered_builders(names: list[str] | None = None) -> list[LinkBuilder]:
    """Registered builders (built-in and plug-ins) in name order, or those named; KeyError
    names an unknown one."""
    return [link_builders.get(n) for n in (link_builders.names() if names is None else names)]


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


def build_series(
    session: Session,
    *,
    actor: str,
    incremental: bool = False,
    builder_names: list[str] | None = None,
) -> dict[str, Any]:
    """Build links (all, or for new media only), cluster, and update series in place."""
    try:
        builders = registered_builders(builder_names)
    except KeyError as exc:
        raise UserError(str(exc.args[0])) from None
    media = _new_media(session) if incremental else None
    counts = store_links(session, builders=builders, media=media) if media != set() else {}
    members = session.scalars(select(SeriesMember)).all()
    active = {s.id: s for s in session.scalars(select(Series).where(Series.status == "active"))}
    locked = {sid for sid, s in active.items() if s.locked}
    fixed = {m.media_sha256: m.series_id for m in members if m.pinned or m.series_id in locked}
    previous = {m.media_sha256: m.series_id for m in members}
    next_id = next_series_id(session)
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
    add_event(
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
    at = now()
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
            session.add(Series(id=sid, status="active", locked=False, created_at=at, updated_at=at))
            session.flush()
            add_event(session, sid, actor, "created", by="build")
    for sha, sid in target.items():
        row = rows.get(sha)
        if row is None:
            session.add(
                SeriesMember(
                    media_sha256=sha, series_id=sid, pinned=False, added_at=at, added_by="build"
                )
            )
        elif row.series_id != sid:
            row.series_id, row.added_at, row.added_by = sid, at, "build"
    changed = []
    for sid, shas in new.items():
        before = old.get(sid, set())
        added, removed = sorted(set(shas) - before), sorted(before - set(shas))
        if before and (added or removed):
            changed.append(sid)
            add_event(session, sid, actor, "rebuilt", added=added, removed=removed)
            session.get(Series, sid).updated_at = at  # type: ignore[union-attr]
    retired = sorted(sid for sid in active if sid not in new)
    for sid in retired:
        active[sid].status, active[sid].updated_at = "retired", at
        add_event(session, sid, actor, "dissolved", by="build", members=sorted(old.get(sid, ())))
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
            add_event(session, sid, actor, "known", by="build", **change)
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
