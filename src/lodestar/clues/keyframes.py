"""Video keyframes with PyAV: keyframe-only decode, scene changes, thumbnails, a contact sheet.

Decoding: ``skip_frame = "NONKEY"`` makes FFmpeg's decoder drop every non-intra picture, so a
pass costs the demux plus one intra decode per keyframe (``benchmarks/keyframes.py``, phone-like
720p H.264: 395× real time per core vs 32× for a full decode; the whole extractor, with PDQ,
thumbnails and the contact sheet, 147×). Each keyframe is converted once, by swscale, to an
RGB image whose long side is ≤ :data:`IMAGE_SIDE` (for OCR and the other image extractors);
its PDQ is computed from the full-resolution luma plane, as vPDQ would.

Scene changes (``Keyframe.scene_change``), decided between consecutive kept frames:

- x264 (and most software encoders) already start a GOP at a cut (``scenecut``), so cuts
  mostly *are* keyframes and a keyframe-only pass sees them; hardware encoders in phones use
  a fixed GOP and do not, so the cut shows up at the next keyframe (≤ one GOP late, 1–2 s).
- A frame is a scene change when it differs strongly from the previous kept frame in *both*
  structure and colour: PDQ distance ≥ :data:`SCENE_PDQ_BITS` and colour-histogram distance
  (total variation of 8×8×8 RGB histograms) ≥ ``scene_threshold``. Either measure alone
  fires on camera moves between keyframes 1–2 s apart (a pan moves PDQ by 80–140 bits, a
  change of light moves the histogram); a cut to another scene moves both.
- Where keyframes are sparse (an encoder's default GOP of 250 frames is one keyframe per
  8–10 s), gaps longer than ``sample_gap`` are filled with supplementary samples: seek to the
  gap's keyframe and decode forward (reference frames only, ``skip_frame = "NONREF"``) to
  evenly spaced times. This costs decoding up to the last sample of each gap, so it is only
  done where the gap is long (GOP 250: 82× real time with samples, 619× without, full
  decode 35×; ``benchmarks/keyframes.py``).

Bad input never raises out of :func:`scan_keyframes`: each problem becomes a
:class:`~lodestar.clues.base.ClueWarning` (unreadable, no video stream, corrupt packets,
truncated, no keyframes — then frames are sampled by a bounded full decode — no frames).
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lodestar.analyze.signals.pdq import hamming, pdq_from_image
from lodestar.clues.base import (
    ClueInput,
    ClueValue,
    ClueWarning,
    ExtractResult,
    clue_extractors,
)

IMAGE_SIDE = 1024  # long side of the image handed to OCR / image extractors
THUMB_SIDE = 256  # long side of keyframe thumbnails and contact-sheet cells
MAX_FRAMES = 400  # keyframes kept per video; long videos are thinned evenly to this
MIN_INTERVAL = 0.25  # s: keyframes closer than this to the last kept one are not decoded
SAMPLE_GAP = 5.0  # s: gaps between keyframes longer than this get supplementary samples
SCENE_THRESHOLD = 0.35  # colour-histogram distance (0–1) for a scene change
SCENE_PDQ_BITS = 80  # PDQ distance (of 256 bits) for a scene change
MAX_SAMPLES = 120  # supplementary samples per video (each costs a partial GOP decode)
FALLBACK_DECODE_S = 600.0  # s of video decoded in full when a stream has no keyframes
JPEG_QUALITY = 85
_AV_ERRORS = (av.FFmpegError, OSError, ValueError, EOFError, MemoryError, UnicodeDecodeError)
_HIST_BINS = 8  # per channel


@dataclass(frozen=True)
class Keyframe:
    """One frame kept from a video: time, image, PDQ and whether it opens a new scene."""

    timestamp: float  # seconds from the start of the video stream
    image: Image.Image  # RGB, long side ≤ IMAGE_SIDE, displayed orientation
    pdq: str | None
    quality: int | None
    scene_change: bool = False
    source: str = "keyframe"  # "keyframe" | "sample" (supplementary) | "decoded" (fallback)
    histogram: np.ndarray | None = field(default=None, repr=False, compare=False)
    thumb: Image.Image | None = field(default=None, repr=False, compare=False)

    @property
    def ms(self) -> int:
        return int(round(self.timestamp * 1000))

    def thumbnail(self, side: int = THUMB_SIDE) -> Image.Image:
        if self.thumb is not None and side == THUMB_SIDE:
            return self.thumb
        return _thumbnail(self.image, side)


def _thumbnail(img: Image.Image, side: int) -> Image.Image:
    # Box-reduce by an integer factor first: ~5× cheaper than Pillow's resize from 1024 px.
    factor = max(img.size) // side
    thumb = img.reduce(factor) if factor > 1 else img.copy()
    if max(thumb.size) > side:
        thumb.thumbnail((side, side), Image.Resampling.BILINEAR)
    return thumb


@dataclass
class KeyframeScan:
    frames: list[Keyframe]
    warnings: list[ClueWarning] = field(default_factory=list)
    duration: float | None = None  # declared duration, seconds
    keyframes_seen: int = 0  # keyframe packets in the stream (kept or not)
    samples: int = 0  # supplementary frames decoded in sparse gaps
    stream_end: float | None = None  # where the demuxed packets end, seconds


class KeyframeError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- decoding ---------------------------------------------------------------------------------


def _open(path: Path) -> Any:
    return av.open(str(path), mode="r", timeout=30)


def _declared_duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / av.time_base)
    return None


class _Clock:
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


def _luma(frame: Any) -> np.ndarray:
    """The frame's full-resolution luma: the Y plane itself for 8-bit YUV, else swscale's."""
    if frame.format.name in ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "nv12"):
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        return rows[:, : plane.width]
    return np.asarray(frame.to_ndarray(format="gray"))


def _oriented(img: Image.Image, rotation: int) -> Image.Image:
    # PyAV: the display matrix turns the frame counter-clockwise by ``rotation`` degrees.
    turn = {
        90: Image.Transpose.ROTATE_90,
        -90: Image.Transpose.ROTATE_270,
        180: Image.Transpose.ROTATE_180,
        -180: Image.Transpose.ROTATE_180,
    }.get(rotation)
    return img.transpose(turn) if turn is not None else img


def _histogram(thumb: Image.Image) -> np.ndarray:
    q = (np.asarray(thumb) >> 5).astype(np.int32)  # 8 levels per channel
    idx = (q[..., 0] * _HIST_BINS + q[..., 1]) * _HIST_BINS + q[..., 2]
    hist = np.bincount(idx.ravel(), minlength=_HIST_BINS**3).astype(np.float32)
    return hist / max(1.0, float(hist.sum()))


def _keyframe(frame: Any, timestamp: float, source: str, side: int) -> Keyframe:
    w, h = frame.width, frame.height
    scale = min(1.0, side / max(w, h))
    # swscale's AREA: an averaging downscale, and cheaper than its bilinear (2.9 vs 4.2 ms
    # for 720p → 1024 px; Pillow's resize of the full RGB frame costs 12 ms).
    rgb = frame.reformat(
        width=max(2, round(w * scale)),
        height=max(2, round(h * scale)),
        format="rgb24",
        interpolation="AREA",
        threads=1,
    ).to_image()
    rotation = int(getattr(frame, "rotation", 0) or 0)
    img = _oriented(rgb, rotation)
    luma = _oriented(Image.fromarray(_luma(frame), "L"), rotation)
    value = pdq_from_image(luma)
    thumb = _thumbnail(img, THUMB_SIDE)
    return Keyframe(
        timestamp=round(timestamp, 3),
        image=img,
        pdq=value.value if value else None,
        quality=value.quality if value else None,
        source=source,
        histogram=_histogram(thumb),
        thumb=thumb,
    )


@dataclass
class _Pass:
    """State of the keyframe-only pass."""

    clock: _Clock
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


def _packet_time(packet: Any, clock: _Clock) -> float | None:
    if packet.pts is None or clock.tb is None:
        return None
    origin = clock.origin if clock.origin is not None else packet.pts
    return (packet.pts - origin) * clock.tb


def _keyframe_pass(container: Any, stream: Any, state: _Pass) -> None:
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
    except _AV_ERRORS as exc:
        state.stopped = f"demuxing stopped: {exc}"
        _flush(stream, state)  # frames still inside a threaded decoder
    # (a clean end of the stream is flushed by the demuxer's final empty packet)


def _decode_packet(packet: Any, state: _Pass) -> None:
    try:
        for frame in packet.decode():
            _take(frame, state)
    except _AV_ERRORS as exc:  # one bad packet (or frame): note it, go on with the next
        state.errors += 1
        state.first_error = state.first_error or str(exc)


def _flush(stream: Any, state: _Pass) -> None:
    with contextlib.suppress(*_AV_ERRORS):  # the demux error is already reported
        for frame in stream.codec_context.decode(None):
            _take(frame, state)


def _take(frame: Any, state: _Pass) -> None:
    t = state.clock.seconds(frame.pts)
    if t - state.last_time < state.min_interval or len(state.frames) >= state.max_frames:
        return
    state.last_time = t
    state.frames.append(_keyframe(frame, t, "keyframe", state.side))


# -- supplementary samples in sparse gaps ----------------------------------------------------


def _sample_targets(
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


def _sample_gaps(
    path: Path, state: _Pass, end: float | None, gap: float, threads: int
) -> tuple[list[Keyframe], str | None]:
    frames, clock, side = state.frames, state.clock, state.side  # same time origin
    plan = _sample_targets([f.timestamp for f in frames], end, gap, MAX_SAMPLES)
    if not any(plan):
        return [], None
    out: list[Keyframe] = []
    try:
        with _open(path) as container:
            stream = container.streams.video[0]
            _configure(stream, threads)
            stream.codec_context.skip_frame = "NONREF"  # P frames are needed, B frames not
            for kf, targets in zip(frames, plan, strict=True):
                if targets:
                    out.extend(_sample_after(container, stream, clock, kf.timestamp, targets, side))
    except _AV_ERRORS as exc:
        return out, f"supplementary sampling stopped: {exc}"
    return out, None


def _sample_after(
    container: Any, stream: Any, clock: _Clock, start: float, targets: list[float], side: int
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
        out.append(_keyframe(frame, t, "sample", side))
        while todo and todo[0] - half <= t:
            todo.pop(0)
        if not todo:
            break
    return out


# -- fallback: streams without keyframes -----------------------------------------------------


def _fallback_pass(path: Path, state: _Pass, every: float, threads: int) -> None:
    """Full decode (bounded), one frame per ``every`` seconds: for streams with no keyframe
    (intra refresh, streams cut mid-GOP) whose decoder still outputs frames."""
    state.min_interval = every
    try:
        with _open(path) as container:
            stream = container.streams.video[0]
            _configure(stream, threads)
            state.clock = _Clock(stream)
            for frame in container.decode(stream):
                t = state.clock.seconds(frame.pts)
                if t > FALLBACK_DECODE_S or len(state.frames) >= state.max_frames:
                    break
                if t - state.last_time >= every:
                    state.last_time = t
                    state.frames.append(_keyframe(frame, t, "decoded", state.side))
    except _AV_ERRORS as exc:
        state.errors += 1
        state.first_error = state.first_error or str(exc)


# -- scene changes ---------------------------------------------------------------------------


def _hist_distance(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None:
        return 0.0
    return float(0.5 * np.abs(a - b).sum())


def scene_scores(prev: Keyframe, cur: Keyframe) -> tuple[int | None, float]:
    """(PDQ distance or None, colour-histogram distance 0–1) between two frames."""
    bits = hamming(prev.pdq, cur.pdq) if prev.pdq and cur.pdq else None
    return bits, _hist_distance(prev.histogram, cur.histogram)


def mark_scene_changes(
    frames: Sequence[Keyframe],
    *,
    scene_threshold: float = SCENE_THRESHOLD,
    pdq_bits: int = SCENE_PDQ_BITS,
) -> list[Keyframe]:
    """Frames sorted by time, each flagged when it differs strongly from the one before it
    (both PDQ and colours, see the module docstring). The first frame is not a change."""
    ordered = sorted(frames, key=lambda f: f.timestamp)
    out: list[Keyframe] = []
    for n, cur in enumerate(ordered):
        change = False
        if n:
            bits, hist = scene_scores(ordered[n - 1], cur)
            change = hist >= scene_threshold and (bits is None or bits >= pdq_bits)
        out.append(replace(cur, scene_change=change))
    return out


# -- the scan --------------------------------------------------------------------------------


def _configure(stream: Any, threads: int) -> None:
    stream.thread_type = "AUTO"
    stream.codec_context.thread_count = threads


def scan_keyframes(
    path: str | Path,
    *,
    max_frames: int = MAX_FRAMES,
    scene_threshold: float = SCENE_THRESHOLD,
    min_interval: float = MIN_INTERVAL,
    sample_gap: float | None = SAMPLE_GAP,
    image_side: int = IMAGE_SIDE,
    threads: int = 0,
) -> KeyframeScan:
    """Keyframes of the first video stream of ``path``, with problems as warnings.

    ``threads``: decoder threads (0 = FFmpeg's choice, 1 = one core, for benchmarks).
    ``sample_gap``: None turns supplementary sampling off.
    """
    path = Path(path)
    scan = KeyframeScan([])
    try:
        container = _open(path)
    except _AV_ERRORS as exc:
        scan.warnings.append(ClueWarning("video_unreadable", f"{path.name}: cannot open: {exc}"))
        return scan
    with container:
        if not container.streams.video:
            scan.warnings.append(ClueWarning("video_no_stream", f"{path.name}: no video stream"))
            return scan
        stream = container.streams.video[0]
        _configure(stream, threads)
        stream.codec_context.skip_frame = "NONKEY"
        scan.duration = _declared_duration(container, stream)
        if scan.duration and max_frames > 0:  # thin long videos evenly rather than cut them
            min_interval = max(min_interval, scan.duration / max_frames)
        state = _Pass(_Clock(stream), min_interval, image_side, max_frames)
        _keyframe_pass(container, stream, state)
    scan.keyframes_seen = state.keyframes_seen
    scan.stream_end = state.stream_end
    _check_pass(path, scan, state)
    if not state.frames:
        _fallback(path, scan, state, sample_gap or SAMPLE_GAP, threads)
    elif sample_gap:
        samples, problem = _sample_gaps(
            path, state, scan.stream_end or scan.duration, sample_gap, threads
        )
        scan.samples = len(samples)
        state.frames.extend(samples)
        if problem:
            scan.warnings.append(ClueWarning("video_corrupt", f"{path.name}: {problem}"))
    scan.frames = mark_scene_changes(state.frames, scene_threshold=scene_threshold)
    _check_truncated(path, scan)
    return scan


def _check_pass(path: Path, scan: KeyframeScan, state: _Pass) -> None:
    if state.errors:
        scan.warnings.append(
            ClueWarning(
                "video_corrupt",
                f"{path.name}: {state.errors} packet(s) failed to decode: {state.first_error}",
            )
        )
    if state.stopped and state.stopped.startswith("demuxing"):
        scan.warnings.append(ClueWarning("video_corrupt", f"{path.name}: {state.stopped}"))
    elif state.stopped:
        scan.warnings.append(ClueWarning("keyframe_limit", f"{path.name}: {state.stopped}"))


def _fallback(path: Path, scan: KeyframeScan, state: _Pass, every: float, threads: int) -> None:
    scan.warnings.append(
        ClueWarning(
            "video_no_keyframes",
            f"{path.name}: no decodable keyframe ({state.keyframes_seen} flagged);"
            f" sampling one frame per {every:g} s by full decode",
        )
    )
    errors = state.errors
    _fallback_pass(path, state, every, threads)
    if not state.frames:
        detail = f": {state.first_error}" if state.errors > errors and state.first_error else ""
        scan.warnings.append(
            ClueWarning("video_no_frames", f"{path.name}: no frame could be decoded{detail}")
        )


def _check_truncated(path: Path, scan: KeyframeScan) -> None:
    """The packets end well before the declared duration: the file was cut short."""
    if scan.stream_end is None or not scan.duration:
        return
    if scan.duration - scan.stream_end > 1.0:
        scan.warnings.append(
            ClueWarning(
                "video_truncated",
                f"{path.name}: packets end at {scan.stream_end:.3f} s but the file declares"
                f" {scan.duration:.3f} s (truncated?)",
            )
        )


def extract_keyframes(
    path: str | Path,
    *,
    max_frames: int = MAX_FRAMES,
    scene_threshold: float = SCENE_THRESHOLD,
    sample_gap: float | None = SAMPLE_GAP,
    image_side: int = IMAGE_SIDE,
    threads: int = 0,
) -> list[Keyframe]:
    """Keyframes (and supplementary samples) of ``path`` sorted by time.

    Raises KeyframeError (code as in the warnings) only when no frame at all was had; use
    :func:`scan_keyframes` to get the frames *and* the warnings of a damaged file.
    """
    scan = scan_keyframes(
        path,
        max_frames=max_frames,
        scene_threshold=scene_threshold,
        sample_gap=sample_gap,
        image_side=image_side,
        threads=threads,
    )
    if not scan.frames:
        first = scan.warnings[-1] if scan.warnings else ClueWarning("video_no_frames", str(path))
        raise KeyframeError(first.code, first.message)
    return scan.frames


# -- contact sheet ---------------------------------------------------------------------------


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        from lodestar.demo.fonts import load_font

        return load_font("latin", size)
    except (ImportError, OSError):
        return ImageFont.load_default(size=size)


def _pick(frames: Sequence[Keyframe], limit: int) -> list[Keyframe]:
    """At most ``limit`` frames, scene changes first, the rest spread evenly over time."""
    if len(frames) <= limit:
        return list(frames)
    chosen = {id(f): f for f in frames if f.scene_change}
    chosen = dict(list(chosen.items())[:limit])
    rest = [f for f in frames if id(f) not in chosen]
    need = limit - len(chosen)
    for k in range(need):
        f = rest[(k * len(rest)) // need]
        chosen[id(f)] = f
    return sorted(chosen.values(), key=lambda f: f.timestamp)


def format_time(seconds: float) -> str:
    minutes, sec = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{sec:06.3f}" if hours else f"{minutes:02d}:{sec:06.3f}"


def contact_sheet(
    keyframes: Sequence[Keyframe],
    *,
    columns: int = 6,
    cell: int = THUMB_SIDE,
    max_cells: int = 60,
    title: str | None = None,
) -> Image.Image:
    """A grid of keyframe thumbnails with their timestamps; scene changes framed in orange."""
    frames = _pick(keyframes, max_cells)
    columns = max(1, min(columns, len(frames) or 1))
    rows = max(1, math.ceil(len(frames) / columns))
    aspect = frames[0].image.height / frames[0].image.width if frames else 9 / 16
    cell_h = max(16, round(cell * min(aspect, 1.5)))
    pad, caption = 6, 22
    head = 30 if title else 0
    sheet = Image.new(
        "RGB",
        (columns * (cell + pad) + pad, head + rows * (cell_h + caption + pad) + pad),
        (24, 24, 24),
    )
    draw = ImageDraw.Draw(sheet)
    font = _font(14)
    if title:
        draw.text((pad, 7), title, fill=(235, 235, 235), font=_font(16))
    for n, kf in enumerate(frames):
        x = pad + (n % columns) * (cell + pad)
        y = head + pad + (n // columns) * (cell_h + caption + pad)
        thumb = kf.thumbnail(cell)
        thumb.thumbnail((cell, cell_h), Image.Resampling.BILINEAR)
        sheet.paste(thumb, (x + (cell - thumb.width) // 2, y + (cell_h - thumb.height) // 2))
        if kf.scene_change:
            draw.rectangle(
                (x - 3, y - 3, x + cell + 2, y + cell_h + 2), outline=(255, 150, 0), width=3
            )
        label = format_time(kf.timestamp) + ("  scene" if kf.scene_change else "")
        draw.text((x + 2, y + cell_h + 4), label, fill=(235, 235, 235), font=font)
    return sheet


# -- the extractor ---------------------------------------------------------------------------


def keyframe_relpath(sha256: str, kf: Keyframe) -> Path:
    return Path("keyframes", sha256[:2], sha256, f"{kf.ms}.jpg")


def contact_relpath(sha256: str) -> Path:
    return Path("contact", sha256[:2], f"{sha256}.jpg")


def _write_jpeg(img: Image.Image, target: Path) -> None:
    """Atomic write (temp file + rename): a concurrent reader never sees half a JPEG."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            img.save(fh, "JPEG", quality=JPEG_QUALITY)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _keyframe_clue(kf: Keyframe, path: Path | None) -> ClueValue:
    label = format_time(kf.timestamp)
    return ClueValue(
        kind="keyframe",
        value={
            "timestamp": kf.timestamp,
            "path": path.as_posix() if path else None,
            "pdq": kf.pdq,
            "quality": kf.quality,
            "scene_change": kf.scene_change,
            "source": kf.source,
            "width": kf.image.width,
            "height": kf.image.height,
        },
        text=f"keyframe {label}" + (" (scene change)" if kf.scene_change else ""),
        position=kf.timestamp,
    )


class KeyframeExtractor:
    """Keyframes of a video as ``keyframe`` clues, thumbnails and a ``contact_sheet`` clue."""

    name: ClassVar[str] = "keyframes"
    version: ClassVar[str] = "1"
    stage: ClassVar[str] = "keyframes"

    def __init__(
        self,
        *,
        max_frames: int = MAX_FRAMES,
        sample_gap: float | None = SAMPLE_GAP,
        threads: int = 0,
    ) -> None:
        self.max_frames = max_frames
        self.sample_gap = sample_gap
        self.threads = threads

    def applies_to(self, item: ClueInput) -> bool:
        return item.kind == "video"

    def extract(self, item: ClueInput) -> ExtractResult:
        return self.run(item)[0]

    def run(self, item: ClueInput) -> tuple[ExtractResult, list[Keyframe]]:
        """The result and the keyframes themselves (for :func:`keyframe_images`), one decode."""
        scan = scan_keyframes(
            item.path,
            max_frames=self.max_frames,
            sample_gap=self.sample_gap,
            threads=self.threads,
        )
        result = ExtractResult(warnings=list(scan.warnings))
        result.raw = {
            "duration": scan.duration,
            "keyframes_seen": scan.keyframes_seen,
            "samples": scan.samples,
        }
        if not scan.frames:
            return result, []
        paths, sheet = self._write(item, scan.frames, result)
        result.clues = [_keyframe_clue(kf, p) for kf, p in zip(scan.frames, paths, strict=True)]
        result.clues.append(
            ClueValue(
                kind="contact_sheet",
                value={"path": sheet.as_posix() if sheet else None, "frames": len(scan.frames)},
                text=f"contact sheet of {len(scan.frames)} keyframes",
            )
        )
        return result, scan.frames

    def _write(
        self, item: ClueInput, frames: list[Keyframe], result: ExtractResult
    ) -> tuple[list[Path | None], Path | None]:
        """Thumbnails and the contact sheet under ``item.derived``; paths relative to it."""
        if item.derived is None:
            result.warnings.append(
                ClueWarning("derived_missing", f"{item.path.name}: no derived folder; no files")
            )
            return [None] * len(frames), None
        rels: list[Path | None] = []
        try:
            for kf in frames:
                rel = keyframe_relpath(item.sha256, kf)
                if not (item.derived / rel).exists():  # content-addressed: same bytes
                    _write_jpeg(kf.thumbnail(), item.derived / rel)
                rels.append(rel)
            sheet = contact_relpath(item.sha256)
            _write_jpeg(contact_sheet(frames, title=item.path.name), item.derived / sheet)
        except OSError as exc:
            result.warnings.append(ClueWarning("derived_write_failed", f"{item.path.name}: {exc}"))
            return [None] * len(frames), None
        return rels, sheet

    def close(self) -> None:
        return None


clue_extractors.register(KeyframeExtractor())


# -- keyframes through the image extractors --------------------------------------------------


@dataclass(frozen=True)
class KeyframeImage:
    """A keyframe spooled as an image file for the image extractors (OCR, …).

    ``item`` carries the *video's* SHA-256 (clues belong to the video) and ``timestamp`` is
    the provenance to put in each clue's ``position``.
    """

    timestamp: float
    item: ClueInput


@contextlib.contextmanager
def keyframe_images(
    video: ClueInput, keyframes: Sequence[Keyframe], *, spool: Path | None = None
) -> Iterator[list[KeyframeImage]]:
    """Spool each keyframe's ≤1024 px image as a PNG (lossless, for OCR) and yield them as
    image inputs; the files are removed on exit. Send them to content extractors (OCR, …),
    not to metadata ones: the PNG has no metadata of its own."""
    with tempfile.TemporaryDirectory(prefix="lodestar-kf-", dir=spool) as tmp:
        out = []
        for kf in keyframes:
            target = Path(tmp) / f"{kf.ms}-{kf.source}.png"
            kf.image.save(target, "PNG", compress_level=1)
            item = ClueInput(
                sha256=video.sha256,
                path=target,
                kind="image",
                mime="image/png",
                width=kf.image.width,
                height=kf.image.height,
                derived=video.derived,
            )
            out.append(KeyframeImage(kf.timestamp, item))
        yield out


def with_position(result: ExtractResult, timestamp: float) -> ExtractResult:
    """An image extractor's result on a keyframe, each clue placed at ``timestamp``."""
    clues = [replace(c, position=timestamp) for c in result.clues]
    return ExtractResult(clues=clues, warnings=list(result.warnings), raw=result.raw)


__all__ = [
    "Keyframe",
    "KeyframeError",
    "KeyframeExtractor",
    "KeyframeImage",
    "KeyframeScan",
    "contact_sheet",
    "extract_keyframes",
    "keyframe_images",
    "mark_scene_changes",
    "scan_keyframes",
    "with_position",
]
