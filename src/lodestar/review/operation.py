"""Read-side services for the workbench: dashboard figures, media facts and hash search.

Every function takes the caller's agency scope (None = whole operation) so a liaison's
view is filtered in SQL, not after the fact.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from lodestar.analyze.queries import media_as_dict
from lodestar.errors import NotFound, UserError
from lodestar.match.matching import matches_for
from lodestar.review import readcache
from lodestar.store import (
    HashSet,
    HashSetEntry,
    Item,
    Match,
    Media,
    MediaLink,
    ProcessingWarning,
    SeriesMember,
    Source,
)

HASH_KINDS = {32: "md5", 40: "sha1", 64: "sha256"}


def _in_scope(query: Any, scope: str | None) -> Any:  # any Select; typed loosely for 2.x
    return query if scope is None else query.where(Source.agency == scope)


def _scoped_media(scope: str) -> Any:
    """Media with an item from a source of this agency (a subquery)."""
    return (
        select(Item.media_sha256)
        .join(Source, Source.id == Item.source_id)
        .where(Source.agency == scope, Item.media_sha256.is_not(None))
    )


def _unique_media(session: Session, scope: str | None) -> int:
    if scope is None:  # every item has a source: no join needed
        query = select(func.count(func.distinct(Item.media_sha256)))
    else:
        query = select(func.count(func.distinct(Item.media_sha256))).where(
            Item.media_sha256.in_(_scoped_media(scope))
        )
    return session.scalar(query) or 0


def summary(session: Session, *, scope: str | None) -> dict[str, Any]:
    """Operation figures, cached per scope until the pipeline writes (``readcache``)."""
    return readcache.cached(session, "summary", scope, lambda: _summary(session, scope=scope))


def _summary(session: Session, *, scope: str | None) -> dict[str, Any]:
    sources = session.execute(
        _in_scope(
            select(Source.id, Source.label, Source.agency, Source.status, func.count(Item.id))
            .join(Item, Item.source_id == Source.id, isouter=True)
            .group_by(Source.id)
            .order_by(Source.id),
            scope,
        )
    ).all()
    unique_media = _unique_media(session, scope)
    matched_query = (
        select(HashSet.known_ignorable, func.count(func.distinct(Match.media_sha256)))
        .join(HashSet, HashSet.id == Match.set_id)
        .group_by(HashSet.known_ignorable)
    )
    if scope is not None:  # unscoped, every matched media is in the operation: no filter
        matched_query = matched_query.where(Match.media_sha256.in_(_scoped_media(scope)))
    matched = session.execute(matched_query).all()
    by_known = {bool(k): n for k, n in matched}
    warnings: dict[str, int] = dict(
        session.execute(
            _in_scope(
                select(ProcessingWarning.code, func.count())
                .join(Source, Source.id == ProcessingWarning.source_id)
                .group_by(ProcessingWarning.code),
                scope,
            )
        ).all()
    )
    return {
        "scope": scope,
        "sources": [
            {"id": i, "label": label, "agency": agency, "status": status, "files": files}
            for i, label, agency, status, files in sources
        ],
        "files": sum(r[4] for r in sources),
        "unique_media": unique_media,
        "media_matching_known_sets": by_known.get(False, 0),
        "media_known_ignorable": by_known.get(True, 0),
        "warnings": sum(warnings.values()),
        "warnings_by_code": warnings,
    }


def visible(session: Session, *, sha256: str, scope: str | None) -> bool:
    query = (
        select(Item.id).join(Source, Source.id == Item.source_id).where(Item.media_sha256 == sha256)
    )
    return bool(session.scalar(select(exists(_in_scope(query, scope)))))


def get_visible_media(session: Session, *, sha256: str, scope: str | None) -> Media:
    """A media the caller may see, else NotFound (never "forbidden": that would confirm it)."""
    sha256 = sha256.strip().lower()
    media = session.get(Media, sha256) if len(sha256) == 64 else None
    if media is None or (scope is not None and not visible(session, sha256=sha256, scope=scope)):
        raise NotFound("no such media", detail={"media": sha256})
    return media


def media_detail(session: Session, *, sha256: str, scope: str | None) -> dict[str, Any]:
    media = get_visible_media(session, sha256=sha256, scope=scope)
    out = media_as_dict(media, with_items=True)
    out.pop("thumb", None)  # a workspace path: the API only gives URLs
    out["has_thumb"] = media.thumb is not None
    if scope is not None:
        out["items"] = [i for i in out["items"] if i["agency"] == scope]
    matches = matches_for(session, media.sha256)
    out["matches_total"] = matches.total  # the lists below are capped, closest first
    out["known_matches"] = [m for m in matches if "set" in m]
    out["near_duplicates"] = [
        m
        for m in matches
        if m.get("other_sha256")
        and (scope is None or visible(session, sha256=m["other_sha256"], scope=scope))
    ]
    out["warnings"] = [
        {"stage": w.stage, "code": w.code, "reason": w.reason}
        for w in session.scalars(
            select(ProcessingWarning).where(ProcessingWarning.media_sha256 == media.sha256)
        )
    ]
    return out


def search_hash(session: Session, *, value: str, scope: str | None) -> dict[str, Any]:
    value = value.strip().lower()
    kind = HASH_KINDS.get(len(value))
    if kind is None or any(c not in "0123456789abcdef" for c in value):
        raise UserError(
            "give an MD5 (32), SHA-1 (40) or SHA-256 (64) in hex", detail={"query": value}
        )
    query = select(Media).where(getattr(Media, kind) == value).order_by(Media.sha256)
    if scope is not None:
        scoped = select(Item.media_sha256).join(Source, Source.id == Item.source_id)
        query = query.where(Media.sha256.in_(_in_scope(scoped, scope)))
    media = [
        {"sha256": m.sha256, "kind": m.kind, "mime": m.mime, "size": m.size}
        for m in session.scalars(query.limit(50))
    ]
    entries = session.execute(
        select(HashSetEntry, HashSet.name)
        .join(HashSet, HashSet.id == HashSetEntry.set_id)
        .where(getattr(HashSetEntry, kind) == value)
        .limit(50)
    ).all()
    known = [
        {"set": name, "record_no": e.record_no, "category": e.category, "series": e.series}
        for e, name in entries
    ]
    return {"kind": kind, "value": value, "media": media, "known": known}


def similar_media(session: Session, *, sha256: str, scope: str | None) -> list[dict[str, Any]]:
    """Media linked to this one (near-duplicate, same scene, camera, folder …), best first,
    merged with perceptual near-duplicate matches; only media the caller may see."""
    media = get_visible_media(session, sha256=sha256, scope=scope)
    best: dict[str, dict[str, Any]] = {}
    links = session.scalars(
        select(MediaLink).where(
            (MediaLink.a_sha256 == media.sha256) | (MediaLink.b_sha256 == media.sha256)
        )
    )
    for link in links:
        other = link.b_sha256 if link.a_sha256 == media.sha256 else link.a_sha256
        entry = best.setdefault(other, {"sha256": other, "score": 0.0, "why": []})
        entry["score"] = max(entry["score"], link.score)
        entry["why"].append(f"{link.kind} ({link.strength}, {link.score:.2f})")
    for m in matches_for(session, media.sha256):
        near = m.get("other_sha256")
        if near:
            entry = best.setdefault(near, {"sha256": near, "score": 0.0, "why": []})
            entry["score"] = max(entry["score"], 1.0)
            entry["why"].append(f"{m['method']} distance {m['distance']}")
    rows = [
        e
        for e in best.values()
        if scope is None or visible(session, sha256=e["sha256"], scope=scope)
    ]
    series = dict(
        session.execute(
            select(SeriesMember.media_sha256, SeriesMember.series_id).where(
                SeriesMember.media_sha256.in_([r["sha256"] for r in rows])
            )
        ).all()
    )
    for r in rows:
        r["series_id"] = series.get(r["sha256"])
    return sorted(rows, key=lambda r: (-r["score"], r["sha256"]))[:100]
