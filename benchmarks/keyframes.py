"""Keyframe pass speed: seconds of video processed per CPU-second (one core) vs a full decode.

The set: benign 720p H.264 videos made from the project's procedural scenes (landscapes, rooms,
streets, shapes — no people): camera pans and zooms over each scene, hard cuts between scenes
every 3–12 s, 30 fps, a phone-like GOP (1 s or 2 s; half of the videos with x264's scene-cut
keyframes turned off, as in phones' hardware encoders). A second, smaller set has sparse
keyframes (x264's default GOP of 250 frames, ~8 s) to measure supplementary sampling.
Generated once into benchmarks/.cache/keyframes/.

Rows, each on one decoder thread, timed per video as the best of --rounds interleaved rounds
(every row runs on a video before the next video, so background load hits all rows alike):

- full decode: every frame decoded, nothing converted (the baseline);
- keyframe-only decode: ``skip_frame = "NONKEY"``, nothing converted;
- extractor: :class:`lodestar.clues.keyframes.KeyframeExtractor` — keyframes, RGB ≤1024 px,
  PDQ, scene changes, 256 px JPEG thumbnails and the contact sheet written to a temp folder;
- on the sparse set: the extractor with and without supplementary samples.

× real time = seconds of video / CPU seconds of this process (``time.process_time``), i.e.
per core; wall-clock figures are printed beside them.

Usage: python benchmarks/keyframes.py [--count 10] [--seconds 60] [--sparse 3] [--rounds 2]
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from lodestar.analyze.keyframes import scan_keyframes  # noqa: E402
from lodestar.clues.base import ClueInput  # noqa: E402
from lodestar.clues.keyframes import KeyframeExtractor  # noqa: E402
from lodestar.demo.photos import SCENE_KINDS, scene  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache" / "keyframes"
SIZE = (1280, 720)
FPS = 30


def write_cut_video(
    path: Path, segments: list[tuple[int, float]], *, gop: int | None, scenecut: bool
) -> Path:
    """Pans/zooms over one procedural scene per segment, hard cuts between segments."""
    w, h = SIZE
    params = "" if scenecut else "scenecut=0"
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), mode="w") as container:
        options = {"preset": "veryfast", **({"x264-params": params} if params else {})}
        stream: Any = container.add_stream("libx264", rate=FPS, options=options)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        if gop:
            stream.codec_context.gop_size = gop
        for seed, seconds in segments:
            master = scene(seed, (w * 8 // 5, h * 8 // 5), SCENE_KINDS[seed % 4], grain=2)
            rng = random.Random(seed)
            dx, dy, z0 = rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(1.2, 1.5)
            n = round(seconds * FPS)
            for i in range(n):
                t = i / max(1, n - 1)
                zoom = z0 - 0.2 * t
                cw, ch = master.width / zoom, master.height / zoom
                x0 = (master.width - cw) * (0.5 + 0.45 * dx * (t - 0.5) * 2)
                y0 = (master.height - ch) * (0.5 + 0.3 * dy * math.sin(math.pi * t))
                img = master.resize(
                    (w, h), Image.Resampling.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch)
                )
                for packet in stream.encode(av.VideoFrame.from_image(img)):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    tmp.replace(path)
    return path


def segments_of(n: int, seconds: float, sparse: bool) -> list[tuple[int, float]]:
    """(scene seed, seconds) per segment of video ``n``: cuts every 3–12 s."""
    rng = random.Random(1000 * n + int(sparse))
    segments: list[tuple[int, float]] = []
    total = 0.0
    while total < seconds:
        length = min(rng.uniform(3, 12), seconds - total)
        segments.append((rng.randrange(10_000), length))
        total += length
    return segments


def gop_of(n: int, sparse: bool) -> int | None:
    return None if sparse else (30 if n % 2 == 0 else 60)


def make_set(prefix: str, count: int, seconds: float, sparse: bool) -> list[Path]:
    CACHE.mkdir(parents=True, exist_ok=True)
    out = []
    for n in range(count):
        gop = gop_of(n, sparse)
        path = CACHE / f"{prefix}-{n:02d}-{int(seconds)}s-gop{gop or 250}.mp4"
        if not path.exists():
            segments = segments_of(n, seconds, sparse)
            t0 = time.perf_counter()
            write_cut_video(path, segments, gop=gop, scenecut=n % 4 < 2)
            print(f"  made {path.name} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        out.append(path)
    return out


def duration(path: Path) -> float:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert s.duration is not None and s.time_base is not None
        return float(s.duration * s.time_base)


def full_decode(path: Path) -> int:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.codec_context.thread_count = 1
        return sum(1 for _ in c.decode(s))


def keyframe_decode(path: Path) -> int:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.codec_context.thread_count = 1
        s.codec_context.skip_frame = "NONKEY"
        return sum(1 for _ in c.decode(s))


def extractor(sample_gap: float | None) -> Callable[[Path], int]:
    ext = KeyframeExtractor(threads=1, sample_gap=sample_gap)

    def run(path: Path) -> int:
        with tempfile.TemporaryDirectory() as tmp:
            item = ClueInput(
                sha256=path.stem.ljust(64, "0"), path=path, kind="video", derived=Path(tmp)
            )
            result = ext.extract(item)
            assert not result.warnings, result.warnings
            return sum(1 for c in result.clues if c.kind == "keyframe")

    return run


def measure(
    rows: dict[str, Callable[[Path], int]], videos: list[Path], rounds: int
) -> dict[str, tuple[float, float, int]]:
    """Per row: (CPU s, wall s, frames), each video's best of ``rounds``, summed."""
    best: dict[str, dict[Path, tuple[float, float, int]]] = {r: {} for r in rows}
    for _ in range(rounds):
        for video in videos:
            for name, fn in rows.items():
                c0, w0 = time.process_time(), time.perf_counter()
                frames = fn(video)
                got = (time.process_time() - c0, time.perf_counter() - w0, frames)
                prev = best[name].get(video)
                best[name][video] = got if prev is None or got[0] < prev[0] else prev
    return {
        name: (
            sum(v[0] for v in per.values()),
            sum(v[1] for v in per.values()),
            sum(v[2] for v in per.values()),
        )
        for name, per in best.items()
    }


def table(title: str, results: dict[str, tuple[float, float, int]], seconds: float) -> None:
    base = next(iter(results.values()))[0]
    print(f"\n{title}: {seconds:.0f} s of video")
    print(f"{'row':34} {'frames':>7} {'CPU s':>7} {'×RT/core':>9} {'×RT wall':>9} {'vs base':>8}")
    for name, (cpu, wall, frames) in results.items():
        print(
            f"{name:34} {frames:7d} {cpu:7.2f} {seconds / cpu:9.1f} {seconds / wall:9.1f}"
            f" {base / cpu:7.2f}×"
        )


def cut_detection(videos: list[Path], seconds: float, sparse: bool) -> None:
    """Scene changes found vs the known cuts (a cut counts as found when a flagged frame lies
    between it and one GOP (or one sample gap) later)."""
    found = cuts = flagged = false = 0
    for n, path in enumerate(videos):
        frames = scan_keyframes(path, sample_gap=5.0).frames
        bounds = [*itertools.accumulate(s for _, s in segments_of(n, seconds, sparse))][:-1]
        late = 5.0 if sparse else (gop_of(n, sparse) or 30) / FPS

        def near(b: float, c: float, late: float = late) -> bool:
            return b - 0.05 <= c <= b + late + 0.05

        changes = [f.timestamp for f in frames if f.scene_change]
        cuts += len(bounds)
        found += sum(any(near(b, c) for c in changes) for b in bounds)
        flagged += len(changes)
        false += sum(not any(near(b, c) for b in bounds) for c in changes)
    print(
        f"  scene changes: {found}/{cuts} cuts found; {flagged} frames flagged,"
        f" {false} not at a cut"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--sparse", type=int, default=3, help="videos with GOP 250 (0: skip)")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    phone = make_set("phone", args.count, args.seconds, sparse=False)
    sparse = make_set("sparse", args.sparse, args.seconds, sparse=True)
    rows: dict[str, Callable[[Path], int]] = {
        "full decode (baseline)": full_decode,
        "keyframe-only decode": keyframe_decode,
        "extractor (kf+PDQ+thumbs+sheet)": extractor(5.0),
    }
    print(f"PyAV {av.__version__}, FFmpeg {av.library_versions['libavcodec']}, one thread")
    table(
        f"{len(phone)} × 720p H.264, GOP 1–2 s",
        measure(rows, phone, args.rounds),
        sum(map(duration, phone)),
    )
    cut_detection(phone, args.seconds, sparse=False)
    if sparse:
        sparse_rows = {
            "full decode (baseline)": full_decode,
            "keyframe-only decode": keyframe_decode,
            "extractor, no samples": extractor(None),
            "extractor + samples every ≤5 s": extractor(5.0),
        }
        table(
            f"{len(sparse)} × 720p H.264, GOP 250 (sparse)",
            measure(sparse_rows, sparse, args.rounds),
            sum(map(duration, sparse)),
        )
        cut_detection(sparse, args.seconds, sparse=True)


if __name__ == "__main__":
    main()
