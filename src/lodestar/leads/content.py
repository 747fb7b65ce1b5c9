"""Everything a lead package says about a lead, gathered once as plain data.

Every package part reads this (and the previews) rather than the store, so parts stay pure
functions of their input: the same content gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar import __version__
from lodestar.access import Actor
from lodestar.leads.events import lead_events
from lodestar.leads.links import lead_clues, lead_series_ids, series_members
from lodestar.leads.queries import clue_dict, show_lead
from lodestar.store import Item, Media, Series
from lodestar.store.lead_models import Lead


def collect(session: Session, *, lead: Lead, actor: Actor, key_id: str) -> dict[str, Any]:
    """Everything the package says about a lead, as plain data (PDF and CASE read this)."""
    series_ids = lead_series_ids(session, lead_id=lead.id)
    members = series_members(session, series_ids=series_ids)
    series_of = {sha: sid for sid, shas in members.items() for sha in shas}
    media = {
        m.sha256: m for m in session.scalars(select(Media).where(Media.sha256.in_(list(series_of))))
    }
    names = _file_names(session, list(series_of))
    reviewed = [e for e in lead_events(session, lead_id=lead.id) if e["action"] == "reviewed"]
    return {
        "lead": show_lead(session, actor=actor, lead_id=lead.id),
        "series": [
            _series_dict(session.get(Series, sid), members[sid], media) for sid in series_ids
        ],
        "media": [
            _media_dict(media[sha], names.get(sha, []), sid)
            for sid, shas in members.items()
            for sha in shas
        ],
        "clues": [clue_dict(c) for c in lead_clues(session, lead_id=lead.id)],
        "reviewed_by": reviewed[-1]["actor"] if reviewed else None,
        "reviewed_at": _iso(reviewed[-1]["at"]) if reviewed else None,
        "created_at": _iso(datetime.now(UTC)),
        "created_by": actor.name,
        "tool_version": __version__,
        "key_id": key_id,
    }


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _file_names(session: Session, shas: list[str]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for start in range(0, len(shas), 500):
        rows = session.execute(
            select(Item.media_sha256, Item.name).where(
                Item.media_sha256.in_(shas[start : start + 500])
            )
        )
        for sha, name in rows:
            if sha is not None:
                out.setdefault(sha, set()).add(name)
    return {sha: sorted(v) for sha, v in out.items()}


def _series_dict(s: Series | None, shas: list[str], media: Mapping[str, Media]) -> dict[str, Any]:
    assert s is not None  # checked when the lead was made; FK keeps it
    cameras = sorted(
        {
            " ".join(p for p in (m.make, m.model) if p) + (f" #{m.serial}" if m.serial else "")
            for sha in shas
            if (m := media[sha]).make or m.model
        }
    )
    times = sorted(t for sha in shas if (t := media[sha].captured_at))
    return {
        "id": s.id,
        "name": s.name,
        "status": s.status,
        "icse_series": s.icse_series,
        "victim_identified": s.victim_identified,
        "offender_identified": s.offender_identified,
        "members": shas,
        "cameras": cameras,
        "first_capture": times[0] if times else None,
        "last_capture": times[-1] if times else None,
    }


def _media_dict(m: Media, names: list[str], series_id: int) -> dict[str, Any]:
    return {
        "sha256": m.sha256,
        "md5": m.md5,
        "sha1": m.sha1,
        "size": m.size,
        "mime": m.mime,
        "kind": m.kind,
        "width": m.width,
        "height": m.height,
        "captured_at": m.captured_at,
        "file_names": names,
        "series_id": series_id,
    }
