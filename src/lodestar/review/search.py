"""Search beyond hashes: text read in images, camera serials, places (clue text), agency-scoped.

TODO(clues.queries): use ``lodestar.clues.queries.search_text`` / ``places`` once they land.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lodestar.errors import UserError
from lodestar.review.series_read import visible_shas
from lodestar.store import Clue, Media, SeriesMember

SEARCH_KINDS = ("hash", "text", "serial", "place")
_CLUE_KINDS = {"text": ("text",), "serial": ("camera_serial", "lens_serial"), "place": ("place",)}
LIMIT = 200


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_clues(session: Session, *, kind: str, q: str, scope: str | None) -> dict[str, Any]:
    """Clues of ``kind`` whose text contains ``q`` (case-insensitive), one row per media."""
    if kind not in _CLUE_KINDS:
        raise UserError(f"search kind must be one of {', '.join(SEARCH_KINDS)}")
    q = q.strip()
    if len(q) < 2:
        raise UserError("give at least two characters", detail={"query": q})
    pattern = _like(q)
    query = (
        select(Clue, SeriesMember.series_id)
        .join(SeriesMember, SeriesMember.media_sha256 == Clue.media_sha256, isouter=True)
        .where(Clue.kind.in_(_CLUE_KINDS[kind]), Clue.text.ilike(pattern, escape="\\"))
        .order_by(Clue.confidence.desc(), Clue.id)
        .limit(LIMIT * 4)
    )
    visible = visible_shas(session, scope=scope)
    hits: dict[str, dict[str, Any]] = {}
    for clue, series_id in session.execute(query):
        if visible is not None and clue.media_sha256 not in visible:
            continue
        hit = hits.setdefault(
            clue.media_sha256,
            {"sha256": clue.media_sha256, "series_id": series_id, "matches": []},
        )
        if len(hit["matches"]) < 5:
            hit["matches"].append({"kind": clue.kind, "text": clue.text, "position": clue.position})
    if kind == "serial":
        _serials_from_media(session, pattern, visible, hits)
    return {"kind": kind, "value": q, "media": list(hits.values())[:LIMIT]}


def _serials_from_media(
    session: Session, pattern: str, visible: set[str] | None, hits: dict[str, dict[str, Any]]
) -> None:
    """The fast pass's EXIF serial, for media the deep pass has not reached yet."""
    rows = session.execute(
        select(Media.sha256, Media.serial, SeriesMember.series_id)
        .join(SeriesMember, SeriesMember.media_sha256 == Media.sha256, isouter=True)
        .where(or_(Media.serial.ilike(pattern, escape="\\")))
        .limit(LIMIT)
    )
    for sha, serial, series_id in rows:
        if (visible is None or sha in visible) and sha not in hits:
            hits[sha] = {
                "sha256": sha,
                "series_id": series_id,
                "matches": [{"kind": "exif_serial", "text": serial, "position": None}],
            }
