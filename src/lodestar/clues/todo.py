"""Which media still miss which extractors, most important first.

Images and videos that are not known-ignorable (no match to an NSRL-like set). New material
comes first (no match to any known set), then media in larger series, then by SHA-256 — so a
pass cut short has looked at what matters most. An extractor is missing on a media when the
media's kind is one it accepts and no run of it at its current version is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.clues.base import ClueExtractor
from lodestar.store import ClueRun, HashSet, Match, Media
from lodestar.store.series_models import SeriesMember


@dataclass(frozen=True)
class Todo:
    sha256: str
    kind: str
    extractors: tuple[str, ...]  # names, in run order


def todo(session: Session, extractors: list[ClueExtractor]) -> tuple[list[Todo], int]:
    """Media missing at least one of ``extractors`` (in run order), in priority order, and
    how many known-ignorable media were skipped."""
    ignorable = set(
        session.scalars(
            select(Match.media_sha256)
            .join(HashSet, HashSet.id == Match.set_id)
            .where(HashSet.known_ignorable.is_(True))
        )
    )
    known = set(session.scalars(select(Match.media_sha256).where(Match.set_id.is_not(None))))
    sizes = _series_sizes(session)
    done: dict[str, set[tuple[str, str]]] = {}
    for sha, name, version in session.execute(
        select(ClueRun.media_sha256, ClueRun.extractor, ClueRun.extractor_version)
    ):
        done.setdefault(sha, set()).add((name, version))
    media = session.execute(
        select(Media.sha256, Media.kind).where(Media.kind.in_(("image", "video")))
    ).all()
    out = []
    for sha, kind in media:
        if sha in ignorable:
            continue
        have = done.get(sha, set())
        missing = tuple(
            e.name for e in extractors if kind in e.accepts and (e.name, e.version) not in have
        )
        if missing:
            out.append(Todo(sha, kind, missing))
    skipped = sum(1 for sha, _ in media if sha in ignorable)
    out.sort(key=lambda t: (t.sha256 in known, -sizes.get(t.sha256, 0), t.sha256))
    return out, skipped


def _series_sizes(session: Session) -> dict[str, int]:
    counts = dict(
        session.execute(
            select(SeriesMember.series_id, func.count()).group_by(SeriesMember.series_id)
        ).all()
    )
    return {
        sha: counts.get(series_id, 0)
        for sha, series_id in session.execute(
            select(SeriesMember.media_sha256, SeriesMember.series_id)
        )
    }
