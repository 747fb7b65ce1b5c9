"""Video ↔ image links: an image whose PDQ matches one of a video's frame hashes.

Frames come from the video's per-second vPDQ signal (``vpdq`` rows, position = second). An
image within PDQ radius 31 of a frame is a still of that video (or the video was shot from
it); the link keeps the frame's time as evidence. Video ↔ video near-duplicates come from
the match stage (see :mod:`lodestar.series.neardup`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import ClassVar

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analyze.signals.pdq import MAX_DISTANCE_DEFAULT, QUALITY_THRESHOLD
from lodestar.match.index import PdqIndex
from lodestar.series.base import Link, Strength, link_builders
from lodestar.store import Media, Signal

FRAME_SIGNAL_TYPES = ("vpdq",)


class VideoFrameLinks:
    name: ClassVar[str] = "video-frame"
    version: ClassVar[str] = "1"
    strengths: ClassVar[tuple[Strength, ...]] = ("strong",)
    radius: int = MAX_DISTANCE_DEFAULT

    def build(self, session: Session, *, media: Collection[str] | None = None) -> Iterable[Link]:
        images = session.execute(
            select(Signal.media_sha256, Signal.value)
            .join(Media, Media.sha256 == Signal.media_sha256)
            .where(Signal.type == "pdq", Signal.quality >= QUALITY_THRESHOLD)
            .where(Media.kind == "image")
            .order_by(Signal.media_sha256)
        ).all()
        frames = session.execute(
            select(Signal.media_sha256, Signal.position, Signal.timestamp, Signal.value)
            .where(Signal.type.in_(FRAME_SIGNAL_TYPES), Signal.quality >= QUALITY_THRESHOLD)
            .order_by(Signal.media_sha256, Signal.position)
        ).all()
        if not images or not frames:
            return []
        wanted = set(media) if media is not None else None
        index = PdqIndex()
        index.add(np.arange(len(images), dtype=np.int64), [r[1] for r in images])
        best: dict[tuple[str, str], tuple[int, int, float]] = {}
        hits = index.range_search([f[3] for f in frames], self.radius)
        for (video, position, ts, _), found in zip(frames, hits, strict=True):
            for j, dist in found:
                image = images[int(j)][0]
                if wanted is not None and not {video, image} & wanted:
                    continue
                key = (video, image)
                if key not in best or int(dist) < best[key][0]:
                    best[key] = (int(dist), position, ts if ts is not None else float(position))
        return [
            Link(
                video,
                image,
                self.name,
                round(max(0.0, 1 - dist / 64), 4),
                "strong",
                {
                    "video": video,
                    "image": image,
                    "frame_second": pos,
                    "timestamp": ts,
                    "distance": dist,
                },
            )
            for (video, image), (dist, pos, ts) in sorted(best.items())
        ]


video_frame_links = link_builders.register(VideoFrameLinks())
