"""Perceptual matching: PDQ near-duplicates against imported sets and inside the workspace.

The workspace's PDQ signals (quality ≥ 50 only) live in a :class:`PdqIndex` under
``derived/pdq-index.npz``, brought up to date incrementally (rows with a signal id above the
index's ``max_id``). Set entries that carry a PDQ (VICS ``AlternativeHashes``) are queried
against it, and every indexed hash against the index itself for near-duplicate stacks.
Matches are stored like exact ones, with method ``pdq`` and the Hamming distance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analyze.hashing import digest_bytes
from lodestar.analyze.identify import identify
from lodestar.analyze.signals.pdq import (
    QUALITY_THRESHOLD,
    decode_for_pdq,
    pdq_dihedral_from_decoded,
)
from lodestar.match.features import features_from_bytes
from lodestar.match.index import PdqIndex
from lodestar.match.local import feature_index
from lodestar.match.video import similar_videos
from lodestar.store import HashSet, HashSetEntry, Match, Media, Signal
from lodestar.store.bulk import insert_ignore

INDEX_NAME = "pdq-index.npz"
DEFAULT_RADIUS = 31
QUERY_BATCH = 2000


def update_index(session: Session, derived: Path) -> PdqIndex:
    """Add every usable PDQ signal not yet indexed; save the index."""
    index = PdqIndex.open(derived / INDEX_NAME)
    rows = session.execute(
        select(Signal.id, Signal.value)
        .where(Signal.type == "pdq", Signal.id > index.max_id)
        .where(Signal.quality >= QUALITY_THRESHOLD)
        .order_by(Signal.id)
    ).all()
    if rows:
        index.add(np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows])
        index.save()
    return index


def _signal_media(session: Session) -> dict[int, str]:
    rows = session.execute(select(Signal.id, Signal.media_sha256).where(Signal.type == "pdq"))
    return {sid: sha for sid, sha in rows}


def match_perceptual(session: Session, derived: Path, radius: int = DEFAULT_RADIUS) -> int:
    """Bring the index up to date, then match sets and the workspace against it; returns the
    number of indexed hashes."""
    index = update_index(session, derived)
    media = _signal_media(session)  # signal id → media, loaded once for both passes
    _match_sets(session, index, media, radius)
    _match_neardups(session, index, media, radius)
    return len(index)


def _match_sets(session: Session, index: PdqIndex, media: dict[int, str], radius: int) -> None:
    """Match set entries that carry a PDQ against the workspace's PDQ index."""
    entries = session.execute(
        select(HashSetEntry.id, HashSetEntry.set_id, HashSetEntry.pdq).where(
            HashSetEntry.pdq.is_not(None)
        )
    ).all()
    for start in range(0, len(entries), QUERY_BATCH):
        batch = entries[start : start + QUERY_BATCH]
        hits = index.range_search([e.pdq for e in batch], radius)
        rows = [
            {
                "media_sha256": media[sid],
                "key": f"entry:{e.id}",
                "entry_id": e.id,
                "set_id": e.set_id,
                "method": "pdq",
                "distance": dist,
            }
            for e, found in zip(batch, hits, strict=True)
            for sid, dist in found
        ]
        insert_ignore(session, Match, rows)


def _match_neardups(session: Session, index: PdqIndex, media: dict[int, str], radius: int) -> None:
    """Pairs of distinct media whose PDQs are within ``radius``, stored both ways."""
    ids = index.ids.tolist()
    hashes = index.hashes()
    for start in range(0, len(ids), QUERY_BATCH):
        hits = index.range_search(hashes[start : start + QUERY_BATCH], radius)
        rows: list[dict[str, Any]] = []
        for sid, found in zip(ids[start : start + QUERY_BATCH], hits, strict=True):
            me = media[sid]
            rows += [
                {
                    "media_sha256": me,
                    "key": f"media:{media[other]}",
                    "other_sha256": media[other],
                    "method": "pdq",
                    "distance": dist,
                }
                for other, dist in found
                if media[other] != me
            ]
        insert_ignore(session, Match, rows)


def similar_to(
    session: Session, derived: Path, data: bytes, *, radius: int = DEFAULT_RADIUS
) -> dict[str, Any]:
    """Media and set entries near an outside image (all 8 rotations/flips), plus exact hits."""
    digests = digest_bytes(data)
    out: dict[str, Any] = {"sha256": digests.sha256, "md5": digests.md5, "sha1": digests.sha1}
    out["exact_media"] = session.scalars(
        select(Media.sha256).where(Media.sha256 == digests.sha256)
    ).all()
    out["exact_entries"] = _exact_entries(session, digests.md5, digests.sha1, digests.sha256)
    if identify(data[:8192])[1] == "video":
        out["pdq"], out["near_media"], out["near_entries"] = None, [], []
        out["near_videos"] = similar_videos(session, data)
        return out
    variants = pdq_dihedral_from_decoded(decode_for_pdq(data))
    out["pdq"] = variants[0] if variants else None
    if not variants:
        out["near_media"], out["near_entries"] = [], []
        return out
    index = update_index(session, derived)
    media = _signal_media(session)
    best: dict[str, int] = {}
    for found in index.range_search(variants, radius):
        for sid, dist in found:
            best[media[sid]] = min(dist, best.get(media[sid], 256))
    out["near_media"] = [{"sha256": k, "distance": d} for k, d in sorted(best.items(), key=_by_d)]
    out["near_entries"] = _near_entries(session, variants, radius)
    out["local_media"] = _local_matches(session, derived, data)
    return out


def _local_matches(session: Session, derived: Path, data: bytes) -> list[dict[str, Any]]:
    """Workspace images that local features verify as edited copies (crops, small rotations,
    frames, caption bands) — what PDQ misses."""
    shas = list(session.scalars(select(Media.sha256).where(Media.kind == "image")))
    index, order = feature_index(derived, shas)
    if not len(index):
        return []
    query = features_from_bytes(data)
    return [{"sha256": order[i], **v.as_detail()} for i, v in index.search(query)]


def _by_d(item: tuple[Any, int]) -> tuple[int, Any]:
    return item[1], item[0]


def _exact_entries(session: Session, md5: str, sha1: str, sha256: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(HashSetEntry.id, HashSet.name, HashSetEntry.category, HashSetEntry.series)
        .join(HashSet, HashSet.id == HashSetEntry.set_id)
        .where(
            (HashSetEntry.md5 == md5)
            | (HashSetEntry.sha1 == sha1)
            | (HashSetEntry.sha256 == sha256)
        )
    ).all()
    return [{"entry_id": r[0], "set": r[1], "category": r[2], "series": r[3]} for r in rows]


def _near_entries(session: Session, variants: list[str], radius: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(HashSetEntry.id, HashSetEntry.pdq, HashSet.name, HashSetEntry.series)
        .join(HashSet, HashSet.id == HashSetEntry.set_id)
        .where(HashSetEntry.pdq.is_not(None))
    ).all()
    if not rows:
        return []
    entries = PdqIndex()  # in memory: sets carrying PDQ are small next to the workspace
    entries.add(np.array([r[0] for r in rows], dtype=np.int64), [str(r[1]) for r in rows])
    meta = {r[0]: r for r in rows}
    best: dict[int, int] = {}
    for found in entries.range_search(variants, radius):
        for eid, dist in found:
            best[eid] = min(dist, best.get(eid, 256))
    return [
        {"entry_id": eid, "set": meta[eid][2], "series": meta[eid][3], "distance": d}
        for eid, d in sorted(best.items(), key=_by_d)
    ]
