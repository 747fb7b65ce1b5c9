"""Reading clues back: per media, per series, text search and places. JSON-able dicts only.

Keyword-only functions on a caller's session (the CLI and the web workbench share them).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analyze.queries import find_media
from lodestar.errors import UserError
from lodestar.series.service import get_series
from lodestar.store import Clue, SeriesMember

IN_BATCH = 500  # IN-list size that every backend takes
SNIPPET = 40  # characters of context either side of a search hit
SEARCH_KINDS: tuple[str, ...] = ("text",)


def clue_as_dict(c: Clue, series_id: int | None = None) -> dict[str, Any]:
    return {
        "id": c.id,
        "media": c.media_sha256,
        "series_id": series_id,
        "kind": c.kind,
        "text": c.text,
        "value": c.value,
        "confidence": c.confidence,
        "position": c.position,
        "stage": c.stage,
        "extractor": c.extractor,
        "extractor_version": c.extractor_version,
        "created_at": c.created_at,
    }


def _series_of(session: Session, shas: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    unique = sorted(set(shas))
    for start in range(0, len(unique), IN_BATCH):
        rows = session.execute(
            select(SeriesMember.media_sha256, SeriesMember.series_id).where(
                SeriesMember.media_sha256.in_(unique[start:start + IN_BATCH])
            )
        )
        out.update({sha: sid for sha, sid in rows})
    return out


def _clues_of(session: Session, shas: Sequence[str], kinds: Sequence[str] | None
              ) -> list[Clue]:
    found: list[Clue] = []
    for start in range(0, len(shas), IN_BATCH):
        query = select(Clue).where(Clue.media_sha256.in_(shas[start:start + IN_BATCH]))
        if kinds:
            query = query.where(Clue.kind.in_(kinds))
        found += session.scalars(query)
    # Media, then where in the media (video position), then the order they were found.
    found.sort(key=lambda c: (c.media_sha256, c.position or 0.0, c.id))
    return found


def clues_for_media(session: Session, *, sha256: str, kinds: Sequence[str] | None = None
                    ) -> list[dict[str, Any]]:
    """Every clue of one media (SHA-256 or a prefix of ≥6 hex digits), optionally by kind."""
    media = find_media(session, sha256)
    series = _series_of(session, [media.sha256]).get(media.sha256)
    return [clue_as_dict(c, series) for c in _clues_of(session, [media.sha256], kinds)]


def clues_for_series(session: Session, *, series_id: int, kinds: Sequence[str] | None = None
                     ) -> list[dict[str, Any]]:
    """Every clue of every member of a series (NotFound for an unknown series)."""
    get_series(session, series_id)
    shas = sorted(session.scalars(
        select(SeriesMember.media_sha256).where(SeriesMember.series_id == series_id)
    ))
    return [clue_as_dict(c, series_id) for c in _clues_of(session, shas, kinds)]


# -- text search ---------------------------------------------------------------------------------
# Folding is done in Python, not SQL: accent-insensitive matching needs PostgreSQL's ``unaccent``
# extension (not always installable) and has no SQLite equivalent, and the same folding must
# give the same answers on both. Clue texts are short; one streamed scan is cheap.


def _fold_char(ch: str) -> str:
    """Case- and accent-folded form of one character (NFKD without combining marks)."""
    return "".join(c for c in unicodedata.normalize("NFKD", ch.casefold())
                   if not unicodedata.combining(c))


def fold(text: str) -> str:
    return "".join(_fold_char(ch) for ch in text)


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of the original one."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        f = _fold_char(ch)
        out.append(f)
        where += [i] * len(f)
    return "".join(out), where


def _snippet(text: str, start: int, end: int) -> str:
    lo, hi = max(0, start - SNIPPET), min(len(text), end + SNIPPET)
    inner = " ".join(text[lo:hi].split())
    return ("…" if lo > 0 else "") + inner + ("…" if hi < len(text) else "")


def _hit(text: str, terms: list[str]) -> tuple[int, int] | None:
    """Span (in ``text``) of the first term when every term occurs, else None."""
    folded, where = _folded_with_map(text)
    spans = []
    for term in terms:
        at = folded.find(term)
        if at < 0:
            return None
        spans.append((where[at], where[at + len(term) - 1] + 1))
    return min(spans)


def _matches(session: Session, kinds: Sequence[str], terms: list[str], limit: int
             ) -> list[tuple[Clue, tuple[int, int]]]:
    query = select(Clue).where(Clue.kind.in_(kinds)).order_by(Clue.media_sha256, Clue.id)
    rows = session.scalars(query.execution_options(yield_per=1000))  # streamed
    hits: list[tuple[Clue, tuple[int, int]]] = []
    try:
        for clue in rows:
            span = _hit(clue.text or "", terms)
            if span is not None:
                hits.append((clue, span))
                if len(hits) >= limit:
                    break
    finally:
        rows.close()  # a server-side cursor on PostgreSQL: free it before the next query
    return hits


def search_text(session: Session, *, query: str, limit: int = 50,
                kinds: Sequence[str] = SEARCH_KINDS) -> list[dict[str, Any]]:
    """Clues whose text holds every word of ``query``, ignoring case and accents.

    ``"farmacia"`` finds "Farmácia"; ``"rua catarina"`` finds "Rua de Santa Catarina".
    """
    terms = fold(query).split()
    if not terms:
        raise UserError("give some text to search for")
    if limit < 1:
        raise UserError(f"limit must be at least 1, not {limit}")
    hits = _matches(session, kinds, terms, limit)
    series = _series_of(session, [c.media_sha256 for c, _ in hits])
    return [
        {
            "clue_id": c.id,
            "media": c.media_sha256,
            "series_id": series.get(c.media_sha256),
            "kind": c.kind,
            "text": c.text,
            "snippet": _snippet(c.text, *span),
            "language": (c.value or {}).get("language"),
            "confidence": c.confidence,
            "position": c.position,
        }
        for c, span in hits
    ]


# -- places --------------------------------------------------------------------------------------


def places(session: Session) -> list[dict[str, Any]]:
    """Every place clue with coordinates, its media and series (by series, media, position)."""
    rows = list(session.scalars(select(Clue).where(Clue.kind == "place")))
    series = _series_of(session, [c.media_sha256 for c in rows])
    out = []
    for c in rows:
        v = c.value or {}
        if v.get("lat") is None or v.get("lon") is None:
            continue  # a place without its fix cannot go on a map
        out.append({
            "clue_id": c.id,
            "media": c.media_sha256,
            "series_id": series.get(c.media_sha256),
            "lat": v["lat"],
            "lon": v["lon"],
            "country_code": v.get("country_code"),
            "country": v.get("country"),
            "region": v.get("region"),
            "town": v.get("town"),
            "distance_km": v.get("distance_km"),
            "confidence": c.confidence,
            "position": c.position,
        })
    out.sort(key=lambda p: (p["series_id"] is None, p["series_id"] or 0, p["media"],
                            p["position"] or 0.0, p["clue_id"]))
    return out
