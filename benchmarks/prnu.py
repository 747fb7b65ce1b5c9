"""PRNU camera identification on simulated sensors: accuracy, false links and speed.

Data (benign, made on the fly): --cameras simulated cameras (``lodestar.demo.sensor``: a fixed
multiplicative pattern K of std --strength per camera, shot and read noise per frame), each
shooting --train + --test distinct procedural scenes (``lodestar.demo.photos.scene``:
landscapes, rooms, streets, shapes; no people) as full frames of (crop+256)×(crop+128) px, saved
as JPEG at every --qualities value. The same scenes are used at every quality.

Per quality, each camera's fingerprint comes from its --train images; every --test image (held
out) is then scored against ALL cameras' fingerprints, by three matchers:

- lodestar: ``lodestar.series.prnu`` — wavelet residual (db8, 4 levels, Mihcak Wiener),
  maximum-likelihood K, zero-mean + Wiener-in-DFT, signed PCE at zero shift against I·K
  (``CameraFingerprint.from_files`` / ``match_file``);
- wavelet+NCC: the same wavelet residual, K = plain mean of the training residuals, plain
  normalised cross-correlation with the test residual (no ML weights, no zero-mean/Wiener,
  no PCE);
- gauss+NCC: residual = I − Gaussian-blurred I (sigma 1), K = mean residual, plain NCC.

The NCC scores ρ are shown as sign(ρ)·n·ρ² (n pixels), the PCE of an ideal white-noise
correlation, so one threshold (--threshold, default 60) applies to all three.

Reported per matcher and quality: right camera first (top-scored camera is the true one),
identified (first AND score ≥ threshold), false links (image↔wrong-camera pairs with score ≥
threshold, of all such pairs), the smallest same-camera score and the largest other-camera
score. Then the time per image on one core (best of --reps) at --timing-crops: residual
extraction (lodestar: wavelet residual + zero-mean + Wiener DFT; baseline: Gaussian residual)
and one comparison against one fingerprint (lodestar: I·K product + FFT PCE; baseline: NCC).

Usage: python benchmarks/prnu.py [--cameras 6] [--train 6] [--test 4] [--crop 1024]
                                 [--qualities 90,75] [--strength 0.01] [--threshold 60]
                                 [--timing-crops 1024,2048] [--reps 3]
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: the figures are per core

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter

from lodestar.demo.photos import scene
from lodestar.demo.sensor import apply_sensor, sensor_pattern
from lodestar.series import prnu as P

MATCHERS = ("lodestar", "wavelet+NCC", "gauss+NCC")


@dataclass
class Scores:
    """Scores of every (test image, camera) pair for one matcher and quality."""

    rows: list[tuple[int, dict[int, float]]] = field(default_factory=list)  # (true cam, scores)

    def summary(self, threshold: float) -> dict[str, float]:
        first = ident = false = wrong_pairs = 0
        same: list[float] = []
        other: list[float] = []
        for cam, scores in self.rows:
            best = max(scores, key=lambda c: scores[c])
            first += best == cam
            ident += best == cam and scores[cam] >= threshold
            same.append(scores[cam])
            others = [s for c, s in scores.items() if c != cam]
            other.extend(others)
            false += sum(s >= threshold for s in others)
            wrong_pairs += len(others)
        n = max(1, len(self.rows))
        return {
            "first": first / n,
            "ident": ident / n,
            "false": false,
            "pairs": wrong_pairs,
            "min_same": min(same, default=float("nan")),
            "max_other": max(other, default=float("nan")),
        }


# -- baselines ----------------------------------------------------------------------------------


def gauss_residual(gray: np.ndarray) -> np.ndarray:
    return (gray - gaussian_filter(gray, 1.0)).astype(np.float32)


def ncc_as_pce(a: np.ndarray, b: np.ndarray) -> float:
    """Plain normalised cross-correlation ρ at zero shift, shown as sign(ρ)·n·ρ²."""
    x = a - a.mean()
    y = b - b.mean()
    rho = float(np.vdot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-12))
    return float(np.sign(rho) * a.size * rho * rho)


# -- data ---------------------------------------------------------------------------------------


def write_shots(
    folder: Path,
    cameras: int,
    per_camera: int,
    crop: int,
    qualities: Sequence[int],
    strength: float,
) -> dict[tuple[int, int], list[Path]]:
    """JPEG files per (quality, camera); scene seeds are distinct over all cameras."""
    frame = (crop + 256, crop + 128)
    files: dict[tuple[int, int], list[Path]] = {}
    for cam in range(cameras):
        k = sensor_pattern(cam, (frame[1], frame[0]), strength=strength)
        for j in range(per_camera):
            seed = 10_000 * (cam + 1) + j
            picture = scene(seed, frame, grain=0)
            for q in qualities:
                path = folder / f"q{q}-cam{cam}-{j:03d}.jpg"
                path.write_bytes(apply_sensor(picture, k, seed=seed, jpeg_quality=q))
                files.setdefault((q, cam), []).append(path)
    return files


def gray_of(path: Path, crop: int) -> np.ndarray:
    got = P.load_gray(path, crop)
    if got is None:
        raise SystemExit(f"{path}: smaller than the crop")
    return got


# -- accuracy -----------------------------------------------------------------------------------


def score_quality(
    files: dict[tuple[int, int], list[Path]], q: int, cameras: int, train: int, crop: int
) -> dict[str, Scores]:
    fps, wav_k, gau_k = [], [], []
    for cam in range(cameras):
        paths = files[(q, cam)][:train]
        fps.append(P.CameraFingerprint.from_files(f"cam{cam}", paths, crop))
        grays = [gray_of(p, crop) for p in paths]
        wav_k.append(np.mean([P.noise_residual(g) for g in grays], axis=0))
        gau_k.append(np.mean([gauss_residual(g) for g in grays], axis=0))
    out = {m: Scores() for m in MATCHERS}
    for cam in range(cameras):
        for path in files[(q, cam)][train:]:
            lode = dict(P.match_file(path, fps, None))
            out["lodestar"].rows.append((cam, {c: lode[f"cam{c}"] for c in range(cameras)}))
            gray = gray_of(path, crop)
            w, g = P.noise_residual(gray), gauss_residual(gray)
            out["wavelet+NCC"].rows.append(
                (cam, {c: ncc_as_pce(w, wav_k[c]) for c in range(cameras)})
            )
            out["gauss+NCC"].rows.append(
                (cam, {c: ncc_as_pce(g, gau_k[c]) for c in range(cameras)})
            )
    return out


def print_accuracy(results: dict[int, dict[str, Scores]], threshold: float, n_test: int) -> None:
    print(
        f"\n{'matcher':<12} {'q':>3} {'first':>7} {'ident':>7} {'false links':>13} "
        f"{'min same':>10} {'max other':>10}   ({n_test} held-out images per quality)"
    )
    for q, by_matcher in results.items():
        for name in MATCHERS:
            s = by_matcher[name].summary(threshold)
            false = f"{s['false']}/{s['pairs']}"
            print(
                f"{name:<12} {q:>3} {s['first']:>7.1%} {s['ident']:>7.1%} {false:>13} "
                f"{s['min_same']:>10.1f} {s['max_other']:>10.1f}"
            )


# -- speed --------------------------------------------------------------------------------------


def best_of(reps: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1000.0


def time_crop(crop: int, reps: int, strength: float) -> tuple[float, float, float, float]:
    """ms: lodestar residual, lodestar PCE, Gaussian residual, NCC, on one image of ``crop``²."""
    k = sensor_pattern(99, (crop, crop), strength=strength)
    data = apply_sensor(scene(7, (crop, crop), grain=0), k, seed=1)
    gray = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.float32) @ P.LUMA
    clean = P.clean_residual(P.noise_residual(gray))
    residual = gauss_residual(gray)
    return (
        best_of(reps, lambda: P.clean_residual(P.noise_residual(gray))),
        best_of(reps, lambda: P.pce(clean, k * gray)),  # the I·K product is part of a match
        best_of(reps, lambda: gauss_residual(gray)),
        best_of(reps, lambda: ncc_as_pce(residual, k)),
    )


def print_timing(crops: Sequence[int], reps: int, strength: float) -> None:
    print(
        f"\n{'crop':>6} {'lodestar residual':>18} {'lodestar PCE':>13} "
        f"{'gauss residual':>15} {'NCC':>7}   (ms per image / per fingerprint, 1 core)"
    )
    for crop in crops:
        res, pce, gres, ncc = time_crop(crop, reps, strength)
        print(f"{crop:>6} {res:>18.1f} {pce:>13.1f} {gres:>15.1f} {ncc:>7.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cameras", type=int, default=6)
    ap.add_argument("--train", type=int, default=6, help="images per fingerprint (5-10)")
    ap.add_argument("--test", type=int, default=4, help="held-out images per camera")
    ap.add_argument("--crop", type=int, default=1024)
    ap.add_argument("--qualities", default="90,75")
    ap.add_argument("--strength", type=float, default=0.01, help="std of each camera's K")
    ap.add_argument("--threshold", type=float, default=P.PCE_THRESHOLD)
    ap.add_argument("--timing-crops", default="1024,2048")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    qualities = [int(q) for q in args.qualities.split(",") if q]
    print(
        f"PRNU benchmark: {args.cameras} cameras × ({args.train} train + {args.test} test) "
        f"images, crop {args.crop}², K std {args.strength}, JPEG q {qualities}, "
        f"threshold {args.threshold:g}"
    )
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="prnu-bench-") as tmp:
        files = write_shots(
            Path(tmp), args.cameras, args.train + args.test, args.crop, qualities, args.strength
        )
        made = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a skipped file would bias the figures
            results = {
                q: score_quality(files, q, args.cameras, args.train, args.crop) for q in qualities
            }
    print(f"(scenes {made - t0:.0f} s, scoring {time.perf_counter() - made:.0f} s)")
    print_accuracy(results, args.threshold, args.cameras * args.test)
    crops = [int(c) for c in args.timing_crops.split(",") if c]
    if crops:
        print_timing(crops, args.reps, args.strength)


if __name__ == "__main__":
    main()
