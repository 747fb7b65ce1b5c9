"""Benign test videos for the keyframe tests: pans over the project's procedural scenes, cut
between scenes, damaged in known ways, made on the fly (shared by analyze/ and clues/ tests)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

from lodestar.demo.photos import SCENE_KINDS, scene, write_video

SIZE = (320, 240)


def write_cut_video(
    path: Path, segments: list[tuple[int, float]], *, gop: int, scenecut: bool = True
) -> Path:
    """One slow pan per (scene seed, seconds) segment, hard cuts between segments."""
    w, h = SIZE
    options = {} if scenecut else {"x264-params": "scenecut=0"}
    with av.open(str(path), mode="w") as container:
        stream: Any = container.add_stream("libx264", rate=30, options=options)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = gop
        for seed, seconds in segments:
            master = scene(seed, (w * 3 // 2, h * 3 // 2), SCENE_KINDS[seed % 4], grain=0)
            n = round(seconds * 30)
            for i in range(n):
                x0 = (master.width - w) * i / n
                img = master.crop((round(x0), 40, round(x0) + w, 40 + h))
                for packet in stream.encode(av.VideoFrame.from_image(img)):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def remux(src: Path, dst: Path, *, drop_keyframes: bool = False) -> Path:
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        ist = inp.streams.video[0]
        ost = out.add_stream_from_template(ist)
        for packet in inp.demux(ist):
            if packet.dts is None or (drop_keyframes and packet.is_keyframe):
                continue
            packet.stream = ost
            out.mux(packet)
    return dst


def decoded_frame_at(path: Path, t: float) -> Image.Image:
    """The fully decoded frame nearest ``t`` seconds (the reference for a keyframe's time)."""
    with av.open(str(path)) as container:
        frames = [(abs(f.time - t), n, f) for n, f in enumerate(container.decode(video=0))]
        return min(frames, key=lambda x: (x[0], x[1]))[2].to_image()


def damage_keyframe(path: Path, index: int) -> bytes:
    """The file's bytes with the middle of its ``index``-th keyframe packet overwritten."""
    with av.open(str(path)) as container:
        keys = [(p.pos or 0, p.size) for p in container.demux(video=0) if p.is_keyframe]
    pos, size = keys[index]
    bad = bytearray(path.read_bytes())
    noise = random.Random(1)
    for i in range(pos + size // 4, pos + 3 * size // 4):
        bad[i] = noise.randrange(256)
    return bytes(bad)


def make_videos(d: Path) -> dict[str, Path]:
    """Every test video by name, written into ``d``."""
    cut = write_cut_video(d / "cut.mp4", [(1, 2.5), (2, 2.5)], gop=30)
    mkv = write_video(d / "pan.mkv", seconds=6, fps=25, seed=4, gop=25)
    data = mkv.read_bytes()
    (d / "truncated.mkv").write_bytes(data[: len(data) // 2])
    (d / "truncated.mp4").write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    (d / "corrupt.mkv").write_bytes(damage_keyframe(mkv, 2))
    return {
        "cut": cut,
        # a phone-like encoder: fixed GOP, no keyframe at the cut
        "cut_fixed_gop": write_cut_video(
            d / "fixed.mp4", [(1, 2.5), (2, 2.5)], gop=30, scenecut=False
        ),
        "pan": mkv,
        "sparse": write_video(d / "sparse.mp4", seconds=12, fps=25, seed=6, gop=250),
        "intra": write_video(d / "intra.mp4", seconds=3, fps=30, seed=2, gop=1),
        "truncated_mkv": d / "truncated.mkv",
        "truncated_mp4": d / "truncated.mp4",
        "corrupt": d / "corrupt.mkv",
        "no_keyframes": remux(
            write_video(d / "long_gop.mkv", seconds=3, fps=25, seed=2, gop=250),
            d / "no_keyframes.mkv",
            drop_keyframes=True,
        ),
    }


def write_audio_only(path: Path) -> Path:
    """A short mono tone with no video stream."""
    with av.open(str(path), "w") as container:
        stream: Any = container.add_stream("mp2", rate=16000)
        stream.layout = "mono"
        tone = (np.sin(np.arange(1152) / 5) * 3000).astype(np.int16)[None, :]
        for i in range(10):
            frame = av.AudioFrame.from_ndarray(tone, format="s16", layout="mono")
            frame.sample_rate, frame.pts = 16000, i * 1152
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
