"""Analyst edits of series (merge, split, move, lock, name, identify), kept as events.

Keyword-only functions on a caller's session; the caller commits (CLI command, web request).
Edits that change membership (merge, split, move) pin every member of the series involved:
a re-build then leaves those members where the analyst put them (the series may still gain
new media through links). Locked series neither gain nor lose members.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from lodestar.analyze.queries import find_media
from lodestar.errors import UserError
from lodestar.series.events import add_event, next_series_id, now
from lodestar.series.reads import get_series, members_of, show_series
from lodestar.store import Series, SeriesMember


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
    for m in members_of(session, series_id=series_id):
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
    at = now()
    moved: list[str] = []
    for s in sources:
        for m in members_of(session, series_id=s.id):
            m.series_id, m.added_at, m.added_by = into, at, actor
            moved.append(m.media_sha256)
        s.status, s.merged_into, s.updated_at = "retired", into, at
        add_event(session, s.id, actor, "merged_into", into=into)
    session.flush()
    _pin_all(session, into)
    target.updated_at = at
    add_event(session, into, actor, "merged", sources=[s.id for s in sources], media=sorted(moved))
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
    members = {m.media_sha256: m for m in members_of(session, series_id=series_id)}
    outside = [sha for sha in shas if sha not in members]
    if outside:
        raise UserError(
            f"not in series {series_id}: {', '.join(outside)}",
            detail={"series_id": series_id, "media": outside},
        )
    if len(shas) == len(members):
        raise UserError("a split must leave at least one member behind")
    at = now()
    new = Series(
        id=next_series_id(session),
        name=name,
        status="active",
        locked=False,
        created_at=at,
        updated_at=at,
    )
    session.add(new)
    session.flush()
    for sha in shas:
        members[sha].series_id, members[sha].added_at, members[sha].added_by = new.id, at, actor
    session.flush()
    _pin_all(session, series_id)
    _pin_all(session, new.id)
    add_event(session, series_id, actor, "split", into=new.id, media=shas)
    add_event(session, new.id, actor, "created", by="split", source=series_id, media=shas)
    session.flush()
    return show_series(session, series_id=new.id)


def move_media(
    session: Session, *, media: Sequence[str], to_series: int, actor: str
) -> dict[str, Any]:
    """Move members (or media in no series) into another series; the series involved are
    pinned so a re-build keeps the move."""
    _editable(session, to_series)
    shas = _resolve(session, media)
    at = now()
    sources: dict[int, list[str]] = {}
    for sha in shas:
        row = session.get(SeriesMember, sha)
        if row is not None and row.series_id == to_series:
            continue
        if row is None:
            session.add(
                SeriesMember(
                    media_sha256=sha, series_id=to_series, pinned=True, added_at=at, added_by=actor
                )
            )
            sources.setdefault(0, []).append(sha)
            continue
        _editable(session, row.series_id)
        sources.setdefault(row.series_id, []).append(sha)
        row.series_id, row.added_at, row.added_by = to_series, at, actor
    session.flush()
    for sid, moved in sorted(sources.items()):
        if sid:
            _pin_all(session, sid)
            add_event(session, sid, actor, "moved_out", to=to_series, media=moved)
            if not members_of(session, series_id=sid):
                s = get_series(session, sid)
                s.status, s.updated_at = "retired", at
    _pin_all(session, to_series)
    moved_in = sorted(sha for shas_ in sources.values() for sha in shas_)
    add_event(
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
        s.locked, s.updated_at = locked, now()
        add_event(session, series_id, actor, "locked" if locked else "unlocked")
    session.flush()
    return show_series(session, series_id=series_id)


def name_series(session: Session, *, series_id: int, name: str, actor: str) -> dict[str, Any]:
    s = get_series(session, series_id)
    name = name.strip()
    if not name:
        raise UserError("a series name cannot be empty")
    old, s.name, s.updated_at = s.name, name, now()
    add_event(session, series_id, actor, "named", old=old, new=name)
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
    s.updated_at = now()
    add_event(session, series_id, actor, "identified", old=old, new=change)
    session.flush()
    return show_series(session, series_id=series_id)
