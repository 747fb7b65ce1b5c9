"""Series reads: list, show, events and ``why`` (the links and edits that hold a series).

Keyword-only functions on a caller's session; nothing here writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analyze.queries import find_media
from lodestar.errors import NotFound, UserError
from lodestar.store import Item, Media, MediaLink, Series, SeriesEvent, SeriesMember, Source


def get_series(session: Session, series_id: int) -> Series:
    s = session.get(Series, series_id)
    if s is None:
        raise NotFound(f"no series {series_id}", detail={"series_id": series_id})
    return s


def members_of(session: Session, *, series_id: int) -> list[SeriesMember]:
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
    members = members_of(session, series_id=series_id)
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
    members = {m.media_sha256: m for m in members_of(session, series_id=series_id)}
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
