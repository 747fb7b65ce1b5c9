"""The local-feature step of matching: features for every image, verified near-duplicates.

Features are derived artifacts (``derived/features/<sha[:2]>/<sha>.npz``, where
:func:`lodestar.derived.features_path` puts them), computed once per image from a readable copy
of its bytes (``evidence.content.materialize``). Pairs that pass the near-duplicate check of
:mod:`lodestar.match.features` are stored as matches with method ``orb`` (distance =
100 × (1 − block agreement)), unless another method already linked them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.config import Settings
from lodestar.derived import features_path
from lodestar.evidence.content import Unavailable, materialize
from lodestar.evidence.sniff import open_readonly
from lodestar.match.features import FeatureIndex, LocalFeatures, features_from_bytes
from lodestar.store import Match, Media
from lodestar.store.bulk import insert_ignore
from lodestar.store.warnings import media_warning

STAGE = "features"
_warn = partial(media_warning, stage=STAGE)
MAX_IMAGE_BYTES = 256 * 1024 * 1024


def compute_local_features(
    session: Session,
    *,
    derived: Path,
    settings: Settings,
    spool_dir: Path,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Features for every image that has none yet; returns how many were computed."""
    todo = [
        sha
        for sha in session.scalars(
            select(Media.sha256).where(Media.kind == "image").order_by(Media.sha256)
        )
        if not features_path(derived, sha).exists()
    ]
    done = 0
    for copy in materialize(session, todo, settings=settings, spool_dir=spool_dir):
        if progress is not None:
            progress(1)
        if isinstance(copy, Unavailable):
            _warn(session, copy.sha256, None, copy.sha256, f"features_{copy.code}", copy.reason)
            continue
        try:
            features = features_from_bytes(_read(copy.path))
        except (OSError, ValueError, Image.DecompressionBombError, UnidentifiedImageError) as exc:
            _warn(session, copy.sha256, copy.source_id, copy.path_spec, "features_failed", str(exc))
            continue
        features.save(features_path(derived, copy.sha256))
        done += 1
    return done


def load_features(derived: Path, shas: list[str]) -> dict[str, LocalFeatures]:
    found = {}
    for sha in shas:
        path = features_path(derived, sha)
        if path.exists():
            found[sha] = LocalFeatures.load(path)
    return found


def feature_index(derived: Path, shas: list[str]) -> tuple[FeatureIndex, list[str]]:
    """An index over the stored features of ``shas``; ids are positions in the returned list."""
    features = load_features(derived, shas)
    order = sorted(features)
    index = FeatureIndex()
    for i, sha in enumerate(order):
        index.add(i, features[sha])
    return index, order


def match_local(session: Session, *, derived: Path) -> int:
    """Store verified local-feature near-duplicates (both ways); returns the new pairs."""
    shas = list(session.scalars(select(Media.sha256).where(Media.kind == "image")))
    index, order = feature_index(derived, shas)
    features = load_features(derived, order)
    rows: list[dict[str, Any]] = []
    for i, sha in enumerate(order):
        for j, verified in index.search(features[sha], exclude=i):
            distance = round(100 * (1 - verified.agreement))
            rows.append(_pair(sha, order[j], distance))
            rows.append(_pair(order[j], sha, distance))
    before = _count(session)
    insert_ignore(session, Match, rows)
    return (_count(session) - before) // 2


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Match).where(Match.method == "orb")) or 0


def _pair(a: str, b: str, distance: int) -> dict[str, Any]:
    return {
        "media_sha256": a,
        "key": f"media:{b}",
        "other_sha256": b,
        "method": "orb",
        "distance": distance,
    }


def _read(path: Path) -> bytes:
    if path.stat().st_size > MAX_IMAGE_BYTES:
        raise ValueError(f"{path.stat().st_size} bytes: too large for the feature step")
    with os.fdopen(open_readonly(str(path)), "rb") as fh:  # evidence: read-only, atime kept
        return fh.read()


