"""Short H.264 clips: a slow pan over a scene master (PyAV, libx264, yuv420p, mp4).

Encoding runs with one thread so the same frames give the same bytes.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import av
from PIL import Image

from lodestar.demo.shots import apply_light, crop_view


@dataclass(frozen=True)
class Clip:
    size: tuple[int, int]
    fps: int
    frames: int
    seed: int
    creation_utc: datetime
    location: tuple[float, float] | None = None
    crf: int = 26

    @property
    def seconds(self) -> float:
        return self.frames / self.fps


def iso6709(lat: float, lon: float) -> str:
    return f"{lat:+08.4f}{lon:+09.4f}/"


def _video_master(master: Image.Image, width: int, view: float) -> Image.Image:
    """Downscale the master once so a pan window samples it at about 1:1."""
    target = round(width / view)
    if master.width <= target * 1.2:
        return master
    height = round(master.height * target / master.width)
    return master.resize((target, height), Image.Resampling.BOX)


def _open_stream(container: av.container.OutputContainer, clip: Clip) -> av.VideoStream:
    stream = container.add_stream("libx264", rate=clip.fps)
    stream.width, stream.height = clip.size
    stream.pix_fmt = "yuv420p"
    stream.codec_context.thread_count = 1
    stream.codec_context.options = {"preset": "ultrafast", "crf": str(clip.crf), "threads": "1"}
    return stream


def encode_pan(master: Image.Image, clip: Clip) -> bytes:
    """Encode a pan across ``master`` (left to right with a slight zoom) to mp4 bytes."""
    rng = random.Random(clip.seed)
    view = rng.uniform(0.5, 0.6)
    small = _video_master(master, clip.size[0], view)
    x0, x1 = rng.uniform(0.3, 0.38), rng.uniform(0.62, 0.7)
    y0, y1 = rng.uniform(0.42, 0.5), rng.uniform(0.45, 0.55)
    zoom = rng.uniform(0.9, 1.0)
    gain = rng.uniform(0.9, 1.05)
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stamp = clip.creation_utc.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        container.metadata["creation_time"] = stamp
        if clip.location is not None:
            container.metadata["location"] = iso6709(*clip.location)
        stream = _open_stream(container, clip)
        for i in range(clip.frames):
            t = i / max(1, clip.frames - 1)
            img = crop_view(small, clip.size, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t,
                            view * (1 - (1 - zoom) * t))
            frame = av.VideoFrame.from_image(apply_light(img, gain, (1.0, 1.0, 1.0)))
            frame = frame.reformat(format="yuv420p")
            frame.pts = i
            frame.time_base = Fraction(1, clip.fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()
