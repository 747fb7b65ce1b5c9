"""Read-side services: status figures, media and warnings listings (CLI and web share them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.errors import NotFound, UserError
from lodestar.store import Item, Media, ProcessingWarning, Source


def status(session: Session) -> dict[str, Any]:
    files, item_bytes = session.execute(
        select(func.count(Item.id), func.coalesce(func.sum(Item.size), 0))
    ).one()
    media, media_bytes = session.execute(
        select(func.count(Media.sha256), func.coalesce(func.sum(Media.size), 0))
    ).one()
    by_kind = dict(session.execute(select(Media.kind, func.count()).group_by(Media.kind)).all())
    video_s = session.scalar(
        select(func.coalesce(func.sum(Media.duration_s), 0.0)).where(Media.kind == "video")
    )
    warn_by_code = dict(
        session.execute(
            select(ProcessingWarning.code, func.count()).group_by(ProcessingWarning.code)
        ).all()
    )
    sources = dict(
        session.execute(select(Source.status, func.count()).group_by(Source.status)).all()
    )
    return {
        "sources": sum(sources.values()),
        "sources_by_status": sources,
        "files": files,
        "bytes": int(item_bytes),
        "unique_media": media,
        "unique_bytes": int(media_bytes),
        "duplicate_files": _duplicate_items(session),
        "media_by_kind": by_kind,
        "video_hours": round(float(video_s or 0.0) / 3600, 4),
        "warnings": sum(warn_by_code.values()),
        "warnings_by_code": warn_by_code,
    }


def _duplicate_items(session: Session) -> int:
    """Items whose content already occurs in an earlier item (any source)."""
    hashed, distinct = session.execute(
        select(func.count(Item.media_sha256), func.count(func.distinct(Item.media_sha256)))
    ).one()
    return int(hashed) - int(distinct)


def media_as_dict(m: Media, *, with_items: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        col.name: getattr(m, col.name) for col in Media.__table__.columns if col.name != "exif"
    }
    if with_items:
        out["exif"] = m.exif
        out["items"] = [
            {
                "source_id": i.source_id,
                "source": i.source.label,
                "agency": i.source.agency,
                "path_spec": i.path_spec,
                "size": i.size,
                "mtime": i.mtime,
                "in_archive": i.in_archive,
            }
            for i in m.items
        ]
    return out


def list_media(
    session: Session, *, kind: str | None = None, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    query = select(Media).order_by(Media.sha256).offset(offset)
    if kind:
        query = query.where(Media.kind == kind)
    if limit is not None:
        query = query.limit(limit)
    counts = dict(
        session.execute(select(Item.media_sha256, func.count()).group_by(Item.media_sha256)).all()
    )
    return [
        media_as_dict(m) | {"occurrences": counts.get(m.sha256, 0)} for m in session.scalars(query)
    ]


def find_media(session: Session, ref: str) -> Media:
    ref = ref.strip().lower()
    if len(ref) < 6 or any(c not in "0123456789abcdef" for c in ref):
        raise UserError(f"{ref!r} is not a SHA-256 (or a prefix of at least 6 hex digits)")
    matches = list(session.scalars(select(Media).where(Media.sha256.startswith(ref)).limit(2)))
    if not matches:
        raise NotFound(f"no media with SHA-256 {ref}", detail={"sha256": ref})
    if len(matches) > 1:
        raise UserError(f"SHA-256 prefix {ref} is ambiguous; give more digits")
    return matches[0]


def list_warnings(
    session: Session, *, code: str | None = None, stage: str | None = None
) -> list[dict[str, Any]]:
    query = select(ProcessingWarning, Source.label).join(
        Source, Source.id == ProcessingWarning.source_id, isouter=True
    )
    if code:
        query = query.where(ProcessingWarning.code == code)
    if stage:
        query = query.where(ProcessingWarning.stage == stage)
    query = query.order_by(ProcessingWarning.source_id, ProcessingWarning.path_spec)
    return [
        {
            "source_id": w.source_id,
            "source": label,
            "path_spec": w.path_spec,
            "media_sha256": w.media_sha256,
            "stage": w.stage,
            "code": w.code,
            "reason": w.reason,
        }
        for w, label in session.execute(query)
    ]
