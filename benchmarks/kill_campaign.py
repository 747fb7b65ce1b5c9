"""Kill campaign: SIGKILL a stage at random moments, re-run it, compare the store with a clean run.

For each command (ingest, match, series build, analyze = the deep pass, run) on a small benign
demo operation (``demo corpus --seed 3 --scale tiny``, cached under benchmarks/.cache/):

1. prepare the workspace the command starts from (sources added, hash sets imported, the
   earlier stages done) and keep it as a template (a copied folder; on PostgreSQL also a
   ``CREATE DATABASE … TEMPLATE`` copy of the store);
2. run the command uninterrupted from a copy of the template: its time and the store's
   canonical dump are the baseline;
3. ``--kills`` times: from a fresh copy, start the command, SIGKILL its whole process group
   (the CLI and its workers) at a seeded random moment in [0, 1.2 × baseline time), run it
   again to completion and compare the dump with the baseline. A kill landing before the work
   started or after it ended counts as a run too.

The canonical dump holds every row the stages write, without surrogate ids, wall-clock times
and run bookkeeping (ingest_runs, stage_runs, series_events, seconds): sources, media, items,
warnings, signals, matches (entries by set name and record number), links, series (as sets of
member SHA-256s with their attributes; empty retired series are left out), clues, clue_runs,
stage_marks. Rows are compared as multisets: "lost" = baseline rows missing after the re-run,
"dup" = rows the re-run has beyond the baseline.

Usage: python benchmarks/kill_campaign.py [--backend sqlite|postgresql|both] [--kills 20]
       [--seed 1] [--commands ingest,match,series,analyze,run] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
LODESTAR = [sys.executable, "-m", "lodestar.cli.app"]
PG_ADMIN = os.environ.get("LODESTAR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

COMMANDS: dict[str, list[str]] = {
    "ingest": ["ingest"],
    "match": ["match"],
    "series": ["series", "build"],
    "analyze": ["analyze"],
    "run": ["run"],
}
# What a command starts from: the steps done before it (cumulative, in this order).
BEFORE: dict[str, list[str]] = {
    "ingest": [],
    "match": ["ingest"],
    "series": ["ingest", "match"],
    "analyze": ["ingest", "match", "series"],
    "run": [],
}


# --- the store ------------------------------------------------------------------------------


@dataclass
class Target:
    """A workspace folder and (PostgreSQL) its database."""

    root: Path
    backend: str
    db: str | None = None

    def env(self, workers: int) -> dict[str, str]:
        env = dict(os.environ, LODESTAR_WORKERS=str(workers))
        env.pop("LODESTAR_WORKSPACE", None)
        if self.db:
            env["LODESTAR_DB_URL"] = sa_url(self.db)
        else:
            env.pop("LODESTAR_DB_URL", None)
        return env


def sa_url(db: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{db}"


def pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def new_target(tmp: Path, backend: str, template: Target | None = None) -> Target:
    root = tmp / f"ws-{uuid.uuid4().hex[:8]}"
    db = None
    if template is not None:
        shutil.copytree(template.root, root, symlinks=True)
    if backend == "postgresql":
        db = f"lodestar_kill_{uuid.uuid4().hex[:10]}"
        if template is not None and template.db:
            pg(f'CREATE DATABASE "{db}" TEMPLATE "{template.db}"')
        else:
            pg(f'CREATE DATABASE "{db}"')
    return Target(root, backend, db)


def drop(target: Target) -> None:
    shutil.rmtree(target.root, ignore_errors=True)
    if target.db:
        pg(f'DROP DATABASE IF EXISTS "{target.db}" WITH (FORCE)')


def _j(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def canonical_dump(target: Target) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the stages write, without surrogate ids, wall-clock times or run bookkeeping.

    Extends tests/analyze/corpus.py ``canonical_dump`` (sources, media, items, warnings) with
    signals, matches, links, series membership, clues, clue_runs and stage marks.
    """
    from sqlalchemy import create_engine, text

    url = sa_url(target.db) if target.db else f"sqlite:///{target.root / 'lodestar.db'}"
    engine = create_engine(url)
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with engine.connect() as c:

            def rows(sql: str) -> list[Any]:
                return list(c.execute(text(sql)))

            labels = {r.id: r.label for r in rows("SELECT id, label FROM sources")}
            sets = {r.id: r.name for r in rows("SELECT id, name FROM hash_sets")}
            entries = {
                r.id: (sets.get(r.set_id), r.record_no)
                for r in rows("SELECT id, set_id, record_no FROM hash_set_entries")
            }
            out["sources"] = [
                (r.label, r.kind, r.status, r.manifest_sha256, r.container_sha256)
                for r in rows("SELECT * FROM sources")
            ]
            out["media"] = [
                tuple(_j(v) if isinstance(v, dict | list) else v for v in r)
                for r in rows("SELECT * FROM media")
            ]
            out["items"] = [
                (
                    labels[r.source_id],
                    r.path_spec,
                    r.size,
                    r.mtime,
                    bool(r.in_archive),
                    r.media_sha256 or "",
                )
                for r in rows("SELECT * FROM items")
            ]
            out["warnings"] = [
                (
                    labels.get(r.source_id or -1, ""),
                    r.path_spec,
                    r.stage,
                    r.code,
                    r.reason,
                    r.media_sha256 or "",
                )
                for r in rows("SELECT * FROM warnings")
            ]
            out["signals"] = [
                (r.media_sha256, r.type, r.position, r.value, r.quality, r.timestamp)
                for r in rows("SELECT * FROM signals")
            ]

            def key(k: str) -> str:
                if k.startswith("entry:"):
                    return f"entry:{entries.get(int(k[6:]))}"
                return k

            out["matches"] = [
                (
                    r.media_sha256,
                    key(r.key),
                    str(entries.get(r.entry_id)),
                    sets.get(r.set_id),
                    r.other_sha256,
                    r.method,
                    r.distance,
                )
                for r in rows("SELECT * FROM matches")
            ]
            out["links"] = [
                (
                    r.a_sha256,
                    r.b_sha256,
                    r.kind,
                    r.builder_version,
                    round(r.score, 9),
                    r.strength,
                    _j(r.evidence),
                )
                for r in rows("SELECT * FROM links")
            ]
            members: dict[int, list[tuple[str, bool]]] = {}
            for r in rows("SELECT * FROM series_members"):
                members.setdefault(r.series_id, []).append((r.media_sha256, bool(r.pinned)))
            out["series"] = [
                (
                    r.name,
                    r.status,
                    bool(r.locked),
                    r.victim_identified,
                    r.offender_identified,
                    r.icse_series,
                    tuple(sorted(members[r.id])),
                )
                for r in rows("SELECT * FROM series")
                if r.id in members
            ]
            out["clues"] = [
                (
                    r.media_sha256,
                    r.kind,
                    _j(r.value),
                    r.text,
                    round(r.confidence, 9),
                    r.position,
                    r.stage,
                    r.extractor,
                    r.extractor_version,
                )
                for r in rows("SELECT * FROM clues")
            ]
            out["clue_runs"] = [
                (
                    r.media_sha256,
                    r.extractor,
                    r.extractor_version,
                    r.stage,
                    r.status,
                    r.clues,
                    _j(r.raw),
                )
                for r in rows("SELECT * FROM clue_runs")
            ]
            out["stage_marks"] = [
                (r.stage, _j(r.inputs)) for r in rows("SELECT * FROM stage_marks")
            ]
    finally:
        engine.dispose()
    return {name: sorted(v, key=repr) for name, v in out.items()}


def compare(
    base: dict[str, list[tuple[Any, ...]]], got: dict[str, list[tuple[Any, ...]]]
) -> tuple[int, int, dict[str, tuple[int, int]]]:
    lost = dup = 0
    per: dict[str, tuple[int, int]] = {}
    for name in base:
        b, g = Counter(base[name]), Counter(got.get(name, []))
        nl, nd = sum((b - g).values()), sum((g - b).values())
        if nl or nd:
            per[name] = (nl, nd)
        lost, dup = lost + nl, dup + nd
    return lost, dup, per


# --- commands -------------------------------------------------------------------------------


def lodestar(target: Target, args: list[str], workers: int) -> None:
    cmd = LODESTAR + ["--workspace", str(target.root), *args]
    done = subprocess.run(cmd, env=target.env(workers), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")


def corpus(seed: int) -> Path:
    from lodestar.demo import GENERATOR_VERSION

    out = CACHE / f"kill-tiny-{seed}"
    truth = out / "truth.json"
    if not truth.exists() or json.loads(truth.read_text()).get("generator_version") != (
        GENERATOR_VERSION
    ):
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(
            LODESTAR + ["demo", "corpus", str(out), "--seed", str(seed), "--scale", "tiny"],
            check=True,
            capture_output=True,
        )
    return out


def setup(target: Target, op: Path, workers: int) -> None:
    """Sources and hash sets, as scripts/demo.sh adds them."""
    for col in sorted(p for p in (op / "collections").iterdir() if p.is_dir()):
        lodestar(
            target, ["source", "add", str(col), "--agency", "NL-POL", "--label", col.name], workers
        )
    for file, fmt, known in (
        ("known-series.vics.json", "vics", "--not-known"),
        ("known-files.txt", "plain", "--known"),
    ):
        lodestar(
            target,
            [
                "hashsets",
                "import",
                str(op / "hashsets" / file),
                "--format",
                fmt,
                known,
                "--category-map",
                "2=demo-category-2",
            ],
            workers,
        )


def killed_run(target: Target, args: list[str], at: float, workers: int) -> str:
    """Start the command, SIGKILL its process group after ``at`` s; say where the kill fell."""
    cmd = LODESTAR + ["--workspace", str(target.root), *args]
    proc = subprocess.Popen(
        cmd,
        env=target.env(workers),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=at)
        return "after"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "during"


@dataclass
class Row:
    command: str
    backend: str
    kills: int = 0
    equal: int = 0
    lost: int = 0
    dup: int = 0
    baseline_s: float = 0.0
    seconds: float = 0.0
    defects: list[str] = field(default_factory=list)


def campaign(
    command: str,
    backend: str,
    op: Path,
    tmp: Path,
    kills: int,
    rng: random.Random,
    workers: int,
    log: Callable[[str], None],
) -> Row:
    t0 = time.perf_counter()
    row = Row(command, backend)
    template = new_target(tmp, backend)
    try:
        setup(template, op, workers)
        for step in BEFORE[command]:
            lodestar(template, COMMANDS[step], workers)
        base_t = new_target(tmp, backend, template)
        t = time.perf_counter()
        lodestar(base_t, COMMANDS[command], workers)
        row.baseline_s = time.perf_counter() - t
        baseline = canonical_dump(base_t)
        drop(base_t)
        for _ in range(kills):
            at = rng.uniform(0, 1.2 * row.baseline_s)
            target = new_target(tmp, backend, template)
            try:
                where = killed_run(target, COMMANDS[command], at, workers)
                lodestar(target, COMMANDS[command], workers)
                lost, dup, per = compare(baseline, canonical_dump(target))
            except RuntimeError as exc:  # the re-run itself failed: a defect too
                lost, dup, per, where = -1, -1, {}, f"re-run failed: {exc}"
            finally:
                drop(target)
            row.kills += 1
            if lost == 0 and dup == 0:
                row.equal += 1
            else:
                row.lost += max(lost, 0)
                row.dup += max(dup, 0)
                row.defects.append(f"kill at {at:.2f}s ({where}): {per or where}")
            log(f"  {command}/{backend}: kill at {at:.2f}s ({where}) lost={lost} dup={dup} {per}")
    finally:
        drop(template)
    row.seconds = time.perf_counter() - t0
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--commands", default=",".join(COMMANDS))
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    rng = random.Random(args.seed)
    op = corpus(3)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="lodestar-kill-") as tmp:
        for backend in backends:
            for command in commands:
                rows.append(
                    campaign(
                        command,
                        backend,
                        op,
                        Path(tmp),
                        args.kills,
                        rng,
                        args.workers,
                        lambda s: print(s, file=sys.stderr),
                    )
                )
    head = ("command", "backend", "kills", "equal", "lost rows", "dup rows", "baseline s", "time s")
    print("  ".join(f"{h:>10}" for h in head))
    for r in rows:
        cells = (
            " ".join(COMMANDS[r.command]),
            r.backend,
            r.kills,
            r.equal,
            r.lost,
            r.dup,
            f"{r.baseline_s:.1f}",
            f"{r.seconds:.0f}",
        )
        print("  ".join(f"{c!s:>10}" for c in cells))
    for r in rows:
        for d in r.defects:
            print(f"DEFECT {' '.join(COMMANDS[r.command])} [{r.backend}] {d}")


if __name__ == "__main__":
    main()
