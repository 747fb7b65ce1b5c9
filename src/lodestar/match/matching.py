"""Matching media against imported sets and each other; matches are stored with provenance.

Exact matching is set-based SQL (one INSERT … SELECT per digest kind), so it costs the same
whether a set holds a thousand or ten million entries. Re-running inserts nothing twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lodestar.store import HashSet, HashSetEntry, Match, Media

EXACT_KINDS = ("sha256", "sha1", "md5")  # strongest first: a pair keeps the first method found


def count_matches(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Match)) or 0


def match_exact(session: Session) -> int:
    """Store a match for every media whose MD5, SHA-1 or SHA-256 is in an imported set."""
    before = session.scalar(select(func.count()).select_from(Match)) or 0
    for kind in EXACT_KINDS:
        media_col = getattr(Media, kind)
        entry_col = getattr(HashSetEntry, kind)
        query = select(
            Media.sha256,
            literal("entry:") + cast(HashSetEntry.id, String),
            HashSetEntry.id,
            HashSetEntry.set_id,
            literal(kind),
            literal(0),
        ).join(HashSetEntry, entry_col == media_col)
        _insert_ignore_from(session, query)
    after = session.scalar(select(func.count()).select_from(Match)) or 0
    return after - before


def _insert_ignore_from(session: Session, query: Any) -> None:
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    cols = ["media_sha256", "key", "entry_id", "set_id", "method", "distance"]
    stmt = module.insert(Match).from_select(cols, query).on_conflict_do_nothing()
    session.execute(stmt)


# The most matches of one media a view is given, of each kind: matches to set entries, and
# near-duplicate media of the workspace. A media can match thousands of entries (a set listing
# one digest under many names, sets imported before repeats were dropped); the closest come
# first and the rest is counted, so a media page stays small. Each kind has its own cap so
# that many set matches never push the near-duplicates out of the view.
MATCHES_LIMIT = 200


class MatchList(list[dict[str, Any]]):
    """The first matches of one media (a plain list to callers), with the count of all."""

    def __init__(self, rows: list[dict[str, Any]], total: int) -> None:
        super().__init__(rows)
        self.total = max(total, len(rows))

    @property
    def more(self) -> int:
        """How many matches were left out ("and N more")."""
        return self.total - len(self)


def matches_for(session: Session, sha256: str, *, limit: int | None = MATCHES_LIMIT) -> MatchList:
    """The stored matches of one media, closest first, with set, category, series and
    identified flags: at most ``limit`` set matches and ``limit`` near-duplicate media (None:
    all); ``.total`` counts every match and ``.more`` those left out."""
    query = (
        select(Match, HashSetEntry, HashSet)
        .join(HashSetEntry, HashSetEntry.id == Match.entry_id, isouter=True)
        .join(HashSet, HashSet.id == Match.set_id, isouter=True)
        .where(Match.media_sha256 == sha256)
        .order_by(Match.distance, Match.id)
    )
    if limit is None:
        found = list(session.execute(query))
    else:
        to_sets = list(session.execute(query.where(Match.entry_id.is_not(None)).limit(limit)))
        to_media = list(session.execute(query.where(Match.entry_id.is_(None)).limit(limit)))
        found = sorted(to_sets + to_media, key=lambda r: (r[0].distance, r[0].id))
    out = []
    for m, e, hs in found:
        row: dict[str, Any] = {"method": m.method, "distance": m.distance}
        if e is not None and hs is not None:
            row |= {
                "set": hs.name,
                "set_id": hs.id,
                "known_ignorable": hs.known_ignorable,
                "record_no": e.record_no,
                "media_id": e.media_id,
                "category": e.category,
                "category_raw": e.category_raw,
                "series": e.series,
                "victim_identified": e.victim_identified,
                "offender_identified": e.offender_identified,
            }
        else:
            row["other_sha256"] = m.other_sha256
        out.append(row)
    if limit is None or len(out) < limit:
        return MatchList(out, len(out))  # neither kind can have been cut
    total = session.scalar(
        select(func.count()).select_from(Match).where(Match.media_sha256 == sha256)
    )
    return MatchList(out, total or 0)


def match_summary(session: Session) -> dict[str, Any]:
    by_set = dict(
        session.execute(
            select(HashSet.name, func.count(func.distinct(Match.media_sha256)))
            .join(HashSet, HashSet.id == Match.set_id)
            .group_by(HashSet.name)
        ).all()
    )
    known = session.scalar(
        select(func.count(func.distinct(Match.media_sha256)))
        .join(HashSet, HashSet.id == Match.set_id)
        .where(HashSet.known_ignorable.is_(True))
    )
    identified = session.scalar(
        select(func.count(func.distinct(Match.media_sha256)))
        .join(HashSetEntry, HashSetEntry.id == Match.entry_id)
        .where(
            (HashSetEntry.victim_identified.is_(True))
            | (HashSetEntry.offender_identified.is_(True))
        )
    )
    neardup_pairs = session.scalar(
        select(func.count()).select_from(Match).where(Match.other_sha256.is_not(None))
    )
    return {
        "media_matched_by_set": by_set,
        "workspace_near_duplicate_pairs": (neardup_pairs or 0) // 2,
        "known_ignorable_media": known or 0,
        "media_in_identified_series": identified or 0,
    }
