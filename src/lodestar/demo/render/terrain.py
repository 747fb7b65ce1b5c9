"""Ridge lines for hills and mountains."""

from __future__ import annotations

import random


def ridge(rng: random.Random, left: float, right: float, segments: int,
          rough: float) -> list[float]:
    """Heights at ``segments`` + 1 evenly spaced points between two given ends, by midpoint
    displacement: each level halves the spacing and its jitter (``rough`` at first) shrinks to
    0.55 of the level before. ``segments`` is a power of two."""
    heights = [left] + [0.0] * (segments - 1) + [right]
    step, amp = segments, rough
    while step > 1:
        half = step // 2
        for i in range(half, segments, step):
            heights[i] = (heights[i - half] + heights[i + half]) / 2 + rng.uniform(-amp, amp)
        step, amp = half, amp * 0.55
    return heights
