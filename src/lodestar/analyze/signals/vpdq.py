"""vPDQ-compatible video signatures with PyAV: one PDQ per second of video.

A signature is a list of frames, one per whole second (the frame nearest to 0 s, 1 s, 2 s, …;
timestamps relative to the first frame), written as vPDQ's text lines ``pdq_hex,quality,
timestamp`` (timestamp in seconds, 3 decimals) — the same lines Meta's ``vpdq`` prints, so
signatures can be exchanged with it. Each frame is hashed with Lodestar's PDQ path
(:func:`lodestar.analyze.signals.pdq.pdq_from_image`), within a few bits of the full-resolution
PDQ that Meta's vpdq computes.

Decoding: the packets are first demuxed without decoding to learn each frame's presentation time
and which frames are keyframes. When every frame to hash is a keyframe (streams with a keyframe
on every second), only keyframes are decoded; otherwise every frame is decoded (inter-coded
frames need their references) and only the chosen ones are converted and hashed.

Matching follows vPDQ's brute-force matcher: drop frames under a quality threshold, drop
duplicate hashes, then count the query frames that have a target frame within the distance
threshold (and the other way round); :func:`match_fractions` returns both shares.
"""

from __future__ import annotations

import bisect
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import av
import numpy as np

from lodestar.analyze.signals.base import SignalError, SignalValue, signal_types
from lodestar.analyze.signals.pdq import HEX_LEN, QUALITY_THRESHOLD, pdq_from_image

NAME = "vpdq"
SECONDS_PER_HASH = 1.0
# vPDQ counts two frames as matching when their distance is *under* 31 (its default
# tolerance); expressed inclusively here.
FRAME_MAX_DISTANCE = 30
MATCH_PERCENT_DEFAULT = 80  # both videos ≥ 80 % matched counts as the same video
MAX_DISTANCE_DEFAULT = 100 - MATCH_PERCENT_DEFAULT
_AV_ERRORS = (av.FFmpegError, OSError, ValueError, UnicodeDecodeError, EOFError)


@dataclass(frozen=True)
class VpdqFrame:
    """One hashed frame: PDQ hex, PDQ quality (0–100), seconds from the first frame."""

    pdq: str
    quality: int
    timestamp: float

    def line(self) -> str:
        return f"{self.pdq},{self.quality},{self.timestamp:.3f}"


@dataclass
class VideoSignature:
    frames: list[VpdqFrame]
    problems: list[str] = field(default_factory=list)  # partial decode etc.; caller warns

    def text(self) -> str:
        return format_signature(self.frames)

    @property
    def quality(self) -> int | None:
        """Mean frame quality (None without frames) — a summary, not part of vPDQ."""
        if not self.frames:
            return None
        return round(sum(f.quality for f in self.frames) / len(self.frames))


def format_signature(frames: Iterable[VpdqFrame]) -> str:
    return "\n".join(f.line() for f in frames)


def parse_signature(text: str) -> list[VpdqFrame]:
    """Read ``pdq_hex,quality,timestamp`` lines (blank lines ignored); ValueError if malformed."""
    frames = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        parts = line.split(",")
        if len(parts) != 3 or len(parts[0]) != HEX_LEN:
            raise ValueError(f"vPDQ line {n}: expected 'pdq_hex,quality,timestamp', got {line!r}")
        int(parts[0], 16)  # ValueError if not hex
        frames.append(VpdqFrame(parts[0].lower(), int(parts[1]), float(parts[2])))
    return frames


# -- hashing ---------------------------------------------------------------------------------


def _targets(times: Sequence[float], step: float, tolerance: float) -> list[int]:
    """Indices into sorted ``times`` of the frame nearest each multiple of ``step``."""
    if not times:
        return []
    chosen: list[int] = []
    last = times[-1]
    k = 0
    while k * step <= last + tolerance:
        t = k * step
        i = bisect.bisect_left(times, t)
        if i == len(times) or (i > 0 and t - times[i - 1] <= times[i] - t):
            i -= 1
        if not chosen or chosen[-1] != i:
            chosen.append(i)
        k += 1
    return chosen


def _scan(container: Any, stream: Any) -> tuple[list[int], set[int]]:
    """Presentation timestamps of every video packet (sorted) and those of keyframes."""
    pts: list[int] = []
    keys: set[int] = set()
    for packet in container.demux(stream):
        if packet.pts is None:
            if packet.size:
                raise _NoTimestamps
            continue  # the demuxer's final empty packet
        if packet.is_discard:  # before the edit list's start: decoded, never shown
            continue
        pts.append(packet.pts)
        if packet.is_keyframe:
            keys.add(packet.pts)
    pts.sort()
    return pts, keys


class _NoTimestamps(Exception):
    pass


def vpdq_from_video(
    source: str | Path | bytes,
    *,
    seconds_per_hash: float = SECONDS_PER_HASH,
    max_seconds: float | None = None,
) -> VideoSignature:
    """Hash one frame per ``seconds_per_hash`` of the first video stream of ``source``.

    Raises SignalError (``video_unreadable``, ``video_no_stream``, ``video_corrupt``) when no
    frame at all can be hashed; a stream that breaks part-way gives the frames before the
    break and a note in ``problems``.
    """
    if seconds_per_hash <= 0:
        raise ValueError("seconds_per_hash must be positive")
    sig = VideoSignature([])
    try:
        plan = _plan(source, seconds_per_hash, max_seconds)
    except _NoTimestamps:
        plan = None
    with _open(source) as container:
        stream = _video_stream(container)
        stream.thread_type = "AUTO"
        if plan is None:
            _hash_sequential(container, stream, seconds_per_hash, max_seconds, sig)
        else:
            if plan.keys_only:
                stream.codec_context.skip_frame = "NONKEY"
            if plan.note:
                sig.problems.append(plan.note)
            _hash_planned(container, stream, plan.wanted, plan.first_pts, sig)
    if not sig.frames:
        reason = sig.problems[0] if sig.problems else "no decodable frame"
        raise SignalError("video_corrupt", f"no frame could be hashed: {reason}")
    return sig


def _open(source: str | Path | bytes) -> Any:
    target: Any = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    try:
        return av.open(target, mode="r", timeout=30)
    except _AV_ERRORS as exc:
        raise SignalError("video_unreadable", f"cannot open video: {exc}") from exc


def _video_stream(container: Any) -> Any:
    if not container.streams.video:
        raise SignalError("video_no_stream", "no video stream")
    return container.streams.video[0]


def _frame_interval(stream: Any) -> float:
    rate = stream.average_rate or stream.guessed_rate
    return 1.0 / float(rate) if rate else 1.0 / 30


class _Plan(NamedTuple):
    wanted: set[int]  # pts of the frames to hash
    keys_only: bool  # every one of them is a keyframe
    first_pts: int
    note: str | None  # e.g. the stream ends well before its declared duration


def _plan(source: str | Path | bytes, step: float, max_seconds: float | None) -> _Plan:
    """Which frames to hash, from a demux-only pass (no decoding)."""
    with _open(source) as container:
        stream = _video_stream(container)
        try:
            pts, keys = _scan(container, stream)
        except (av.FFmpegError, OSError) as exc:
            raise _NoTimestamps from exc
        if not pts or stream.time_base is None:
            raise _NoTimestamps
        tb = float(stream.time_base)
        first = pts[0]
        times = [(p - first) * tb for p in pts]
        if max_seconds is not None:
            times = [t for t in times if t <= max_seconds]
        interval = _frame_interval(stream)
        chosen = {pts[i] for i in _targets(times, step, interval / 2)}
        note = None
        declared = _declared_duration(container, stream)
        if max_seconds is None and declared is not None and declared - times[-1] > 1 + interval:
            note = (
                f"frames end at {times[-1]:.3f} s but the file declares {declared:.3f} s"
                " (truncated?)"
            )
        return _Plan(chosen, chosen <= keys, first, note)


def _declared_duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / av.time_base)
    return None


def _hash_frame(frame: Any, timestamp: float, sig: VideoSignature) -> None:
    value = pdq_from_image(frame.to_image())
    if value is not None and value.quality is not None:
        sig.frames.append(VpdqFrame(value.value, value.quality, round(timestamp, 3)))


def _hash_planned(
    container: Any, stream: Any, wanted: set[int], first_pts: int, sig: VideoSignature
) -> None:
    tb = float(stream.time_base)
    todo = set(wanted)
    try:
        for packet in container.demux(stream):
            for frame in packet.decode():
                if frame.pts in todo:
                    todo.discard(frame.pts)
                    _hash_frame(frame, (frame.pts - first_pts) * tb, sig)
            if not todo:
                break
    except _AV_ERRORS as exc:
        sig.problems.append(f"decoding stopped: {exc}")
    sig.frames.sort(key=lambda f: f.timestamp)
    if todo and not sig.problems:
        sig.problems.append(f"{len(todo)} planned frame(s) were not decoded")


def _hash_sequential(
    container: Any, stream: Any, step: float, max_seconds: float | None, sig: VideoSignature
) -> None:
    """Fallback for streams without packet timestamps: nearest frame by decoded frame time."""
    interval = _frame_interval(stream)
    first: float | None = None
    prev: tuple[int, Any, float] | None = None  # (index, frame, seconds)
    hashed = -1  # index of the last frame hashed, so a frame is hashed once
    k = 0

    def take(index: int, frame: Any, t: float) -> None:
        nonlocal hashed
        if index != hashed:
            hashed = index
            _hash_frame(frame, t, sig)

    try:
        for index, frame in enumerate(container.decode(stream)):
            t_abs = frame.time if frame.time is not None else index * interval
            first = t_abs if first is None else first
            t = t_abs - first
            if max_seconds is not None and t > max_seconds + interval / 2:
                break
            while k * step <= t:
                if prev is not None and k * step - prev[2] <= t - k * step:
                    take(*prev)
                else:
                    take(index, frame, t)
                k += 1
            prev = (index, frame, t)
    except _AV_ERRORS as exc:
        sig.problems.append(f"decoding stopped: {exc}")
    if prev is not None and k * step <= prev[2] + interval / 2:
        take(*prev)


# -- matching --------------------------------------------------------------------------------


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _usable(frames: Iterable[VpdqFrame], min_quality: int) -> np.ndarray:
    """Distinct hashes of frames with quality ≥ min_quality, as (n, 32) uint8 rows."""
    seen: dict[str, None] = {}
    for f in frames:
        if f.quality >= min_quality:
            seen.setdefault(f.pdq, None)
    raw = b"".join(bytes.fromhex(h) for h in seen)
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 32)


def _matched(a: np.ndarray, b: np.ndarray, max_distance: int) -> int:
    """How many rows of ``a`` have a row of ``b`` within ``max_distance`` bits."""
    chunk = max(1, 4_000_000 // (32 * max(1, len(b))))  # ~4 MB of XORed bytes at a time
    count = 0
    for start in range(0, len(a), chunk):
        block = a[start : start + chunk]
        dist = _POPCOUNT[block[:, None, :] ^ b[None, :, :]].sum(axis=2, dtype=np.int32)
        count += int((dist <= max_distance).any(axis=1).sum())
    return count


def match_fractions(
    query: Sequence[VpdqFrame],
    target: Sequence[VpdqFrame],
    *,
    max_distance: int = FRAME_MAX_DISTANCE,
    min_quality: int = QUALITY_THRESHOLD,
) -> tuple[float, float]:
    """vPDQ's brute-force match: (share of query frames found in target, share of target
    frames found in query), each 0.0–1.0, after dropping frames of quality < min_quality and
    duplicate hashes. Two frames match when their PDQ distance is ≤ max_distance. (0, 0) when
    either side has no usable frame. A short clip inside a long video has a high first share
    and a low second one.
    """
    q = _usable(query, min_quality)
    t = _usable(target, min_quality)
    if not len(q) or not len(t):
        return 0.0, 0.0
    return _matched(q, t, max_distance) / len(q), _matched(t, q, max_distance) / len(t)


class VPDQSignal:
    """The ``vpdq`` signal type. Its distance is 100 minus the smaller of the two matched
    percentages (0 = every usable frame of each video has a match in the other)."""

    name: ClassVar[str] = NAME
    kinds: ClassVar[tuple[str, ...]] = ("video",)
    # Decoding every second of every video would double the fast pass on video-heavy
    # seizures: ``lodestar.match.video`` computes vPDQ later, for the videos that need it.
    in_fast_pass: ClassVar[bool] = False
    max_distance_default: ClassVar[int] = MAX_DISTANCE_DEFAULT

    def hash_file(self, source: str | Path | bytes) -> SignalValue | None:
        sig = vpdq_from_video(source)
        return SignalValue(NAME, sig.text(), sig.quality)

    def distance(self, a: str, b: str) -> int:
        qf, tf = match_fractions(parse_signature(a), parse_signature(b))
        return 100 - math.floor(100 * min(qf, tf) + 1e-9)


signal_types.register(VPDQSignal())

__all__ = [
    "FRAME_MAX_DISTANCE",
    "VPDQSignal",
    "VideoSignature",
    "VpdqFrame",
    "format_signature",
    "match_fractions",
    "parse_signature",
    "vpdq_from_video",
]
