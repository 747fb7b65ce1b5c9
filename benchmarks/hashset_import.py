"""Import speed and memory of a large VICS 2.0 hash set, against a same-run parse baseline.

Writes a benign N-entry VICS 2.0 file (random digests, no content behind them) once, then
measures in separate processes (so peak RSS is each step's own):
- baseline: streaming the file with ijson alone (the cheapest possible read of it);
- lodestar: `hashsets import` into a fresh SQLite workspace (parse, validate, insert, commit).

Usage: python benchmarks/hashset_import.py [--count 1000000] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
RUSAGE = """
import json, resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"maxrss_kb": u.ru_maxrss, "rc": rc}))
"""
PARSE_ONLY = """
import ijson, sys
n = 0
with open(sys.argv[1], "rb") as fh:
    for _ in ijson.items(fh, "value.item"):
        n += 1
print(n)
"""


def make_file(path: Path, count: int) -> None:
    from lodestar.match.formats import HashSetRecord, write_hashset

    def records():  # type: ignore[no-untyped-def]
        for i in range(1, count + 1):
            blob = os.urandom(52)
            yield HashSetRecord(
                record_no=i,
                md5=blob[:16].hex(),
                sha1=blob[16:36].hex(),
                category=str(i % 4),
                series=f"set-{i % 500}" if i % 3 == 0 else None,
                victim_identified=(i % 7 == 0),
                size=1000 + i,
            )

    write_hashset(records(), path, "vics")


def measured(cmd: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", RUSAGE, *cmd], check=True, capture_output=True, text=True
    ).stdout
    wall = time.perf_counter() - start
    usage = json.loads(out.strip().splitlines()[-1])
    if usage["rc"] != 0:
        raise SystemExit(f"command failed: {cmd}")
    return wall, usage["maxrss_kb"] / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    path = CACHE / f"vics-{args.count}.json"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"writing {args.count} benign records to {path} (cached)…", flush=True)
        make_file(path, args.count)
    parse_s, parse_mb = measured([sys.executable, "-c", PARSE_ONLY, str(path)])
    ws = Path(tempfile.mkdtemp(prefix="lodestar-bench-hs-"))
    try:
        import_s, import_mb = measured(
            [
                sys.executable,
                "-m",
                "lodestar.cli.app",
                "--workspace",
                str(ws),
                "hashsets",
                "import",
                str(path),
                "--format",
                "vics",
                "--json",
            ]
        )
    finally:
        shutil.rmtree(ws, ignore_errors=True)
    results = {
        "records": args.count,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "baseline_ijson_parse_s": round(parse_s, 2),
        "baseline_peak_rss_mb": round(parse_mb, 1),
        "import_s": round(import_s, 2),
        "import_records_s": round(args.count / import_s),
        "import_peak_rss_mb": round(import_mb, 1),
        "ratio_to_parse": round(import_s / parse_s, 2),
    }
    for key, value in results.items():
        print(f"{key:28s} {value}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
