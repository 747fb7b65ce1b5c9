"""The whole scan of one video: keyframe pass, fallback or supplementary samples, scene
changes, and every problem as a :class:`KeyframeWarning` (a scan never raises for bad input)."""

from __future__ import annotations

from pathlib import Path

from lodestar.analyze.keyframes.decode import (
    AV_ERRORS,
    Clock,
    Pass,
    configure,
    declared_duration,
    fallback_pass,
    keyframe_pass,
    open_video,
)
from lodestar.analyze.keyframes.frames import (
    IMAGE_SIDE,
    Keyframe,
    KeyframeError,
    KeyframeScan,
    KeyframeWarning,
)
from lodestar.analyze.keyframes.samples import sample_gaps
from lodestar.analyze.keyframes.scenes import SCENE_THRESHOLD, mark_scene_changes

MAX_FRAMES = 400  # keyframes kept per video; long videos are thinned evenly to this
MIN_INTERVAL = 0.25  # s: keyframes closer than this to the last kept one are not decoded
SAMPLE_GAP = 5.0  # s: gaps between keyframes longer than this get supplementary samples


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
        container = open_video(path)
    except AV_ERRORS as exc:
        message = f"{path.name}: cannot open: {exc}"
        scan.warnings.append(KeyframeWarning("video_unreadable", message))
        return scan
    with container:
        if not container.streams.video:
            message = f"{path.name}: no video stream"
            scan.warnings.append(KeyframeWarning("video_no_stream", message))
            return scan
        stream = container.streams.video[0]
        configure(stream, threads)
        stream.codec_context.skip_frame = "NONKEY"
        scan.duration = declared_duration(container, stream)
        if scan.duration and max_frames > 0:  # thin long videos evenly rather than cut them
            min_interval = max(min_interval, scan.duration / max_frames)
        state = Pass(Clock(stream), min_interval, image_side, max_frames)
        keyframe_pass(container, stream, state)
    scan.keyframes_seen = state.keyframes_seen
    scan.stream_end = state.stream_end
    _check_pass(path, scan, state)
    if not state.frames:
        _fallback(path, scan, state, sample_gap or SAMPLE_GAP, threads)
    elif sample_gap:
        samples, problem = sample_gaps(
            path, state, scan.stream_end or scan.duration, sample_gap, threads
        )
        scan.samples = len(samples)
        state.frames.extend(samples)
        if problem:
            scan.warnings.append(KeyframeWarning("video_corrupt", f"{path.name}: {problem}"))
    scan.frames = mark_scene_changes(state.frames, scene_threshold=scene_threshold)
    _check_truncated(path, scan)
    return scan


def _check_pass(path: Path, scan: KeyframeScan, state: Pass) -> None:
    if state.errors:
        scan.warnings.append(
            KeyframeWarning(
                "video_corrupt",
                f"{path.name}: {state.errors} packet(s) failed to decode: {state.first_error}",
            )
        )
    if state.stopped and state.stopped.startswith("demuxing"):
        scan.warnings.append(KeyframeWarning("video_corrupt", f"{path.name}: {state.stopped}"))
    elif state.stopped:
        scan.warnings.append(KeyframeWarning("keyframe_limit", f"{path.name}: {state.stopped}"))


def _fallback(path: Path, scan: KeyframeScan, state: Pass, every: float, threads: int) -> None:
    scan.warnings.append(
        KeyframeWarning(
            "video_no_keyframes",
            f"{path.name}: no decodable keyframe ({state.keyframes_seen} flagged);"
            f" sampling one frame per {every:g} s by full decode",
        )
    )
    errors = state.errors
    fallback_pass(path, state, every, threads)
    if not state.frames:
        detail = f": {state.first_error}" if state.errors > errors and state.first_error else ""
        scan.warnings.append(
            KeyframeWarning("video_no_frames", f"{path.name}: no frame could be decoded{detail}")
        )


def _check_truncated(path: Path, scan: KeyframeScan) -> None:
    """The packets end well before the declared duration: the file was cut short."""
    if scan.stream_end is None or not scan.duration:
        return
    if scan.duration - scan.stream_end > 1.0:
        scan.warnings.append(
            KeyframeWarning(
                "video_truncated",
                f"{path.name}: packets end at {scan.stream_end:.3f} s but the file declares"
                f" {scan.duration:.3f} s (truncated?)",
            )
        )


def require_frames(scan: KeyframeScan, path: str | Path) -> list[Keyframe]:
    """The scan's frames, or KeyframeError (the last warning's code and message) if none."""
    if not scan.frames:
        last = scan.warnings[-1] if scan.warnings else KeyframeWarning("video_no_frames", str(path))
        raise KeyframeError(last.code, last.message)
    return scan.frames


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
    return require_frames(scan, path)
