"""Scene links at scale: cost per added image of the local-feature shortlist, 1k → 10k → 50k.

The scene builder adds every image's ORB descriptors to one :class:`FeatureIndex` and then
shortlists each image against it, so the cost per added image is one ``add`` (amortised,
index rebuilds included) plus one ``shortlist``. This script times both for the current index
(flat up to ``FLAT_MAX`` descriptors, IVF above) against the exact flat index (same run, same
data; the flat one only up to ``--flat-max-images``), and reports the shortlist recall of
planted pairs for each.

Synthetic descriptors, not uniform random bits (which make any index look good, every
non-match being ~128 bits away): each descriptor is one of ``--words`` random 256-bit "visual
word" centres, drawn with Zipf-like frequencies, with ~15 % of its bits flipped — so two
descriptors of one word differ by ~65 bits, right at the vote radius, as unrelated ORB
descriptors of similar corners do. Planted pairs: the last ``--queries`` images are edited
copies of earlier ones: ``--keep`` of the descriptors survive with ``--flip`` of their bits
flipped (rescale, JPEG), the rest are new (crop, caption). Each copy is in the index too and
is shortlisted with itself excluded, as the scene builder does; it is found when its original
is on the shortlist.

Usage: python benchmarks/scene_scale.py [--sizes 1000,10000,50000] [--descriptors 100]
       [--queries 40] [--flat-max-images 50000] [--keep 0.2] [--flip 0.12]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lodestar.match.features import FeatureIndex, LocalFeatures

NOISE_POOL = 1 << 16


@dataclass
class Collection:
    descriptors: np.ndarray  # (n, per_image, 32) uint8
    originals: np.ndarray  # planted pair: image n - q + i copies originals[i]


def synthetic(
    n: int, per_image: int, words: int, queries: int, keep: float, flip: float, seed: int
) -> Collection:
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 256, (words, 32), dtype=np.uint8)
    freq = 1.0 / (np.arange(words) + 10.0)
    # Two XORed rows at p = 0.082 give p ≈ 0.15 per bit without drawing 256 floats per
    # descriptor (50k images × 100 descriptors would be 1.3 G draws).
    pool = np.packbits(rng.random((NOISE_POOL, 256)) < 0.082, axis=1)

    def draw(shape: tuple[int, int]) -> np.ndarray:
        words_of = rng.choice(words, size=shape, p=freq / freq.sum())
        a, b = rng.integers(0, NOISE_POOL, shape), rng.integers(0, NOISE_POOL, shape)
        return np.asarray(centres[words_of] ^ pool[a] ^ pool[b])

    desc = np.empty((n, per_image, 32), np.uint8)
    for start in range(0, n, 2000):
        stop = min(n, start + 2000)
        desc[start:stop] = draw((stop - start, per_image))
    originals = rng.choice(n - queries, size=queries, replace=False)
    for i, orig in enumerate(originals):
        copy = desc[orig].copy()
        bits = np.unpackbits(copy, axis=1)
        bits ^= (rng.random(bits.shape) < flip).astype(np.uint8)
        copy = np.packbits(bits, axis=1)
        new = rng.random(per_image) >= keep
        copy[new] = draw((1, per_image))[0][new]
        desc[n - queries + i] = copy
    return Collection(desc, originals)


@dataclass
class Row:
    method: str
    build_s: float
    shortlist_ms: float
    found: set[int]  # planted pairs (by number) whose original was shortlisted

    def per_image_ms(self, n: int) -> float:
        return self.build_s / n * 1000 + self.shortlist_ms


def measure(col: Collection, n: int, make: Callable[[], FeatureIndex]) -> Row:
    xy = np.zeros((col.descriptors.shape[1], 2), np.float32)
    check = np.zeros((8, 8), np.uint8)
    feats = [LocalFeatures(xy, col.descriptors[i], (640, 480), check) for i in range(n)]
    t = time.perf_counter()
    index = make()
    for i, f in enumerate(feats):
        index.add(i, f)
    build = time.perf_counter() - t
    q = len(col.originals)
    t = time.perf_counter()
    found = {
        i
        for i, orig in enumerate(col.originals)
        if int(orig) in index.shortlist(feats[n - q + i], exclude=n - q + i)
    }
    per = (time.perf_counter() - t) / q * 1000
    return Row(index.method, build, per, found)


def scene_scale(
    sizes: tuple[int, ...],
    *,
    per_image: int = 100,
    queries: int = 40,
    flat_max_images: int = 50_000,
    words: int = 512,
    keep: float = 0.2,
    flip: float = 0.12,
) -> None:
    print(
        f"scene links: cost per added image (synthetic: {per_image} ORB-like descriptors per "
        f"image around {words} visual words, ~15 % bit noise; {queries} planted copies keeping "
        f"{keep:.0%} of the descriptors with {flip:.0%} of bits flipped)"
    )
    print(
        f"{'images':>7} {'descriptors':>11} {'index':>9} {'add s':>7} {'shortlist ms':>12} "
        f"{'ms/added img':>12} {'recall':>7} {'found by both':>13}"
    )
    for n in sizes:
        col = synthetic(n, per_image, words, queries, keep, flip, seed=n)
        rows = [measure(col, n, FeatureIndex)]
        if n <= flat_max_images and rows[0].method != "flat":
            rows.append(measure(col, n, lambda: FeatureIndex(flat_max=1 << 62)))
        for r in rows:
            both = f"{len(rows[0].found & rows[-1].found)}/{queries}" if len(rows) > 1 else "—"
            print(
                f"{n:>7} {n * per_image:>11} {r.method:>9} {r.build_s:7.1f} "
                f"{r.shortlist_ms:12.1f} {r.per_image_ms(n):12.1f} "
                f"{len(r.found) / queries:7.3f} {both:>13}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--descriptors", type=int, default=100)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--flat-max-images", type=int, default=50_000)
    parser.add_argument("--words", type=int, default=512)
    parser.add_argument("--keep", type=float, default=0.2)
    parser.add_argument("--flip", type=float, default=0.12)
    args = parser.parse_args()
    scene_scale(
        tuple(int(x) for x in args.sizes.split(",") if x),
        per_image=args.descriptors,
        queries=args.queries,
        flat_max_images=args.flat_max_images,
        words=args.words,
        keep=args.keep,
        flip=args.flip,
    )


if __name__ == "__main__":
    main()
