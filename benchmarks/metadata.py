"""Metadata reading speed: one stay-open exiftool vs one exiftool per file vs Pillow, same run.

The files: --count benign demo-scene JPEGs (1600×1200, q90) carrying the demo corpus's EXIF
(make, model, body serial, time with offset, GPS for most), made once into
benchmarks/.cache/metadata-corpus-N/. Rows, each over the same files, best of --rounds:

- exiftool stay_open: lodestar's ExifToolProcess, one process for all files (start included);
- exiftool per file: ``exiftool <same options> FILE`` as a new process per file (the naive
  baseline; on the first --naive files only, as it is slow);
- Pillow EXIF: lodestar's fallback reader (``pillow_tags``: EXIF only, no XMP/IPTC/maker notes);
- extractor: MetadataExtractor.extract end to end (stay-open exiftool + normalising + places).

Also: the offline places index (load time, RSS it adds, lookups/s).

Usage: python benchmarks/metadata.py [--count 300] [--naive 60] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from lodestar.clues.base import ClueInput, ClueWarning  # noqa: E402
from lodestar.clues.exiftool import COMMON_ARGS, ExifToolProcess, exiftool_version  # noqa: E402
from lodestar.clues.metadata import MetadataExtractor, pillow_tags  # noqa: E402
from lodestar.demo.exif import ExifInfo, build_exif  # noqa: E402
from lodestar.demo.photos import jpeg_bytes, scene  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
CAMERAS = [
    ("Canon", "Canon EOS 5D Mark IV"),
    ("NIKON CORPORATION", "NIKON D750"),
    ("SONY", "ILCE-7M3"),
    ("FUJIFILM", "X-T4"),
    ("Apple", "iPhone 12"),
]
PLACES = [(41.1496, -8.611), (18.7883, 98.9853), (52.37, 4.89), (-33.87, 151.21), (45.5, -73.57)]


def corpus(count: int) -> list[Path]:
    folder = CACHE / f"metadata-corpus-{count}"
    done = folder / "done"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        rng = random.Random(7)
        scenes = [scene(seed, (1600, 1200)) for seed in range(8)]
        for i in range(count):
            make, model = CAMERAS[i % len(CAMERAS)]
            lat, lon = PLACES[i % len(PLACES)]
            info = ExifInfo(
                make=make,
                model=model,
                serial=f"{rng.randrange(10**9, 10**10)}",
                taken=datetime(2023, 1, 1) + timedelta(minutes=rng.randrange(500_000)),
                offset_minutes=rng.choice([-300, 0, 60, 120, 420]),
                gps=(lat, lon, 20.0) if i % 4 else None,
                width=1600,
                height=1200,
            )
            data = jpeg_bytes(scenes[i % len(scenes)], quality=90, exif=build_exif(info))
            (folder / f"img{i:04d}.jpg").write_bytes(data)
        done.write_text("ok")
    return sorted(folder.glob("img*.jpg"))


def run_stay_open(files: list[Path]) -> int:
    ok = 0
    with ExifToolProcess() as tool:
        for f in files:
            ok += tool.execute(f).ok
    return ok


def run_per_file(files: list[Path]) -> int:
    exe = shutil.which("exiftool")
    assert exe is not None
    ok = 0
    for f in files:
        done = subprocess.run([exe, *COMMON_ARGS, str(f)], capture_output=True, check=False)
        ok += bool(json.loads(done.stdout or b"[]"))
    return ok


def run_pillow(files: list[Path]) -> int:
    warnings: list[ClueWarning] = []
    return sum(pillow_tags(f, warnings) is not None for f in files)


def run_extractor(files: list[Path]) -> int:
    ex = MetadataExtractor()
    try:
        return sum(
            any(c.kind == "camera_serial" for c in ex.extract(ClueInput("", f, "image")).clues)
            for f in files
        )
    finally:
        ex.close()


def timed(fn: Callable[[list[Path]], int], files: list[Path], rounds: int) -> tuple[float, int]:
    best, ok = float("inf"), 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        ok = fn(files)
        best = min(best, time.perf_counter() - t0)
    return len(files) / best, ok


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def places_figures() -> list[str]:
    from lodestar.clues import places

    before = rss_mb()
    t0 = time.perf_counter()
    index = places.place_index()
    load = time.perf_counter() - t0
    added = rss_mb() - before
    rng = random.Random(3)
    points = [(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(20_000)]
    t0 = time.perf_counter()
    for lat, lon in points:
        places.reverse_geocode(lat, lon)
    per_s = len(points) / (time.perf_counter() - t0)
    return [
        f"places index: {len(index):,} GeoNames towns, load {load:.2f} s, "
        f"+{added:.0f} MB RSS (process now {rss_mb():.0f} MB), {per_s:,.0f} lookups/s"
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--naive", type=int, default=60, help="files for the per-file baseline")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    files = corpus(args.count)
    naive_files = files[: args.naive]
    print(f"exiftool {exiftool_version()}, {len(files)} JPEGs 1600x1200 "
          f"({sum(f.stat().st_size for f in files) / len(files) / 1024:.0f} KiB mean), "
          f"{os.cpu_count()} CPUs, best of {args.rounds} rounds, one process")
    place_lines = places_figures()  # first: the extractor row would load the index otherwise
    rows = [
        ("exiftool per file (baseline)", *timed(run_per_file, naive_files, args.rounds),
         len(naive_files)),
        ("exiftool stay_open", *timed(run_stay_open, files, args.rounds), len(files)),
        ("Pillow EXIF (fallback)", *timed(run_pillow, files, args.rounds), len(files)),
        ("MetadataExtractor.extract", *timed(run_extractor, files, args.rounds), len(files)),
    ]
    base = rows[0][1]
    print(f"{'reader':32} {'files':>6} {'ok':>5} {'files/s':>9} {'vs per-file':>12}")
    for name, rate, ok, n in rows:
        print(f"{name:32} {n:>6} {ok:>5} {rate:>9.1f} {rate / base:>11.1f}x")
    for line in place_lines:
        print(line)


if __name__ == "__main__":
    main()
