"""Supplementary samples where keyframes are sparse: seek to a gap's keyframe and decode
forward (reference frames only) to evenly spaced times, so no gap exceeds ``sample_gap``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lodestar.analyze.keyframes.decode import AV_ERRORS, Clock, Pass, configure, open_video
from lodestar.analyze.keyframes.frames import Keyframe, keyframe_from

MAX_SAMPLES = 120  # supplementary samples per video (each costs a partial GOP decode)


def sample_targets(
    times: Sequence[float], end: float | None, gap: float, budget: int
) -> list[list[float]]:
    """For each kept frame, the times to sample after it (so no gap is longer than ``gap``)."""
    bounds = [*times[1:], end if end is not None else times[-1]]
    out: list[list[float]] = []
    for start, stop in zip(times, bounds, strict=True):
        n = math.ceil((stop - start) / gap) - 1 if stop - start > gap else 0
        n = min(n, budget)
        budget -= n
        out.append([start + (stop - start) * (k + 1) / (n + 1) for k in range(n)])
    return out


def sample_gaps(
    path: Path, state: Pass, end: float | None, gap: float, threads: int
) -> tuple[list[Keyframe], str | None]:
    """Samples after the pass's frames (same time origin), and why sampling stopped early."""
    frames, clock, side = state.frames, state.clock, state.side
    plan = sample_targets([f.timestamp for f in frames], end, gap, MAX_SAMPLES)
    if not any(plan):
        return [], None
    out: list[Keyframe] = []
    try:
        with open_video(path) as container:
            stream = container.streams.video[0]
            configure(stream, threads)
            stream.codec_context.skip_frame = "NONREF"  # P frames are needed, B frames not
            for kf, targets in zip(frames, plan, strict=True):
                if targets:
                    out.extend(_sample_after(container, stream, clock, kf.timestamp, targets, side))
    except AV_ERRORS as exc:
        return out, f"supplementary sampling stopped: {exc}"
    return out, None


def _sample_after(
    container: Any, stream: Any, clock: Clock, start: float, targets: list[float], side: int
) -> list[Keyframe]:
    out: list[Keyframe] = []
    if clock.tb is None:
        return out
    origin = clock.origin or 0
    container.seek(origin + int(start / clock.tb) + 1, stream=stream, backward=True)
    todo = list(targets)
    half = clock.interval / 2
    for frame in container.decode(stream):
        t = clock.seconds(frame.pts)
        if t < todo[0] - half:
            continue
        out.append(keyframe_from(frame, t, "sample", side))
        while todo and todo[0] - half <= t:
            todo.pop(0)
        if not todo:
            break
    return out
