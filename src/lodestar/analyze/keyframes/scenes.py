"""Scene changes between consecutive kept frames: strong PDQ *and* colour-histogram change
(either alone fires on camera moves; see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from lodestar.analyze.keyframes.frames import Keyframe
from lodestar.analyze.signals.pdq import hamming

SCENE_THRESHOLD = 0.35  # colour-histogram distance (0–1) for a scene change
SCENE_PDQ_BITS = 80  # PDQ distance (of 256 bits) for a scene change


def hist_distance(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None:
        return 0.0
    return float(0.5 * np.abs(a - b).sum())


def scene_scores(prev: Keyframe, cur: Keyframe) -> tuple[int | None, float]:
    """(PDQ distance or None, colour-histogram distance 0–1) between two frames."""
    bits = hamming(prev.pdq, cur.pdq) if prev.pdq and cur.pdq else None
    return bits, hist_distance(prev.histogram, cur.histogram)


def mark_scene_changes(
    frames: Sequence[Keyframe],
    *,
    scene_threshold: float = SCENE_THRESHOLD,
    pdq_bits: int = SCENE_PDQ_BITS,
) -> list[Keyframe]:
    """Frames sorted by time, each flagged when it differs strongly from the one before it
    (both PDQ and colours, see the package docstring). The first frame is not a change."""
    ordered = sorted(frames, key=lambda f: f.timestamp)
    out: list[Keyframe] = []
    for n, cur in enumerate(ordered):
        change = False
        if n:
            bits, hist = scene_scores(ordered[n - 1], cur)
            change = hist >= scene_threshold and (bits is None or bits >= pdq_bits)
        out.append(replace(cur, scene_change=change))
    return out
