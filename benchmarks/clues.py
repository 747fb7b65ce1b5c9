"""Clue-stage accuracy on the synthetic operation: language id, OCR word recall, jurisdiction.

One run: build the demo operation (cached under benchmarks/.cache/, shared with
benchmarks/series.py), run the pipeline (sources add → ingest → hash sets import → match →
series build → deep pass) into a workspace, then score Lodestar's series against truth.json:

- language-id accuracy per series: the series' language (language clues of its members, summed
  by probability) vs truth ``series[].language``;
- OCR word recall per language: truth words (the phrases the generator printed in each series'
  room, ``SceneSpec.texts()`` from its plan) found in each member's recognised text. A shot's
  crop or the furniture hides some phrases, so 100 % is not reachable;
- country top-1 accuracy, for series with a place clue (target ≥ 90 %) and for all series, vs
  truth ``series[].country``: Lodestar's fusion (``series_jurisdiction``) and two baselines in
  the same run on the same clues — "GPS only" (place clues alone) and "language only".

A Lodestar series is labelled with the truth series most of its members belong to; series
with no truth member (system files, loners) are left out.

Usage: python benchmarks/clues.py [--scale small] [--seed 7] [--workspace DIR]
(--workspace keeps the workspace; run again with it to re-score without redoing the pipeline:
the deep pass resumes and skips what is done.)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
LODESTAR = [sys.executable, "-m", "lodestar.cli.app"]
PIPELINE_DONE = "benchmark-pipeline.done"


def lodestar(*args: str, ws: Path | None = None) -> str:
    cmd = LODESTAR + (["--workspace", str(ws)] if ws else []) + list(args)
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def corpus(scale: str, seed: int) -> Path:
    out = CACHE / f"series-{scale}-{seed}"  # the same operation benchmarks/series.py scores
    if not (out / "truth.json").exists():
        lodestar("demo", "corpus", str(out), "--seed", str(seed), "--scale", scale)
    return out


def pipeline(op: Path, ws: Path) -> dict[str, float]:
    timings: dict[str, float] = {}
    if not (ws / PIPELINE_DONE).exists():
        t = time.perf_counter()
        for col in sorted(p for p in (op / "collections").iterdir() if p.is_dir()):
            lodestar("source", "add", str(col), "--agency", "XX", "--label", col.name, ws=ws)
        lodestar("ingest", ws=ws)
        for file, fmt, known in (
            ("known-series.vics.json", "vics", "--not-known"),
            ("known-files.txt", "plain", "--known"),
        ):
            lodestar("hashsets", "import", str(op / "hashsets" / file), "--format", fmt, known,
                     ws=ws)
        lodestar("match", ws=ws)
        lodestar("series", "build", ws=ws)
        timings["ingest+match+series"] = time.perf_counter() - t
        (ws / PIPELINE_DONE).write_text("ok\n")
    t = time.perf_counter()
    deep_pass(ws)
    timings["deep pass"] = time.perf_counter() - t
    return timings


def deep_pass(ws: Path) -> None:
    from lodestar.clues.deep import run_deep_pass
    from lodestar.workspace import open_workspace

    w = open_workspace(ws)
    try:
        run_deep_pass(w, actor="benchmark")
    finally:
        w.close()


# -- truth ---------------------------------------------------------------------------------------


def load_truth(op: Path) -> tuple[dict[str, Any], dict[str, str], dict[str, list[str]]]:
    """truth series by id, truth series of each media, the printed phrases of each series."""
    from lodestar.demo.plan import build_plan
    from lodestar.demo.scales import get_scale

    truth = json.loads((op / "truth.json").read_text(encoding="utf-8"))
    series = {s["id"]: s for s in truth["series"]}
    media = {f["sha256"]: f["series"] for f in truth["files"]
             if f.get("series") and f.get("sha256") and f["kind"] in ("image", "video")}
    plan = build_plan(truth["seed"], get_scale(truth["scale"]))
    phrases = {s.id: s.scene.texts() for s in plan.series}
    return series, media, phrases


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def recall(truth: list[str], read: str) -> tuple[int, int]:
    """Truth words found among the read words; Thai (no spaces) as a substring of the read
    text with spaces removed (as benchmarks/ocr.py counts)."""
    got, flat = set(tokens(read)), re.sub(r"\s+", "", read.casefold())
    want = [w for phrase in truth for w in tokens(phrase)]
    return sum(1 for w in want if w in got or w in flat), len(want)


# -- scoring -------------------------------------------------------------------------------------


def collect(ws: Path) -> tuple[dict[int, list[str]], dict[str, list[Any]]]:
    """Members of each active series, and every media's clues (as ClueRecords)."""
    from sqlalchemy import select

    from lodestar.clues.jurisdiction import ClueRecord
    from lodestar.store import Clue, Series, SeriesMember
    from lodestar.workspace import open_workspace

    w = open_workspace(ws)
    members: dict[int, list[str]] = defaultdict(list)
    clues: dict[str, list[Any]] = defaultdict(list)
    try:
        with w.store.session() as s:
            rows = s.execute(select(SeriesMember.series_id, SeriesMember.media_sha256)
                             .join(Series, Series.id == SeriesMember.series_id)
                             .where(Series.status == "active"))
            for sid, sha in rows:
                members[sid].append(sha)
            for c in s.scalars(select(Clue).order_by(Clue.id)):
                clues[c.media_sha256].append(
                    ClueRecord(c.id, c.media_sha256, c.kind, dict(c.value or {}), c.confidence))
    finally:
        w.close()
    return dict(members), dict(clues)


def label(shas: list[str], media_truth: dict[str, str]) -> str | None:
    votes = Counter(media_truth[s] for s in shas if s in media_truth)
    return min(votes, key=lambda k: (-votes[k], k)) if votes else None


def series_language(records: list[Any]) -> str | None:
    votes: Counter[str] = Counter()
    for r in records:
        if r.kind == "language":
            votes[str(r.value.get("language"))] += float(r.value.get("probability") or 0.0)
    return min(votes, key=lambda k: (-votes[k], k)) if votes else None


def top1(fuse: Callable[..., list[dict[str, Any]]], records: list[Any],
         kinds: set[str] | None) -> str | None:
    chosen = [r for r in records if kinds is None or r.kind in kinds]
    ranked = fuse(chosen, limit=1)
    return ranked[0]["country_code"] if ranked else None


def score(ws: Path, op: Path) -> dict[str, Any]:
    from lodestar.clues.jurisdiction import fuse

    truth_series, media_truth, phrases = load_truth(op)
    members, clues = collect(ws)
    methods: dict[str, set[str] | None] = {
        "Lodestar fusion": None,
        "baseline: GPS only": {"place"},
        "baseline: language only": {"language"},
    }
    country: dict[str, dict[str, list[int]]] = {m: {"place": [0, 0], "all": [0, 0]}
                                               for m in methods}
    lang_ok: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    words: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong: list[str] = []
    for sid, shas in sorted(members.items()):
        truth_id = label(shas, media_truth)
        if truth_id is None:
            continue
        t = truth_series[truth_id]
        records = [r for sha in shas for r in clues.get(sha, [])]
        lang_ok[t["language"]][0] += series_language(records) == t["language"]
        lang_ok[t["language"]][1] += 1
        for sha in shas:
            if media_truth.get(sha) == truth_id:
                read = " ".join(r.value.get("text", "") for r in clues.get(sha, [])
                                if r.kind == "text")
                hit, n = recall(phrases[truth_id], read)
                words[t["language"]][0] += hit
                words[t["language"]][1] += n
        has_place = any(r.kind == "place" for r in records)
        for name, kinds in methods.items():
            guess = top1(fuse, records, kinds)
            for subset in ("place", "all") if has_place else ("all",):
                country[name][subset][0] += guess == t["country"]
                country[name][subset][1] += 1
            if name == "Lodestar fusion" and guess != t["country"]:
                wrong.append(f"series {sid} ({truth_id}, {t['language']}, {t['country']}"
                             f"{', place' if has_place else ''}) → {guess}")
    return {"country": country, "language": dict(lang_ok), "words": dict(words),
            "wrong": wrong, "series": sum(v[1] for v in lang_ok.values())}


def pct(pair: list[int]) -> str:
    return f"{pair[0]:3}/{pair[1]:<3} {pair[0] / pair[1]:6.1%}" if pair[1] else "  —"


def report(out: dict[str, Any], op: Path, timings: dict[str, float]) -> None:
    print(f"corpus {op.name}: {out['series']} Lodestar series with truth members")
    print(f"\n{'language':8} {'OCR word recall':>18} {'language id (series)':>22}")
    for lang in sorted(out["words"]):
        print(f"{lang:8} {pct(out['words'][lang]):>18} {pct(out['language'][lang]):>22}")
    total_w = [sum(v[i] for v in out["words"].values()) for i in (0, 1)]
    total_l = [sum(v[i] for v in out["language"].values()) for i in (0, 1)]
    print(f"{'all':8} {pct(total_w):>18} {pct(total_l):>22}")
    print(f"\n{'country top-1':28} {'series with a place clue':>26} {'all series':>16}")
    for name, row in out["country"].items():
        print(f"{name:28} {pct(row['place']):>26} {pct(row['all']):>16}")
    print("\nLodestar fusion wrong: " + ("; ".join(out["wrong"]) or "none"))
    print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workspace", type=Path, help="Keep (and reuse) this workspace.")
    args = parser.parse_args()
    op = corpus(args.scale, args.seed)
    ws = args.workspace or Path(tempfile.mkdtemp(prefix="lodestar-clues-bench-"))
    try:
        timings = pipeline(op, ws)
        t = time.perf_counter()
        out = score(ws, op)
        timings["scoring (3 fusions per series)"] = time.perf_counter() - t
    finally:
        if not args.workspace:
            shutil.rmtree(ws, ignore_errors=True)
    report(out, op, timings)


if __name__ == "__main__":
    main()
