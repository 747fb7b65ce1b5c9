"""Same-scene links: local features (ORB) verified by one similarity transform.

Series are one room shot under camera moves, crops and screenshots; a global hash (PDQ) loses
the picture once it is cropped hard or framed in a screen. This builder reads the features the
match stage stored (``derived/features/…``, :mod:`lodestar.match.local`), shortlists candidates
by nearest-descriptor votes in one faiss index (:class:`lodestar.match.features.FeatureIndex`:
each image asks for its :data:`~lodestar.match.features.SHORTLIST` most-voted others, so the
cost grows with the collection, not with its square) and verifies each candidate pair once.

Rooms of *different* series may share an object (the same poster or shelf sprite): keypoints
on it agree on one transform too. Two measures of the verification tell the cases apart
(measured on the ``small`` demo, see ``benchmarks/series.py``):

- ``agreement``: the share of textured blocks that match once the pictures are aligned — a
  shared poster covers a few blocks, the same room most of the overlap;
- ``share``: inliers / ratio-test matches — in another room most matches are chance and miss
  the poster's transform;
- ``cover``: the area of the inliers' convex hull over the picture's area, the larger of the
  two pictures' — a poster's inliers fill the poster, a room's spread over the furniture.
  Agreement alone is relative to the overlap: a poster filling a small overlap scored 0.5–0.6
  in the tests' rooms, where its inliers covered ≤ 1 % of either picture (same room: ≥ 16 %).

A pair passing :data:`STRONG_AGREEMENT`, :data:`STRONG_SHARE` and :data:`STRONG_COVER` with at
least :data:`STRONG_INLIERS` inliers is ``strong``; a pair with agreement under
:data:`WEAK_AGREEMENT` gives no link (on the demo every such pair was two captions of one
font over different rooms: agreement ≤ 0.25, where same-series pairs had ≥ 0.32); the other
verified pairs are ``weak`` (they only support attaching a lone media, see
:mod:`lodestar.series.cluster`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.match.features import (
    RANSAC_PIXELS,
    RATIO,
    FeatureIndex,
    LocalFeatures,
    Verification,
    verify,
)
from lodestar.match.local import load_features
from lodestar.series.base import Link, Strength, link_builders
from lodestar.series.context import build_context
from lodestar.store import Media

log = logging.getLogger(__name__)

STRONG_INLIERS = 20
STRONG_AGREEMENT = 0.6
STRONG_SHARE = 0.5
STRONG_COVER = 0.08
WEAK_AGREEMENT = 0.3


@dataclass(frozen=True)
class SceneCheck:
    verification: Verification
    cover: float  # inliers' convex hull / picture area, the larger of the two pictures'

    def as_detail(self) -> dict[str, object]:
        v = self.verification
        return v.as_detail() | {"share": round(v.share, 3), "cover": round(self.cover, 3)}


def inlier_cover(query: LocalFeatures, target: LocalFeatures) -> float:
    """Repeat :func:`~lodestar.match.features.verify`'s matching and RANSAC (same parameters,
    OpenCV's fixed RANSAC seed: same inliers) to see where the inliers lie; ``verify`` keeps
    only their count."""
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(query.descriptors, target.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < 3:
        return 0.0
    src = query.xy[[m.queryIdx for m in good]]
    dst = target.xy[[m.trainIdx for m in good]]
    _, mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PIXELS, maxIters=2000
    )
    if mask is None:
        return 0.0
    keep = mask.ravel().astype(bool)
    return max(_hull_share(src[keep], query.size), _hull_share(dst[keep], target.size))


def _hull_share(points: np.ndarray, size: tuple[int, int]) -> float:
    if len(points) < 3:
        return 0.0
    area = cv2.contourArea(cv2.convexHull(np.ascontiguousarray(points, dtype=np.float32)))
    return float(area) / float(size[0] * size[1])


def check_scene(query: LocalFeatures, target: LocalFeatures) -> SceneCheck | None:
    v = verify(query, target)
    return None if v is None else SceneCheck(v, inlier_cover(query, target))


def strength_of(check: SceneCheck) -> Strength | None:
    """Strong: most of the overlap agrees and the inliers spread (same room). Weak: partly.
    None: one shared object only (a caption band, a poster) — no scene link at all."""
    v = check.verification
    if v.agreement < WEAK_AGREEMENT:
        return None
    strong = (
        v.inliers >= STRONG_INLIERS
        and v.agreement >= STRONG_AGREEMENT
        and v.share >= STRONG_SHARE
        and check.cover >= STRONG_COVER
    )
    return "strong" if strong else "weak"


def scene_score(v: Verification, strength: Strength) -> float:
    # Strong links rank by agreement within 0.5..1 (the clusterer joins from 0.5 up); weak
    # links stay below 0.5, so they could not join even if a later rule made them strong.
    base = 0.5 + 0.5 * v.agreement if strength == "strong" else 0.49 * v.agreement
    return round(min(1.0, base), 4)


def scene_link(a: str, b: str, check: SceneCheck, kind: str) -> Link | None:
    strength = strength_of(check)
    if strength is None:
        return None
    score = scene_score(check.verification, strength)
    return Link(a, b, kind, score, strength, check.as_detail())


def candidate_pairs(
    index: FeatureIndex, features: list[LocalFeatures], wanted: set[int] | None
) -> set[tuple[int, int]]:
    """Shortlisted pairs (i < j) in either direction; with ``wanted``, those touching it."""
    pairs: set[tuple[int, int]] = set()
    for i, feats in enumerate(features):
        for j in index.shortlist(feats, exclude=i):
            if wanted is None or i in wanted or j in wanted:
                pairs.add((min(i, j), max(i, j)))
    return pairs


class SceneLinks:
    name: ClassVar[str] = "scene"
    version: ClassVar[str] = "1"
    strengths: ClassVar[tuple[Strength, ...]] = ("strong", "weak")  # see strength_of()
    artifacts: ClassVar[tuple[str, ...]] = ("local features",)

    def build(self, session: Session, *, media: Collection[str] | None = None) -> Iterable[Link]:
        ctx = build_context(session)
        if ctx is None:
            log.warning("scene links: workspace unknown, no stored local features to read")
            return []
        shas = list(
            session.scalars(
                select(Media.sha256).where(Media.kind == "image").order_by(Media.sha256)
            )
        )
        found = load_features(ctx.derived, shas)
        order = sorted(found)
        if len(order) < 2:
            return []
        wanted = None
        if media is not None:
            want = set(media)
            wanted = {i for i, sha in enumerate(order) if sha in want}
            if not wanted:
                return []
        index = FeatureIndex()
        feats = [found[sha] for sha in order]
        for i, f in enumerate(feats):
            index.add(i, f)
        links = []
        for i, j in sorted(candidate_pairs(index, feats, wanted)):
            checked = check_scene(feats[i], feats[j])  # one direction per pair: deterministic
            link = None if checked is None else scene_link(order[i], order[j], checked, self.name)
            if link is not None:
                links.append(link)
        return links


scene_links = link_builders.register(SceneLinks())
