"""The keyframe-only pass over a video stream, and the bounded full-decode fallback.

PyAV specifics live here: opening a container, a stream clock in seconds, decoder threads,
and which exceptions mean "this file is damaged" (never raised out of a scan).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av

from lodestar.analyze.keyframes.frames import Keyframe, keyframe_from

FALLBACK_DECODE_S = 600.0  # s of video decoded in full when a stream has no keyframes
# What PyAV and FFmpeg raise for damaged or hostile input: a warning, never a crash.
AV_ERRORS = (av.FFmpegError, OSError, ValueError, EOFError, MemoryError, UnicodeDecodeError)


def open_video(path: Path) -> Any:
    return av.open(str(path), mode="r", timeout=30)


def configure(stream: Any, threads: int) -> None:
    stream.thread_type = "AUTO"
    stream.codec_context.thread_count = threads


def declared_duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / av.time_base)
    return None


class Clock:
    """Frame time in seconds from the stream's start (its start_time, else the first frame)."""

    def __init__(self, stream: Any) -> None:
        self.tb = float(stream.time_base) if stream.time_base is not None else None
        self.origin: int | None = stream.start_time
        self.interval = 1.0 / float(stream.average_rate or stream.guessed_rate or 30)
        self.count = 0

    def seconds(self, pts: int | None) -> float:
        self.count += 1
        if pts is None or self.tb is None:  # no timestamps: count frames
            return (self.count - 1) * self.interval
        if self.origin is None:
            self.origin = pts
        return max(0.0, (pts - self.origin) * self.tb)


@dataclass
class Pass:
    """State of the keyframe-only pass."""

    clock: Clock
    min_interval: float
    side: int
    max_frames: int
    frames: list[Keyframe] = field(default_factory=list)
    keyframes_seen: int = 0
    last_time: float = -math.inf
    stream_end: float | None = None  # end of the last packet demuxed, seconds
    errors: int = 0
    first_error: str | None = None
    stopped: str | None = None


def _packet_time(packet: Any, clock: Clock) -> float | None:
    if packet.pts is None or clock.tb is None:
        return None
    origin = clock.origin if clock.origin is not None else packet.pts
    return (packet.pts - origin) * clock.tb


def keyframe_pass(container: Any, stream: Any, state: Pass) -> None:
    try:
        for packet in container.demux(stream):
            t = _packet_time(packet, state.clock)
            if t is not None:
                end = t + float(packet.duration or 0) * (state.clock.tb or 0)
                state.stream_end = max(end, state.stream_end or 0.0)
            if packet.is_keyframe:
                state.keyframes_seen += 1
                # Not even decoded: all-intra streams (every frame a keyframe) stay cheap.
                if t is not None and t - state.last_time < state.min_interval:
                    continue
            _decode_packet(packet, state)
            if len(state.frames) >= state.max_frames:
                state.stopped = f"stopped at {state.max_frames} keyframes"
                return
    except AV_ERRORS as exc:
        state.stopped = f"demuxing stopped: {exc}"
        _flush(stream, state)  # frames still inside a threaded decoder
    # (a clean end of the stream is flushed by the demuxer's final empty packet)


def _decode_packet(packet: Any, state: Pass) -> None:
    try:
        for frame in packet.decode():
            _take(frame, state)
    except AV_ERRORS as exc:  # one bad packet (or frame): note it, go on with the next
        state.errors += 1
        state.first_error = state.first_error or str(exc)


def _flush(stream: Any, state: Pass) -> None:
    with contextlib.suppress(*AV_ERRORS):  # the demux error is already reported
        for frame in stream.codec_context.decode(None):
            _take(frame, state)


def _take(frame: Any, state: Pass) -> None:
    t = state.clock.seconds(frame.pts)
    if t - state.last_time < state.min_interval or len(state.frames) >= state.max_frames:
        return
    state.last_time = t
    state.frames.append(keyframe_from(frame, t, "keyframe", state.side))


def fallback_pass(path: Path, state: Pass, every: float, threads: int) -> None:
    """Full decode (bounded), one frame per ``every`` seconds: for streams with no keyframe
    (intra refresh, streams cut mid-GOP) whose decoder still outputs frames."""
    state.min_interval = every
    try:
        with open_video(path) as container:
            stream = container.streams.video[0]
            configure(stream, threads)
            state.clock = Clock(stream)
            for frame in container.decode(stream):
                t = state.clock.seconds(frame.pts)
                if t > FALLBACK_DECODE_S or len(state.frames) >= state.max_frames:
                    break
                if t - state.last_time >= every:
                    state.last_time = t
                    state.frames.append(keyframe_from(frame, t, "decoded", state.side))
    except AV_ERRORS as exc:
        state.errors += 1
        state.first_error = state.first_error or str(exc)
