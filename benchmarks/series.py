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

Also: the same series from the stored links of builder subsets (with/without scene links,
with/without PRNU); PRNU right-camera-first rate and false links; and the cost per added
image of the scene links' shortlist as the collection grows (synthetic features).

Usage: python benchmarks/series.py [--scale small] [--seed 7] [--keep WS_DIR | --reuse WS_DIR]
       [--cost-sizes 1000,10000,50000] [--cost-only]
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
    from lodestar.demo import GENERATOR_VERSION

    out = CACHE / f"series-{scale}-{seed}"
    truth = out / "truth.json"
    if not truth.exists() or json.loads(truth.read_text()).get("generator_version") != (
        GENERATOR_VERSION
    ):
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


ALL_KINDS = (
    "near-dup",
    "video-frame",
    "scene",
    "video-scene",
    "known-series",
    "camera",
    "time-burst",
    "folder",
    "prnu",
)
BUILDER_SETS = {
    "all builders": ALL_KINDS,
    "without scene + video-scene": tuple(k for k in ALL_KINDS if k not in ("scene", "video-scene")),
    "without prnu": tuple(k for k in ALL_KINDS if k != "prnu"),
    "without scene, video-scene, prnu": tuple(
        k for k in ALL_KINDS if k not in ("scene", "video-scene", "prnu")
    ),
}


def builder_set_groups(ws: Path, kinds: tuple[str, ...]) -> list[set[str]]:
    """Series from the stored links of ``kinds`` only (the same clustering as a build)."""
    from lodestar.series.cluster import cluster
    from lodestar.series.service import stored_links
    from lodestar.workspace import open_workspace

    w = open_workspace(ws)
    try:
        with w.store.session() as s:
            links = [x for x in stored_links(s) if x.kind in kinds]
    finally:
        w.close()
    return [set(m) for m in cluster(links).members.values()]


def prnu_check(ws: Path, op: Path) -> dict[str, float]:
    """Every no-serial image of a fingerprinted size scored against ALL body fingerprints."""
    from lodestar.series import prnu_links as P
    from lodestar.series.context import build_context
    from lodestar.series.prnu import match_image
    from lodestar.workspace import open_workspace

    truth = json.loads((op / "truth.json").read_text())
    camera = {f["sha256"]: f.get("camera") for f in truth["files"] if f.get("sha256")}
    w = open_workspace(ws)
    stats: dict[str, float] = {
        "queried": 0,
        "with a truth camera": 0,
        "right camera first": 0,
        "linked": 0,
        "linked right": 0,
        "false links": 0,
        "fingerprints": 0,
    }
    try:
        with w.store.session() as s:
            ctx = build_context(s)
            assert ctx is not None
            shots = P._shots(s)
            prints = P.body_prints(s, ctx, shots)
            stats["fingerprints"] = sum(len(v) for v in prints.values())
            queries = P._candidates(shots, prints)
            crops = P._crops(s, ctx, [q.sha256 for q in queries])
            jackknife = P.Jackknife(s, ctx)
            for q in queries:
                got = crops.get(q.sha256)
                if got is None:
                    continue
                bps = prints[q.size]
                scores = match_image(got.pixels, [b.fingerprint for b in bps], None, size=q.size)
                serial = {b.fingerprint.id: b.body.serial for b in bps}
                stats["queried"] += 1
                right = camera.get(q.sha256)
                stats["with a truth camera"] += right is not None
                stats["right camera first"] += serial[scores[0][0]] == right
                for fid, pce in scores:
                    if pce >= P.PCE_THRESHOLD:
                        stats["linked"] += 1
                        stats["linked right"] += serial[fid] == right
                        stats["false links"] += serial[fid] != right
                # The builder's rule: best compatible body only, without / with the margin.
                mine = [b for b in bps if P._compatible(q, b)]
                ids = {b.fingerprint.id for b in mine}
                ranked = [(fid, pce) for fid, pce in scores if fid in ids]
                for name, margin, jack in (
                    ("best", 1.0, False),
                    (f"best ×{P.MARGIN:g}", P.MARGIN, False),
                    (f"best ×{P.MARGIN:g} + leave-one-out", P.MARGIN, True),
                ):
                    got_link = P.accept(ranked, P.PCE_THRESHOLD, margin)
                    if got_link is not None and jack:
                        bp = next(b for b in mine if b.fingerprint.id == got_link[0])
                        weakest = jackknife.weakest(got.pixels, q.size, bp)
                        if weakest is not None and weakest < P.PCE_THRESHOLD:
                            got_link = None
                    if got_link is not None:
                        ok = serial[got_link[0]] == right
                        stats[f"{name} linked right"] = stats.get(f"{name} linked right", 0) + ok
                        stats[f"{name} false"] = stats.get(f"{name} false", 0) + (not ok)
    finally:
        w.close()
    return stats


def scene_cost(sizes: tuple[int, ...], per_image: int, queries: int, flat_max: int) -> None:
    """Time per added image and shortlist recall of planted pairs, current index vs flat
    (``benchmarks/scene_scale.py``: realistic synthetic descriptors, not uniform bits)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from scene_scale import scene_scale

    scene_scale(sizes, per_image=per_image, queries=queries, flat_max_images=flat_max)


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
    parser.add_argument("--reuse", type=Path, help="Score a kept workspace (no pipeline run).")
    parser.add_argument("--cost-sizes", default="1000,10000,50000")
    parser.add_argument("--cost-descriptors", type=int, default=100)
    parser.add_argument("--cost-only", action="store_true")
    args = parser.parse_args()
    sizes = tuple(int(x) for x in args.cost_sizes.split(",") if x)
    if args.cost_only:
        scene_cost(sizes, args.cost_descriptors, 40, 50_000)
        return
    op = corpus(args.scale, args.seed)
    ws = args.reuse or args.keep or Path(tempfile.mkdtemp(prefix="lodestar-series-bench-"))
    if ws.exists() and args.keep:
        shutil.rmtree(ws)
    try:
        timings = {} if args.reuse else pipeline(op, ws)
        truth = truth_series(op)
        ours = lodestar_groups(ws)
        missed = missed_by_variant(op, ours)
        rows = {
            "Lodestar series": score(ours, truth),
            "baseline: group by folder": score(folder_groups(ws), truth),
            "baseline: PDQ near-dups only": score(pdq_groups(ws), truth),
        }
        for name, kinds in list(BUILDER_SETS.items())[1:]:
            rows[f"links: {name}"] = score(builder_set_groups(ws, kinds), truth)
        prnu = prnu_check(ws, op)
    finally:
        if not (args.keep or args.reuse):
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
    print(
        "PRNU (images without a serial, of a fingerprinted frame size, vs every body's "
        "fingerprint): " + ", ".join(f"{k} {v}" for k, v in prnu.items())
    )
    if sizes:
        scene_cost(sizes, args.cost_descriptors, 40, 50_000)


if __name__ == "__main__":
    main()
