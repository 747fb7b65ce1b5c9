"""Which JPEG decode path keeps PDQ within 10 bits of the full-resolution PDQ, and at what cost.

PDQ's reference hasher blurs the *full-resolution* luminance with a Jarosz (tent) filter and
decimates it to 64×64. Lodestar's fast pass never decodes full resolution (libjpeg DCT scaling
via Pillow ``draft``), so this benchmark measures, for each candidate decode path, how far its
PDQ drifts from the full-resolution PDQ (``pdqhash.compute`` on the fully decoded RGB image):

- ms/image: open + decode + hash on one core, mean over the set of each image's best time over
  --rounds interleaved rounds (every path runs on an image before the next image), so
  background load on the machine hits all paths alike;
- ≤10 bits: share of images within 10 bits of the full-resolution PDQ, among images whose
  full-resolution PDQ quality is ≥ 80 (the acceptance target is ≥ 99 %);
- mean / p99 / max Hamming distance over the same images.

The image set: procedural benign scenes (landscapes, rooms, streets, shapes — no people) at
4000×3000 and 1600×1200 (and portrait/odd sizes) saved as q90 JPEGs, plus scikit-image's
non-person sample photos when scikit-image is installed. Generated once, cached under
benchmarks/.cache/pdq-corpus-v2-N/.

Two extra timing-only rows show the bare reduced decode, i.e. what PDQ adds when it shares the
fast pass's thumbnail decode (``pdq_from_draft``).

Usage: python benchmarks/pdq_decode.py [--count 200] [--rounds 3] [--paths a,b] [--every N]
                                       [--no-skimage] [--workers N] [--out FILE]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from lodestar.analyze.signals import pdq as lodestar_pdq  # noqa: E402
from lodestar.demo.photos import jpeg_bytes, scene, skimage_sample_files  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
SIZES = [
    (4000, 3000),
    (1600, 1200),
    (3000, 4000),
    (1200, 1600),
    (4000, 3000),
    (1600, 1200),
    (4032, 3024),
    (1599, 1201),
]

Hasher = Callable[[bytes], tuple[str, int]]


def _hex(img: Image.Image) -> tuple[str, int]:
    arr = np.asarray(img)
    if arr.ndim == 2:  # luma: PDQ's 0.299/0.587/0.114 weights sum to 1, so L,L,L → L
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    bits, quality = pdqhash.compute(arr)
    return lodestar_pdq.bits_to_hex(bits), int(quality)


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def full_rgb(data: bytes) -> tuple[str, int]:
    """The reference: full decode to RGB, pdqhash filters from full resolution."""
    return _hex(_open(data).convert("RGB"))


def full_luma(data: bytes) -> tuple[str, int]:
    img = _open(data)
    img.draft("L", None)  # libjpeg hands over Y directly (no chroma decode / colour convert)
    return _hex(img.convert("L"))


def _draft(mode: str, side: int) -> Hasher:
    def run(data: bytes) -> tuple[str, int]:
        img = _open(data)
        img.draft(mode, (side, side))  # the largest DCT scale-down that keeps both sides ≥ side
        return _hex(img.convert(mode))

    run.__name__ = f"draft_{'luma' if mode == 'L' else 'rgb'}_{side}"
    return run


def _draft_resize(side: int, target: int, resample: Image.Resampling) -> Hasher:
    def run(data: bytes) -> tuple[str, int]:
        img = _open(data)
        img.draft("L", (side, side))
        img = img.convert("L")
        return _hex(img.resize((target, target), resample))

    run.__name__ = f"draft_luma_{side}_{resample.name.lower()}{target}"
    return run


def thumb256(data: bytes) -> tuple[str, int]:
    """What the fast pass already has: its 256 px thumbnail (draft + bilinear thumbnail)."""
    img = _open(data)
    img.draft("RGB", (256, 256))
    img.thumbnail((256, 256), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return _hex(img.convert("RGB"))


def _folded(side: int) -> Hasher:
    """Lodestar's path: draft luma ≥ side, full-res Jarosz weights folded onto the blocks."""

    def run(data: bytes) -> tuple[str, int]:
        sv = lodestar_pdq.pdq_from_jpeg_bytes(data, min_side=side)
        assert sv is not None and sv.quality is not None
        return sv.value, sv.quality

    run.__name__ = f"folded_jarosz_{side}"
    return run


def shared_rgb_draft_256(data: bytes) -> tuple[str, int]:
    """Lodestar's folding on the fast pass's own thumbnail decode (draft RGB ≥ 256 px)."""
    img = _open(data)
    full = img.size
    img.draft("RGB", (256, 256))
    img.load()
    sv = lodestar_pdq.pdq_from_draft(img, full)
    assert sv is not None and sv.quality is not None
    return sv.value, sv.quality


PATHS: dict[str, Hasher] = {
    f.__name__: f
    for f in [
        full_rgb,
        full_luma,
        thumb256,
        _draft("RGB", 512),
        _draft("L", 512),
        _draft("L", 256),
        _draft("L", 128),
        _draft("L", 64),
        _draft_resize(512, 512, Image.Resampling.BILINEAR),
        _draft_resize(256, 64, Image.Resampling.BOX),
        _folded(512),
        _folded(256),
        _folded(128),
        _folded(64),
        shared_rgb_draft_256,
    ]
}


CHOSEN = f"folded_jarosz_{lodestar_pdq.DECODE_MIN_SIDE}"


def _make(args: tuple[int, tuple[int, int], Path]) -> Path:
    seed, size, path = args
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(jpeg_bytes(scene(seed, size), 90))
        tmp.replace(path)
    return path


def build_corpus(count: int, workers: int, with_skimage: bool) -> list[Path]:
    folder = CACHE / f"pdq-corpus-v2-{count}"
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [
        (seed, SIZES[seed % len(SIZES)], folder / f"scene-{seed:04d}-{w}x{h}.jpg")
        for seed in range(count)
        for (w, h) in [SIZES[seed % len(SIZES)]]
    ]
    todo = [j for j in jobs if not j[2].exists()]
    if todo:
        print(f"generating {len(todo)} scenes into {folder} …", file=sys.stderr)
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_make, todo, chunksize=2))
    paths = [j[2] for j in jobs]
    if with_skimage:
        paths += skimage_sample_files(folder)
    return paths


def _decode_only(mode: str) -> Hasher:
    def run(data: bytes) -> tuple[str, int]:
        img = _open(data)
        img.draft(mode, (256, 256))
        img.load()
        return "", 0

    return run


TIMING_ONLY = {
    "decode only: draft RGB ≥256": _decode_only("RGB"),
    "decode only: draft L ≥256": _decode_only("L"),
}


def measure(files: list[Path], names: list[str], rounds: int) -> dict[str, dict[str, float]]:
    """Interleaved: each round runs every path on every image, so background load hits all
    paths alike; an image's time is its best over the rounds."""
    blobs = [p.read_bytes() for p in files]
    fns = {name: PATHS[name] for name in names} | TIMING_ONLY
    best = {name: [float("inf")] * len(blobs) for name in fns}
    hashes: dict[str, list[tuple[str, int]]] = {name: [] for name in fns}
    ref = [full_rgb(b) for b in blobs]  # the reference (and a warm-up)
    for r in range(rounds):
        for i, b in enumerate(blobs):
            for name, fn in fns.items():
                start = time.perf_counter()
                out = fn(b)
                best[name][i] = min(best[name][i], time.perf_counter() - start)
                if r == 0:
                    hashes[name].append(out)
    good = [i for i, (_, q) in enumerate(ref) if q >= 80]
    results: dict[str, dict[str, float]] = {}
    for name in fns:
        ms = statistics.fmean(best[name]) * 1000
        if name in TIMING_ONLY:
            results[name] = {"ms_per_image": round(ms, 2)}
            continue
        dist = sorted(lodestar_pdq.hamming(hashes[name][i][0], ref[i][0]) for i in good)
        results[name] = {
            "ms_per_image": round(ms, 2),
            "within_10": round(sum(d <= 10 for d in dist) / len(dist), 4),
            "mean": round(statistics.fmean(dist), 2),
            "p99": dist[min(len(dist) - 1, int(0.99 * len(dist)))],
            "max": dist[-1],
            "n": len(dist),
        }
    results["_corpus"] = {
        "images": len(files),
        "quality_ge_80": len(good),
        "megapixels_mean": round(
            statistics.fmean(Image.open(p).size[0] * Image.open(p).size[1] for p in files) / 1e6, 2
        ),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200, help="synthetic scenes (default 200)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--paths", default=",".join(PATHS), help="comma-separated subset")
    parser.add_argument("--no-skimage", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds (best counts)")
    parser.add_argument("--every", type=int, default=1, help="use every Nth image (quick runs)")
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    names = [n for n in args.paths.split(",") if n]
    unknown = [n for n in names if n not in PATHS]
    if unknown:
        parser.error(f"unknown paths {unknown}; known: {', '.join(PATHS)}")
    files = build_corpus(args.count, args.workers, not args.no_skimage)[:: args.every]
    results = measure(files, names, args.rounds)
    corpus = results["_corpus"]
    print(
        f"{corpus['images']} images ({corpus['megapixels_mean']} MP mean), "
        f"{corpus['quality_ge_80']} with full-res PDQ quality ≥ 80; distances to full-res PDQ"
    )
    print(f"{'path':<28} {'ms/img':>8} {'≤10 bits':>9} {'mean':>6} {'p99':>5} {'max':>5}")
    for name in names:
        r = results[name]
        print(
            f"{name:<28} {r['ms_per_image']:>8.1f} {r['within_10'] * 100:>8.1f}% "
            f"{r['mean']:>6.2f} {r['p99']:>5} {r['max']:>5}"
            + ("   ← Lodestar" if name == CHOSEN else "")
        )
    for label in TIMING_ONLY:
        print(f"{label:<28} {results[label]['ms_per_image']:>8.1f}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
