"""Fast-pass ingest benchmark against this machine's limits, measured in the same run.

Figures printed (and written as JSON with --out):
- fast pass: wall time, files/s, MB/s, images/s, GB/h per core, peak RSS (largest process);
- baseline (a): every byte of every evidence file read once with MD5+SHA-1+SHA-256 in one pass;
- baseline (b): the cheapest reduced decode of every JPEG (libjpeg DCT scaling to 1/8);
  both over the same files, with the same number of worker processes;
- ratio = fast pass / (a + b)  (target ≤ 1.3), and peak memory at two corpus sizes.

Usage: python benchmarks/ingest.py [--scale large] [--workers N] [--corpus DIR] [--out FILE]
The corpus is generated once and cached under benchmarks/.cache/.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
LODESTAR = [sys.executable, "-m", "lodestar.cli.app"]
JPEG_MAGIC = b"\xff\xd8\xff"
# Runs a command in its own process tree and reports that tree's largest RSS and CPU time,
# so two ingests measured one after the other do not share a maximum.
RUSAGE_WRAPPER = """
import json, resource, subprocess, sys
rc = subprocess.run(sys.argv[1:]).returncode
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"maxrss_kb": u.ru_maxrss, "cpu_s": u.ru_utime + u.ru_stime}), file=sys.stderr)
sys.exit(rc)
"""


def evidence_files(collections: list[Path]) -> list[Path]:
    files = []
    for col in collections:
        for dirpath, _, names in os.walk(col):
            for name in names:
                path = Path(dirpath) / name
                if path.is_file() and not path.is_symlink():
                    files.append(path)
    return sorted(files)


def archive_members(collections: list[Path], out: Path) -> list[Path]:
    """Archive members written out as plain files (untimed), so the baselines see every file
    the fast pass sees: the archives themselves and what they hold."""
    from lodestar.config import Settings
    from lodestar.evidence import iter_entries
    from lodestar.evidence.base import EvidenceEntry

    members = []
    for col in collections:
        for entry in iter_entries(col, Settings(), spool_dir=out):
            if isinstance(entry, EvidenceEntry) and entry.in_archive:
                target = out / f"m{len(members):06d}"
                if entry.data is not None:
                    target.write_bytes(entry.data)
                elif entry.local_path:
                    shutil.move(entry.local_path, target)
                members.append(target)
    return members


def hash_file(path: Path) -> int:
    md5, sha1, sha256 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
    total = 0
    with open(path, "rb", buffering=0) as fh:
        while chunk := fh.read(1 << 20):
            md5.update(chunk)
            sha1.update(chunk)
            sha256.update(chunk)
            total += len(chunk)
    return total


def reduced_decode(path: Path) -> int:
    with open(path, "rb") as fh:
        data = fh.read()
    if not data.startswith(JPEG_MAGIC):
        return 0
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.draft("RGB", (img.width // 8, img.height // 8))
            img.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        return 0
    return 1


def pdq_decode(path: Path) -> int:
    """The decode PDQ needs to stay within 10 bits of full resolution (≥ 256 px, see
    benchmarks/pdq_decode.py): what the fast pass must pay once it computes PDQ."""
    with open(path, "rb") as fh:
        data = fh.read()
    if not data.startswith(JPEG_MAGIC):
        return 0
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.draft("RGB", (256, 256))
            img.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        return 0
    return 1


def timed_map(fn: object, files: list[Path], workers: int) -> tuple[float, int]:
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        total = sum(pool.map(fn, files, chunksize=16))  # type: ignore[arg-type]
    return time.perf_counter() - start, total


def drop_page_cache_hint(files: list[Path]) -> None:
    # All measurements run warm: read everything once so no run pays the disk alone.
    for path in files:
        with open(path, "rb") as fh:
            while fh.read(1 << 22):
                pass


def run_ingest(collections: list[Path], workers: int) -> dict[str, float]:
    ws = Path(tempfile.mkdtemp(prefix="lodestar-bench-ws-"))
    try:
        for col in collections:
            subprocess.run(
                [
                    *LODESTAR,
                    "--workspace",
                    str(ws),
                    "source",
                    "add",
                    str(col),
                    "--agency",
                    "XX-BENCH",
                    "--label",
                    col.name,
                ],
                check=True,
                capture_output=True,
            )
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                RUSAGE_WRAPPER,
                *LODESTAR,
                "--workspace",
                str(ws),
                "ingest",
                "--workers",
                str(workers),
                "--json",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - start
        summary = json.loads(proc.stdout)
        usage = json.loads(proc.stderr.strip().splitlines()[-1])
        status = json.loads(
            subprocess.run(
                [*LODESTAR, "--workspace", str(ws), "status", "--json"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        return {
            "wall_s": wall,
            "files": summary["files"],
            "bytes": summary["bytes"],
            "images": status["media_by_kind"].get("image", 0),
            "warnings": summary["warnings"],
            "peak_rss_mb": usage["maxrss_kb"] / 1024,
            "cpu_s": usage["cpu_s"],
        }
    finally:
        shutil.rmtree(ws, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    corpus = args.corpus or CACHE / f"corpus-{args.scale}-{args.seed}"
    if not (corpus / "truth.json").exists():
        print(f"generating {args.scale} corpus in {corpus} (cached for next time)…", flush=True)
        subprocess.run(
            [
                *LODESTAR,
                "demo",
                "corpus",
                str(corpus),
                "--seed",
                str(args.seed),
                "--scale",
                args.scale,
                "--workers",
                str(args.workers),
                "--json",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    collections = sorted(p for p in (corpus / "collections").iterdir() if p.is_dir())
    members_dir = Path(tempfile.mkdtemp(prefix="lodestar-bench-members-"))
    files = evidence_files(collections) + archive_members(collections, members_dir)
    drop_page_cache_hint(files)

    hash_s, nbytes = timed_map(hash_file, files, args.workers)
    decode_s, njpeg = timed_map(reduced_decode, files, args.workers)
    pdq_decode_s, _ = timed_map(pdq_decode, files, args.workers)
    full = run_ingest(collections, args.workers)
    half = run_ingest(collections[: max(1, len(collections) // 2)], args.workers)
    shutil.rmtree(members_dir, ignore_errors=True)

    mb = nbytes / 1e6
    limit = hash_s + decode_s
    results = {
        "machine": {"cores": os.cpu_count(), "workers": args.workers},
        "corpus": {
            "path": str(corpus),
            "files_incl_archive_members": len(files),
            "mb_on_disk": round(mb, 1),
            "jpegs": njpeg,
        },
        "baseline_hash_s": round(hash_s, 2),
        "baseline_hash_mb_s_per_core": round(mb / hash_s / args.workers, 1),
        "baseline_decode_s": round(decode_s, 2),
        "baseline_decode_ms_per_jpeg_per_core": round(
            decode_s * args.workers / max(njpeg, 1) * 1000, 1
        ),
        "fastpass_s": round(full["wall_s"], 2),
        "fastpass_files": full["files"],
        "fastpass_files_s": round(full["files"] / full["wall_s"], 1),
        "fastpass_mb_s": round(full["bytes"] / 1e6 / full["wall_s"], 1),
        "fastpass_images_s": round(full["images"] / full["wall_s"], 1),
        "fastpass_gb_h_per_core": round(
            full["bytes"] / 1e9 / full["wall_s"] * 3600 / args.workers, 1
        ),
        "baseline_pdq_decode_s": round(pdq_decode_s, 2),
        "ratio_to_limit": round(full["wall_s"] / limit, 3),
        "ratio_to_hash_plus_pdq_decode": round(full["wall_s"] / (hash_s + pdq_decode_s), 3),
        "target_ratio": 1.3,
        "peak_rss_mb_full": round(full["peak_rss_mb"], 1),
        "peak_rss_mb_half": round(half["peak_rss_mb"], 1),
        "files_half": half["files"],
    }
    for key, value in results.items():
        print(f"{key:40s} {value}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
