"""Series quality on the synthetic operation: pairwise precision / recall / F1 against truth.

One run: build a demo operation (cached under benchmarks/.cache/), run the pipeline (sources
add → ingest → hash sets import → match → series build) into a fresh workspace, then score
three groupings of the same media against truth.json's series:

- Lodestar's series (all registered link builders, clustered);
- baseline "group by folder": media that share a folder of a source;
- baseline "PDQ near-dups only": connected components of the match stage's media ↔ media
  near-duplicate matches.

Counting: only media in a truth series, one unit per SHA-256 (exact copies are one media).
Pairwise: a pair of media is "predicted together" when the grouping puts them in one group,
and "truly together" when truth gives them the same series. Media a grouping leaves out are
simply in no pair. A media in several folders: its folder groups are joined (union).

Usage: python benchmarks/series.py [--scale small] [--seed 7] [--keep WS_DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
LODESTAR = [sys.executable, "-m", "lodestar.cli.app"]


def lodestar(*args: str, ws: Path | None = None) -> str:
    cmd = LODESTAR + (["--workspace", str(ws)] if ws else []) + list(args)
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return done.stdout


def corpus(scale: str, seed: int) -> Path:
    out = CACHE / f"series-{scale}-{seed}"
    if not (out / "truth.json").exists():
        lodestar("demo", "corpus", str(out), "--seed", str(seed), "--scale", scale)
    return out


def pipeline(op: Path, ws: Path) -> dict[str, float]:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    for col in sorted(p for p in (op / "collections").iterdir() if p.is_dir()):
        lodestar("source", "add", str(col), "--agency", "XX", "--label", col.name, ws=ws)
    lodestar("ingest", ws=ws)
    for file, fmt, known in (
        ("known-series.vics.json", "vics", "--not-known"),
        ("known-files.txt", "plain", "--known"),
    ):
        lodestar("hashsets", "import", str(op / "hashsets" / file), "--format", fmt, known, ws=ws)
    timings["ingest+import"] = time.perf_counter() - t
    t = time.perf_counter()
    lodestar("match", ws=ws)
    timings["match"] = time.perf_counter() - t
    t = time.perf_counter()
    lodestar("series", "build", ws=ws)
    timings["series build"] = time.perf_counter() - t
    return timings


def truth_series(op: Path) -> dict[str, str]:
    truth = json.loads((op / "truth.json").read_text())
    out: dict[str, str] = {}
    for f in truth["files"]:
        if f.get("series") and f.get("sha256") and f["kind"] in ("image", "video"):
            out[f["sha256"]] = f["series"]
    return out


def missed_by_variant(op: Path, groups: list[set[str]]) -> dict[str, int]:
    """Truth media not in the group that holds most of their series, counted by variant."""
    truth = json.loads((op / "truth.json").read_text())
    variant = {f["sha256"]: f["variant"] or f["kind"] for f in truth["files"] if f.get("sha256")}
    series = truth_series(op)
    group_of = {sha: i for i, g in enumerate(groups) for sha in g}
    home: dict[str, Counter[int | None]] = {}
    for sha, sid in series.items():
        home.setdefault(sid, Counter())[group_of.get(sha)] += 1
    best = {sid: c.most_common(1)[0][0] for sid, c in home.items()}
    missed = Counter(
        variant[sha]
        for sha, sid in series.items()
        if group_of.get(sha) is None or group_of.get(sha) != best[sid]
    )
    return dict(missed.most_common())


def _components(pairs: Iterable[tuple[str, str]]) -> list[set[str]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[str, set[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), set()).add(x)
    return list(groups.values())


def lodestar_groups(ws: Path) -> list[set[str]]:
    rows = json.loads(lodestar("series", "list", "--json", ws=ws))
    return [set(r["members"]) for r in rows]


def folder_groups(ws: Path) -> list[set[str]]:
    from lodestar.series.folder import folders
    from lodestar.workspace import open_workspace

    w = open_workspace(ws)
    try:
        with w.store.session() as s:
            groups = list(folders(s).values())
    finally:
        w.close()
    pairs = [(g[0], x) for g in groups for x in g[1:]]
    return _components(pairs)


def pdq_groups(ws: Path) -> list[set[str]]:
    from sqlalchemy import select

    from lodestar.store import Match
    from lodestar.workspace import open_workspace

    w = open_workspace(ws)
    try:
        with w.store.session() as s:
            pairs = [
                (a, b)
                for a, b in s.execute(
                    select(Match.media_sha256, Match.other_sha256).where(
                        Match.other_sha256.is_not(None)
                    )
                )
                if b is not None
            ]
    finally:
        w.close()
    return _components(pairs)


def score(groups: list[set[str]], truth: dict[str, str]) -> dict[str, float]:
    label: dict[str, int] = {}
    for i, g in enumerate(groups):
        for sha in g:
            if sha in truth:
                label.setdefault(sha, i)
    shas = sorted(truth)
    tp = fp = fn = 0
    for a, b in combinations(shas, 2):
        together = a in label and label.get(a) == label.get(b)
        same = truth[a] == truth[b]
        tp += together and same
        fp += together and not same
        fn += same and not together
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    covered = sum(1 for sha in shas if any(sha in g and len(g) > 1 for g in groups))
    return {"precision": p, "recall": r, "f1": f1, "covered": covered, "tp": tp, "fp": fp, "fn": fn}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="Keep the workspace in this directory.")
    args = parser.parse_args()
    op = corpus(args.scale, args.seed)
    ws = args.keep or Path(tempfile.mkdtemp(prefix="lodestar-series-bench-"))
    if ws.exists() and args.keep:
        shutil.rmtree(ws)
    try:
        timings = pipeline(op, ws)
        truth = truth_series(op)
        ours = lodestar_groups(ws)
        missed = missed_by_variant(op, ours)
        rows = {
            "Lodestar series": score(ours, truth),
            "baseline: group by folder": score(folder_groups(ws), truth),
            "baseline: PDQ near-dups only": score(pdq_groups(ws), truth),
        }
    finally:
        if not args.keep:
            shutil.rmtree(ws, ignore_errors=True)
    n_series = len(set(truth.values()))
    print(f"corpus {op.name}: {len(truth)} media in {n_series} truth series")
    print(f"{'grouping':32} {'precision':>9} {'recall':>7} {'F1':>6} {'in a group':>10}")
    for name, r in rows.items():
        print(
            f"{name:32} {r['precision']:9.3f} {r['recall']:7.3f} {r['f1']:6.3f} {r['covered']:>10}"
        )
    print(
        "Lodestar: media not with their series, by variant: "
        + (", ".join(f"{k} {v}" for k, v in missed.items()) or "none")
    )
    print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))


if __name__ == "__main__":
    main()
