"""Video ↔ image links by local features between a video's keyframes and the images.

A clip panning over a room shares no PDQ with the stills of that room when the pan never
frames one of them closely (vPDQ works per second, on whole frames); local features do. Each
video's keyframes (:func:`lodestar.clues.keyframes.extract_keyframes`, read through
:func:`lodestar.evidence.content.materialize`) get ORB features, cached per video under
``derived/features/keyframes/<sha[:2]>/<sha>.npz``; every keyframe shortlists images in one
:class:`~lodestar.match.features.FeatureIndex` and the shortlisted pairs are verified. The best
verification per (video, image) becomes the link, strong or weak by the rules of
:mod:`lodestar.series.scene` (a video is a scene too: shared captions or posters stay weak).
"""

from __future__ import annotations

import json
import logging
import zipfile
import zlib
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import ClassVar

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analyze.keyframes import KeyframeError, extract_keyframes
from lodestar.derived import keyframe_features_path
from lodestar.evidence.content import Unavailable, materialize
from lodestar.match.features import FeatureIndex, LocalFeatures, features_from_image
from lodestar.match.local import load_features
from lodestar.series.base import Link, Strength, link_builders
from lodestar.series.context import BuildContext, build_context
from lodestar.series.scene import SceneCheck, check_scene, scene_score, strength_of
from lodestar.store import Media

log = logging.getLogger(__name__)
FORMAT = 1
MAX_KEYFRAMES = 24  # a short list spread over the clip: the pan's views, not every frame


def save_keyframe_features(path: Path, frames: list[tuple[float, LocalFeatures]]) -> None:
    arrays: dict[str, np.ndarray] = {}
    for i, (_, f) in enumerate(frames):
        arrays |= {f"xy{i}": f.xy, f"d{i}": f.descriptors, f"s{i}": np.array(f.size)}
        arrays[f"c{i}"] = f.check
    meta = {"format": FORMAT, "times": [t for t, _ in frames]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part.npz")
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez_compressed(tmp, allow_pickle=False, **arrays)
    tmp.replace(path)


def load_keyframe_features(path: Path) -> list[tuple[float, LocalFeatures]] | None:
    """Cached keyframe features, or None when the cache is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT:
                return None
            out = []
            for i, t in enumerate(meta["times"]):
                w, h = (int(v) for v in data[f"s{i}"])
                f = LocalFeatures(data[f"xy{i}"], data[f"d{i}"], (w, h), data[f"c{i}"])
                out.append((float(t), f))
            return out
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, zlib.error):
        return None


Frames = list[tuple[float, LocalFeatures]]  # (second, features) per keyframe


def _spread(frames: Frames, limit: int) -> Frames:
    if len(frames) <= limit:
        return frames
    picks = np.linspace(0, len(frames) - 1, limit).round().astype(int)
    return [frames[int(i)] for i in sorted(set(picks.tolist()))]


def video_features(
    session: Session, ctx: BuildContext, videos: list[str]
) -> dict[str, list[tuple[float, LocalFeatures]]]:
    """Keyframe features of ``videos``, from the cache or computed (and cached) now."""
    out: dict[str, list[tuple[float, LocalFeatures]]] = {}
    todo = []
    for sha in videos:
        cached = load_keyframe_features(keyframe_features_path(ctx.derived, sha))
        if cached is None:
            todo.append(sha)
        else:
            out[sha] = cached
    if not todo:
        return out
    for copy in materialize(session, todo, settings=ctx.settings, spool_dir=ctx.spool):
        if isinstance(copy, Unavailable):
            log.warning("video %s: %s (no keyframe features)", copy.sha256, copy.reason)
            continue
        try:
            frames = extract_keyframes(copy.path)
        except KeyframeError as exc:
            log.warning("video %s (%s): %s", copy.sha256, copy.path_spec, exc)
            continue
        feats = _spread(
            [(kf.timestamp, features_from_image(kf.image)) for kf in frames], MAX_KEYFRAMES
        )
        save_keyframe_features(keyframe_features_path(ctx.derived, copy.sha256), feats)
        out[copy.sha256] = feats
    return out


def _rank(c: SceneCheck) -> tuple[bool, float, int]:
    return (strength_of(c) == "strong", c.verification.agreement, c.verification.inliers)


def _best(
    index: FeatureIndex, images: list[LocalFeatures], frames: Frames
) -> dict[int, tuple[SceneCheck, float]]:
    """Per image, the best-verified keyframe (strong first, then agreement, inliers)."""
    best: dict[int, tuple[SceneCheck, float]] = {}
    for t, feats in frames:
        for j in index.shortlist(feats):
            c = check_scene(feats, images[j])
            if c is None:
                continue
            old = best.get(j)
            if old is None or _rank(c) > _rank(old[0]):
                best[j] = (c, t)
    return best


class VideoSceneLinks:
    name: ClassVar[str] = "video-scene"
    version: ClassVar[str] = "1"
    strengths: ClassVar[tuple[Strength, ...]] = ("strong", "weak")  # the scene rules
    artifacts: ClassVar[tuple[str, ...]] = ("local features", "keyframe features", "evidence")

    def build(self, session: Session, *, media: Collection[str] | None = None) -> Iterable[Link]:
        ctx = build_context(session)
        if ctx is None:
            log.warning("video-scene links: workspace unknown, no features to read")
            return []
        kinds = dict(session.execute(select(Media.sha256, Media.kind)).all())
        videos = sorted(s for s, k in kinds.items() if k == "video")
        images = sorted(s for s, k in kinds.items() if k == "image")
        if media is not None and not set(media) & set(kinds):  # new images: all videos look
            return []
        if not videos or not images:
            return []
        found = load_features(ctx.derived, images)
        order = sorted(found)
        index = FeatureIndex()
        feats = [found[sha] for sha in order]
        for i, f in enumerate(feats):
            index.add(i, f)
        links = []
        for video, frames in sorted(video_features(session, ctx, videos).items()):
            for j, (c, t) in sorted(_best(index, feats, frames).items()):
                image = order[j]
                if media is not None and not {video, image} & set(media):
                    continue
                link = self._link(video, image, c, t)
                if link is not None:
                    links.append(link)
        return links

    def _link(self, video: str, image: str, c: SceneCheck, t: float) -> Link | None:
        strength = strength_of(c)
        if strength is None:
            return None
        score = scene_score(c.verification, strength)
        evidence = c.as_detail() | {
            "video": video,
            "image": image,
            "timestamp": round(t, 3),
        }
        return Link(video, image, self.name, score, strength, evidence)


video_scene_links = link_builders.register(VideoSceneLinks())
