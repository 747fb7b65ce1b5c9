"""PDQ Hamming range search: Lodestar's ``PdqIndex`` against faiss, measured in the same run.

For each size (default 10k, 100k, 1M hashes) and each data set:

- ``uniform``: uniformly random 256-bit hashes;
- ``clustered``: the same, except 1 % of the entries are near-duplicate families (a random base
  hash and ``--family-size`` members, each the base with 0..40 random bits flipped), as real
  PDQ collections hold re-encodes and crops of the same picture;

200 query hashes are planted, each a copy of an indexed hash with i % 32 bits flipped (so it
has a known neighbour at distance 0..31; on ``clustered`` half of them are family members),
and every engine answers a range search at radius 31 (``--radius``) with one thread:

- ``flat``: faiss ``IndexBinaryFlat`` (exhaustive scan; the baseline and the ground truth);
- ``faiss-mih``: faiss ``IndexBinaryMultiHash(256, nhash=16, b=16)``, ``nflip=1`` (exact at
  r ≤ 31; the library's multi-index hashing);
- ``lodestar``: ``lodestar.match.index.PdqIndex`` (hand-written multi-index hashing, queried
  through its hex API, so hex parsing is included in its times).

Printed per row: build seconds, index memory (MB: array bytes for ``lodestar``, 32 B/hash for
``flat``, the RSS growth while building for ``faiss-mih``), ms/query in one batch of 200 and
one query per call, recall of the planted neighbours (must be 1.0) and whether every query's
(id, distance) set is identical to ``flat``'s. Then, for ``lodestar`` at the largest size: save
/ reopen time and file size, and the time to add 1,000 rows incrementally.

Usage: python benchmarks/index.py [--sizes 10000,100000,1000000] [--out FILE] [--no-faiss-mih]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from lodestar.match.index import PdqIndex, bits_to_hexes  # noqa: E402

Results = list[set[tuple[int, int]]]


def rss_mb() -> float:
    """Resident memory, after handing freed heap back to the OS (so deltas mean growth)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def make_data(
    n: int, clustered: bool, family_size: int, nq: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hashes (n, 32) uint8, queries (nq, 32) uint8, planted neighbour row per query)."""
    xb = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    family_rows = np.zeros(0, dtype=np.int64)
    if clustered:
        n_members = n // 100
        n_fam = max(1, n_members // family_size)
        family_rows = rng.choice(n, n_fam * family_size, replace=False)
        bases = rng.integers(0, 256, size=(n_fam, 32), dtype=np.uint8)
        bits = np.unpackbits(np.repeat(bases, family_size, axis=0), axis=1)
        for i, k in enumerate(rng.integers(0, 41, size=len(bits))):
            bits[i, rng.choice(256, k, replace=False)] ^= 1
        xb[family_rows] = np.packbits(bits, axis=1)
    targets = rng.choice(n, nq, replace=False)
    if clustered:  # half the queries land in families
        half = nq // 2
        targets[:half] = rng.choice(family_rows, half, replace=False)
    qbits = np.unpackbits(xb[targets], axis=1)
    for i in range(nq):
        qbits[i, rng.choice(256, i % 32, replace=False)] ^= 1
    return xb, np.packbits(qbits, axis=1), targets


def faiss_sets(index: Any, q: np.ndarray, radius: int) -> Results:
    lims, dist, labels = index.range_search(q, radius + 1)  # faiss keeps distance < radius
    return [
        set(
            zip(
                labels[lims[i] : lims[i + 1]].tolist(),
                dist[lims[i] : lims[i + 1]].tolist(),
                strict=True,
            )
        )
        for i in range(len(q))
    ]


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def measure(
    name: str,
    search: Callable[[np.ndarray], Results],
    q: np.ndarray,
    targets: np.ndarray,
    truth: Results | None,
) -> dict[str, Any]:
    nq = len(q)
    batch_s, res = timed(lambda: search(q), repeat=2)
    one_s, one = timed(lambda: [search(q[i : i + 1])[0] for i in range(nq)])
    recall = sum(int(targets[i]) in {row for row, _ in res[i]} for i in range(nq)) / nq
    ref = truth if truth is not None else res
    return {
        "engine": name,
        "batch_ms_q": batch_s / nq * 1e3,
        "one_ms_q": one_s / nq * 1e3,
        "recall": recall,
        "same_as_flat": res == ref and one == ref,
        "results": sum(map(len, res)),
        "_res": res,
    }


def run_size(
    n: int, clustered: bool, args: argparse.Namespace, rng: np.random.Generator
) -> list[dict[str, Any]]:
    xb, q, targets = make_data(n, clustered, args.family_size, args.queries, rng)
    rows: list[dict[str, Any]] = []
    label = {"n": n, "data": "clustered" if clustered else "uniform"}

    build_s, flat = timed(lambda: _flat(xb))
    flat_row = measure("flat", lambda qq: faiss_sets(flat, qq, args.radius), q, targets, None)
    truth = flat_row.pop("_res")
    rows.append({**label, "build_s": build_s, "mem_mb": n * 32 / 1e6, **flat_row})
    flat = None

    if args.faiss_mih:
        before = rss_mb()
        build_s, mih = timed(lambda: _multihash(xb))
        mem = rss_mb() - before
        row = measure("faiss-mih", lambda qq: faiss_sets(mih, qq, args.radius), q, targets, truth)
        row.pop("_res")
        rows.append({**label, "build_s": build_s, "mem_mb": mem, **row})
        mih = None

    index = PdqIndex()
    ids = np.arange(n, dtype=np.int64)
    build_s, _ = timed(lambda: index.add_bits(ids, xb))

    def lodestar(qq: np.ndarray) -> Results:
        return [set(r) for r in index.range_search(bits_to_hexes(qq), args.radius)]

    row = measure("lodestar", lodestar, q, targets, truth)
    row.pop("_res")
    rows.append({**label, "build_s": build_s, "mem_mb": index.nbytes / 1e6, **row})

    if n == max(args.sizes) and not clustered:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "pdq.index"
            save_s, _ = timed(lambda: index.save(path))
            size_mb = path.stat().st_size / 1e6
            open_s, reopened = timed(lambda: PdqIndex.open(path))
            extra = rng.integers(0, 256, size=(1000, 32), dtype=np.uint8)
            new_ids = np.arange(n, n + 1000, dtype=np.int64)
            add_s, _ = timed(lambda: reopened.add(new_ids, bits_to_hexes(extra)))
        rows[-1]["persist"] = {
            "save_s": save_s,
            "open_s": open_s,
            "file_mb": size_mb,
            "add_1000_s": add_s,
        }
    return rows


def _flat(xb: np.ndarray) -> Any:
    index = faiss.IndexBinaryFlat(256)
    index.add(xb)
    return index


def _multihash(xb: np.ndarray) -> Any:
    index = faiss.IndexBinaryMultiHash(256, 16, 16)
    index.nflip = 1
    index.add(xb)
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--radius", type=int, default=31)
    parser.add_argument("--family-size", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-faiss-mih", dest="faiss_mih", action="store_false")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    if args.radius > 31 and args.faiss_mih:
        parser.error("faiss-mih here uses nflip=1, exact only for --radius ≤ 31")
    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(args.seed)

    print(
        f"faiss {faiss.__version__}, numpy {np.__version__}, 1 thread, radius {args.radius}, "
        f"{args.queries} planted queries"
    )
    header = (
        f"{'n':>9} {'data':9} {'engine':10} {'build s':>8} {'mem MB':>8} "
        f"{'batch ms/q':>10} {'one ms/q':>9} {'recall':>7} {'=flat':>6} {'results':>8}"
    )
    print(header)
    print("-" * len(header))
    all_rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for n in args.sizes:
        for clustered in (False, True):
            for r in run_size(n, clustered, args, rng):
                all_rows.append(r)
                print(
                    f"{r['n']:>9} {r['data']:9} {r['engine']:10} {r['build_s']:8.2f} "
                    f"{r['mem_mb']:8.1f} {r['batch_ms_q']:10.3f} {r['one_ms_q']:9.3f} "
                    f"{r['recall']:7.3f} {'yes' if r['same_as_flat'] else 'NO':>6} "
                    f"{r['results']:>8}",
                    flush=True,
                )
    for r in all_rows:
        if "persist" in r:
            p = r["persist"]
            print(
                f"lodestar at {r['n']}: save {p['save_s']:.2f} s, open {p['open_s']:.2f} s, "
                f"file {p['file_mb']:.0f} MB, add 1,000 rows incrementally {p['add_1000_s']:.3f} s"
            )
    ok = all(r["recall"] == 1.0 and r["same_as_flat"] for r in all_rows)
    print(f"total {time.perf_counter() - t0:.0f} s; full recall and identical to flat: {ok}")
    if args.out:
        args.out.write_text(json.dumps(all_rows, indent=2))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
