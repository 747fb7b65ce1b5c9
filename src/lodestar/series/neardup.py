"""Near-duplicate links: the match stage's media ↔ media matches, plus rotated/mirrored copies.

The match stage stores PDQ (radius 31), vPDQ and any verified near-duplicates as ``media:``
matches; each becomes a strong link. It does not store rotated or mirrored copies, so this
builder adds them from the stored PDQ hashes: PDQ's bits are signs of 16×16 DCT coefficients,
and a transpose or mirror of the image transposes the coefficient grid or negates its odd rows
or columns. Applying that to the *hash* (hand-written: no library offers it, and re-decoding
evidence here would tie series building to evidence access) lands within 0–20 bits of the
transformed image's own PDQ (measured on the demo scenes), hence the wider radius.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, ClassVar

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analyze.signals.pdq import DIHEDRAL_NAMES, DIHEDRAL_OPS, QUALITY_THRESHOLD
from lodestar.match.index import PdqIndex
from lodestar.series.base import Link, Strength, link_builders, only_touching
from lodestar.store import Match, Media, Signal

DIHEDRAL_RADIUS = 36
# The image operations of the PDQ dihedral variants, applied to the hash's DCT instead: a
# transposed image transposes the DCT, a mirrored one negates its odd rows/columns (checked on
# the demo scenes' 8 transformed images).
_HASH_OPS = DIHEDRAL_OPS
_I, _J = np.indices((16, 16))


def hash_dihedral(value: str) -> list[str]:
    """The 8 hash-domain dihedral variants of a PDQ hex hash (order: DIHEDRAL_NAMES)."""
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(value), dtype=np.uint8)).reshape(16, 16)
    out = []
    for transpose, rows, cols in _HASH_OPS:
        grid = bits.T if transpose else bits
        if rows:
            grid = np.where(_I % 2 == 1, 1 - grid, grid)
        if cols:
            grid = np.where(_J % 2 == 1, 1 - grid, grid)
        out.append(np.packbits(grid.astype(np.uint8).reshape(-1)).tobytes().hex())
    return out


def _score(method: str, distance: int) -> float:
    if method == "vpdq":  # distance = 100 − % of frames matched
        return max(0.0, min(1.0, (100 - distance) / 100))
    return max(0.0, min(1.0, 1 - distance / 64))  # PDQ: 0 bits → 1.0, 31 bits → 0.52


class NearDupLinks:
    name: ClassVar[str] = "near-dup"
    version: ClassVar[str] = "1"
    strengths: ClassVar[tuple[Strength, ...]] = ("strong",)
    dihedral_radius: int = DIHEDRAL_RADIUS

    def build(self, session: Session, *, media: Collection[str] | None = None) -> Iterable[Link]:
        found: dict[tuple[str, str], Link] = {}
        for link in (*self._matched(session, media), *self._dihedral(session, media)):
            best = found.get(link.pair)
            if best is None or link.score > best.score:
                found[link.pair] = link
        return [found[p] for p in sorted(found)]

    def _matched(self, session: Session, media: Collection[str] | None) -> Iterable[Link]:
        query = select(Match.media_sha256, Match.other_sha256, Match.method, Match.distance).where(
            Match.other_sha256.is_not(None)
        )
        rows = session.execute(query.order_by(Match.media_sha256, Match.other_sha256))
        links = (
            self._link(a, b, method, dist, {})
            for a, b, method, dist in rows
            if b is not None and a != b
        )
        return only_touching(links, media)

    def _link(self, a: str, b: str, method: str, dist: int, extra: dict[str, Any]) -> Link:
        evidence = {"method": method, "distance": dist} | extra
        return Link(a, b, self.name, round(_score(method, dist), 4), "strong", evidence)

    def _dihedral(self, session: Session, media: Collection[str] | None) -> Iterable[Link]:
        rows = session.execute(
            select(Signal.media_sha256, Signal.value)
            .join(Media, Media.sha256 == Signal.media_sha256)
            .where(Signal.type == "pdq", Signal.quality >= QUALITY_THRESHOLD)
            .where(Media.kind == "image")
            .order_by(Signal.media_sha256)
        ).all()
        if len(rows) < 2:
            return []
        shas = [r[0] for r in rows]
        index = PdqIndex()
        index.add(np.arange(len(rows), dtype=np.int64), [r[1] for r in rows])
        wanted = set(media) if media is not None else None
        links = []
        for sha, value in rows:
            variants = hash_dihedral(value)[1:]  # the plain hash is the match stage's job
            hits = index.range_search(variants, self.dihedral_radius)
            for name, found in zip(DIHEDRAL_NAMES[1:], hits, strict=True):
                for j, dist in found:
                    other = shas[int(j)]
                    if other == sha or (wanted is not None and not {sha, other} & wanted):
                        continue
                    extra = {"transform": name, "of": sha}
                    links.append(self._link(sha, other, "pdq-dihedral", int(dist), extra))
        return links


near_dup_links = link_builders.register(NearDupLinks())
