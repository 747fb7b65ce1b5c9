"""Working series together: assign/claim/release, "seen by", deconfliction, notes, tags, priority.

Keyword-only services on the caller's session; the request commits. Every change adds a row to
the series' activity feed (``SeriesActivity``); note edits keep every revision. Audit events
are written by the routes (they know the request), not here.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.errors import Conflict, NotFound, UserError
from lodestar.review.media import as_utc
from lodestar.series.service import get_series, series_events
from lodestar.store.collab_models import (
    PRIORITIES,
    SeriesActivity,
    SeriesAssignment,
    SeriesNote,
    SeriesNoteRevision,
    SeriesPriority,
    SeriesTag,
    SeriesView,
)
from lodestar.store.people_models import User

DECONFLICT_S = 15 * 60  # another user who opened the series this recently is "working it"
MAX_NOTE = 10_000
_TAG = re.compile(r"^[\w][\w .:/-]{0,63}$", re.UNICODE)


def _activity(
    session: Session, series_id: int, actor: str, action: str, now: datetime, **detail: Any
) -> None:
    session.add(
        SeriesActivity(series_id=series_id, at=now, actor=actor, action=action, detail=detail)
    )


def _active_series(session: Session, series_id: int) -> None:
    s = get_series(session, series_id)
    if s.status != "active":
        raise UserError(f"series {series_id} is {s.status}", detail={"series_id": series_id})


# -- assignment --------------------------------------------------------------------------------


def current_assignment(session: Session, *, series_id: int) -> SeriesAssignment | None:
    return session.scalar(
        select(SeriesAssignment)
        .where(SeriesAssignment.series_id == series_id, SeriesAssignment.ended_at.is_(None))
        .order_by(SeriesAssignment.id.desc())
        .limit(1)
    )


def assignee(session: Session, *, series_id: int) -> dict[str, Any] | None:
    row = current_assignment(session, series_id=series_id)
    if row is None:
        return None
    user = session.get_one(User, row.user_id)
    return {
        "username": user.username,
        "display_name": user.display_name,
        "since": row.started_at,
        "assigned_by": row.assigned_by,
    }


def _end(row: SeriesAssignment, actor: str, now: datetime) -> None:
    row.ended_at, row.ended_by = now, actor


def assign(
    session: Session,
    *,
    series_id: int,
    username: str,
    actor: str,
    now: datetime,
    force: bool = False,
) -> dict[str, Any]:
    """Give a series to ``username``; refuses (Conflict) if someone else holds it, unless forced."""
    _active_series(session, series_id)
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or user.disabled:
        raise NotFound(f"no active user {username!r}", detail={"username": username})
    if user.role not in ("coordinator", "analyst"):
        raise UserError(f"{user.username} is a {user.role}; series go to analysts or coordinators")
    current = current_assignment(session, series_id=series_id)
    if current is not None and current.user_id == user.id:
        return assignee(session, series_id=series_id) or {}
    if current is not None:
        holder = session.get_one(User, current.user_id).username
        if not force:
            raise Conflict(
                f"series {series_id} is already assigned to {holder}",
                detail={"series_id": series_id, "assigned_to": holder},
            )
        _end(current, actor, now)
    session.add(
        SeriesAssignment(series_id=series_id, user_id=user.id, assigned_by=actor, started_at=now)
    )
    action = "claimed" if actor == user.username else "assigned"
    _activity(session, series_id, actor, action, now, to=user.username)
    session.flush()
    return assignee(session, series_id=series_id) or {}


def release(
    session: Session, *, series_id: int, actor: str, user_id: int, now: datetime, anyone: bool
) -> None:
    """Give a series back; only its holder may, or a coordinator (``anyone``)."""
    get_series(session, series_id)
    current = current_assignment(session, series_id=series_id)
    if current is None:
        raise UserError(f"series {series_id} is not assigned", detail={"series_id": series_id})
    if current.user_id != user_id and not anyone:
        raise Conflict("only the analyst working this series (or a coordinator) may release it")
    holder = session.get_one(User, current.user_id).username
    _end(current, actor, now)
    _activity(session, series_id, actor, "released", now, was=holder)
    session.flush()


# -- seen by and deconfliction -----------------------------------------------------------------


def record_view(session: Session, *, series_id: int, user_id: int, now: datetime) -> None:
    row = session.get(SeriesView, (series_id, user_id))
    if row is None:
        session.add(
            SeriesView(series_id=series_id, user_id=user_id, first_seen_at=now, last_seen_at=now)
        )
    else:
        row.last_seen_at = now
    session.flush()


def seen_by(session: Session, *, series_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(SeriesView, User.username)
        .join(User, User.id == SeriesView.user_id)
        .where(SeriesView.series_id == series_id)
        .order_by(SeriesView.first_seen_at)
    ).all()
    return [
        {"username": name, "first_seen_at": v.first_seen_at, "last_seen_at": v.last_seen_at}
        for v, name in rows
    ]


def others_working(
    session: Session, *, series_id: int, user_id: int, now: datetime
) -> list[dict[str, Any]]:
    """Who else is on this series: its assignee, and anyone who opened it in the last minutes."""
    out: dict[str, dict[str, Any]] = {}
    current = current_assignment(session, series_id=series_id)
    if current is not None and current.user_id != user_id:
        holder = session.get_one(User, current.user_id)
        out[holder.username] = {"username": holder.username, "assigned": True, "last_seen_at": None}
    since = now - timedelta(seconds=DECONFLICT_S)
    for view in seen_by(session, series_id=series_id):
        if as_utc(view["last_seen_at"]) < since:
            continue
        user = session.scalar(select(User).where(User.username == view["username"]))
        if user is None or user.id == user_id:
            continue
        entry = out.setdefault(user.username, {"username": user.username, "assigned": False})
        entry["last_seen_at"] = view["last_seen_at"]
        entry["minutes_ago"] = int((now - as_utc(view["last_seen_at"])).total_seconds() // 60)
    return sorted(out.values(), key=lambda e: (not e["assigned"], e["username"]))


# -- notes -------------------------------------------------------------------------------------


def _body(body: str) -> str:
    body = body.strip()
    if not body:
        raise UserError("a note cannot be empty")
    if len(body) > MAX_NOTE:
        raise UserError(f"a note has at most {MAX_NOTE} characters")
    return body


def note_as_dict(note: SeriesNote) -> dict[str, Any]:
    return {
        "id": note.id,
        "series_id": note.series_id,
        "author": note.author,
        "body": note.body,
        "created_at": note.created_at,
        "updated_at": note.updated_at,
        "edited": as_utc(note.updated_at) != as_utc(note.created_at),
    }


def add_note(
    session: Session, *, series_id: int, user_id: int, actor: str, body: str, now: datetime
) -> dict[str, Any]:
    get_series(session, series_id)
    text = _body(body)
    note = SeriesNote(
        series_id=series_id,
        user_id=user_id,
        author=actor,
        body=text,
        created_at=now,
        updated_at=now,
        deleted=False,
    )
    session.add(note)
    session.flush()
    session.add(
        SeriesNoteRevision(note_id=note.id, at=now, actor=actor, action="created", body=text)
    )
    _activity(session, series_id, actor, "note.added", now, note=note.id)
    session.flush()
    return note_as_dict(note)


def _own_note(
    session: Session, *, series_id: int, note_id: int, user_id: int, anyone: bool
) -> SeriesNote:
    note = session.get(SeriesNote, note_id)
    if note is None or note.series_id != series_id or note.deleted:
        raise NotFound(f"no note {note_id} on series {series_id}", detail={"note_id": note_id})
    if note.user_id != user_id and not anyone:
        raise Conflict("only its author (or a coordinator) may change a note")
    return note


def edit_note(
    session: Session,
    *,
    series_id: int,
    note_id: int,
    user_id: int,
    actor: str,
    body: str,
    now: datetime,
    anyone: bool = False,
) -> dict[str, Any]:
    note = _own_note(session, series_id=series_id, note_id=note_id, user_id=user_id, anyone=anyone)
    note.body, note.updated_at = _body(body), now
    session.add(
        SeriesNoteRevision(note_id=note.id, at=now, actor=actor, action="edited", body=note.body)
    )
    _activity(session, series_id, actor, "note.edited", now, note=note.id)
    session.flush()
    return note_as_dict(note)


def delete_note(
    session: Session,
    *,
    series_id: int,
    note_id: int,
    user_id: int,
    actor: str,
    now: datetime,
    anyone: bool = False,
) -> None:
    """Hidden from the page, never erased: its revisions stay for the record."""
    note = _own_note(session, series_id=series_id, note_id=note_id, user_id=user_id, anyone=anyone)
    note.deleted, note.updated_at = True, now
    session.add(SeriesNoteRevision(note_id=note.id, at=now, actor=actor, action="deleted", body=""))
    _activity(session, series_id, actor, "note.deleted", now, note=note.id)
    session.flush()


def list_notes(session: Session, *, series_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(SeriesNote)
        .where(SeriesNote.series_id == series_id, SeriesNote.deleted.is_(False))
        .order_by(SeriesNote.id)
    )
    return [note_as_dict(n) for n in rows]


def note_author(session: Session, *, note_id: int) -> str | None:
    note = session.get(SeriesNote, note_id)
    return note.author if note is not None else None


def note_history(session: Session, *, series_id: int, note_id: int) -> list[dict[str, Any]]:
    note = session.get(SeriesNote, note_id)
    if note is None or note.series_id != series_id:
        raise NotFound(f"no note {note_id} on series {series_id}", detail={"note_id": note_id})
    rows = session.scalars(
        select(SeriesNoteRevision)
        .where(SeriesNoteRevision.note_id == note_id)
        .order_by(SeriesNoteRevision.id)
    )
    return [{"at": r.at, "actor": r.actor, "action": r.action, "body": r.body} for r in rows]


# -- tags and priority -------------------------------------------------------------------------


def _tag(tag: str) -> str:
    tag = " ".join(tag.split()).lower()
    if not _TAG.match(tag):
        raise UserError("a tag is 1–64 letters, digits, spaces and . : / - _", detail={"tag": tag})
    return tag


def add_tag(session: Session, *, series_id: int, tag: str, actor: str, now: datetime) -> list[str]:
    get_series(session, series_id)
    tag = _tag(tag)
    if session.get(SeriesTag, (series_id, tag)) is None:
        session.add(SeriesTag(series_id=series_id, tag=tag, added_by=actor, added_at=now))
        _activity(session, series_id, actor, "tag.added", now, tag=tag)
        session.flush()
    return list_tags(session, series_id=series_id)


def remove_tag(
    session: Session, *, series_id: int, tag: str, actor: str, now: datetime
) -> list[str]:
    get_series(session, series_id)
    row = session.get(SeriesTag, (series_id, _tag(tag)))
    if row is None:
        raise NotFound(f"series {series_id} has no tag {tag!r}", detail={"tag": tag})
    session.delete(row)
    _activity(session, series_id, actor, "tag.removed", now, tag=row.tag)
    session.flush()
    return list_tags(session, series_id=series_id)


def list_tags(session: Session, *, series_id: int) -> list[str]:
    return list(
        session.scalars(
            select(SeriesTag.tag).where(SeriesTag.series_id == series_id).order_by(SeriesTag.tag)
        )
    )


def get_priority(session: Session, *, series_id: int) -> int:
    row = session.get(SeriesPriority, series_id)
    return row.priority if row else 1


def set_priority(
    session: Session, *, series_id: int, priority: int, actor: str, now: datetime
) -> int:
    get_series(session, series_id)
    if priority not in PRIORITIES:
        raise UserError(
            "priority is 0 (low), 1 (normal), 2 (high) or 3 (urgent)",
            detail={"priority": priority},
        )
    row = session.get(SeriesPriority, series_id)
    old = row.priority if row else 1
    if row is None:
        session.add(
            SeriesPriority(series_id=series_id, priority=priority, set_by=actor, set_at=now)
        )
    else:
        row.priority, row.set_by, row.set_at = priority, actor, now
    if old != priority:
        _activity(
            session,
            series_id,
            actor,
            "priority",
            now,
            old=PRIORITIES[old],
            new=PRIORITIES[priority],
        )
    session.flush()
    return priority


# -- the feed ----------------------------------------------------------------------------------


def _when(entry: dict[str, Any]) -> datetime:
    at: datetime = entry["at"]
    return as_utc(at)


def activity(session: Session, *, series_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """Collaboration and the series stage's own events (builds, merges, names), newest first."""
    get_series(session, series_id)
    rows = session.scalars(
        select(SeriesActivity)
        .where(SeriesActivity.series_id == series_id)
        .order_by(SeriesActivity.id.desc())
        .limit(limit)
    )
    feed = [
        {"at": a.at, "actor": a.actor, "action": a.action, "detail": a.detail, "source": "review"}
        for a in rows
    ]
    feed += [
        {**e, "source": "series"} for e in series_events(session, series_id=series_id)[-limit:]
    ]
    feed.sort(key=_when, reverse=True)
    for entry in feed:
        entry.pop("id", None)
    return feed[:limit]
