"""Video facts for the fast pass with PyAV: duration, codec, resolution, frame rate, thumbnail."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import av
from PIL import Image

from lodestar.analyze.images import ImageProblem

# Decoding stops after this many packets while looking for a first frame (hostile streams).
MAX_PACKETS_FOR_THUMB = 600


@dataclass
class VideoFacts:
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    codec: str | None = None
    frame_rate: float | None = None
    thumb: Image.Image | None = None
    problems: list[ImageProblem] = field(default_factory=list)


def analyze_video(source: str | bytes, *, thumb_size: int) -> VideoFacts:
    facts = VideoFacts()
    target: Any = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        container = av.open(target, mode="r", timeout=30)
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        facts.problems.append(ImageProblem("video_unreadable", f"cannot open video: {exc}"))
        return facts
    with container:
        if not container.streams.video:
            facts.problems.append(ImageProblem("video_no_stream", "no video stream"))
            return facts
        stream = container.streams.video[0]
        facts.codec = stream.codec_context.name
        facts.width = stream.codec_context.width or None
        facts.height = stream.codec_context.height or None
        rate = stream.average_rate or stream.guessed_rate
        facts.frame_rate = round(float(rate), 3) if rate else None
        facts.duration_s = _duration(container, stream)
        facts.thumb = _first_frame(container, stream, thumb_size, facts)
    return facts


def _duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return round(float(stream.duration * stream.time_base), 3)
    if container.duration is not None:
        return round(container.duration / av.time_base, 3)
    return None


def _first_frame(container: Any, stream: Any, size: int, facts: VideoFacts) -> Image.Image | None:
    stream.codec_context.skip_frame = "NONKEY"  # keyframes only: cheap and enough for a thumb
    try:
        for count, packet in enumerate(container.demux(stream)):
            for frame in packet.decode():
                img = frame.to_image()
                img.thumbnail((size, size), Image.Resampling.BILINEAR)
                return img
            if count >= MAX_PACKETS_FOR_THUMB:
                break
    except (av.FFmpegError, OSError, ValueError) as exc:
        facts.problems.append(ImageProblem("video_corrupt", f"frames unreadable: {exc}"))
        return None
    facts.problems.append(ImageProblem("video_no_keyframe", "no decodable keyframe found"))
    return None
