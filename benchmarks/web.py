"""Workbench under load: 30 analysts on loopback against a 100k-media operation.

Builds (once, cached under ``benchmarks/.cache/web-<backend>/``) a workspace of ``--media`` media
with items, sources, series (~50 media each) with members and links, known-set matches,
near-duplicate matches, clues (place, text, camera serial, language) and PDQ signals, all by bulk
Core inserts; thumbnails are a few hundred real JPEGs (``lodestar.demo.photos.scene``) shared by
many media. Users (analysts + a coordinator) are made with the real services (argon2id).

It then serves the app with uvicorn in a subprocess on a free loopback port (the same app
``lodestar serve --insecure-cookies`` runs: plain-HTTP cookies on loopback), logs every analyst
in (``/api/login`` + CSRF token from ``/api/me``) and runs ``--clients`` closed-loop clients
(asyncio + httpx) for ``--seconds`` over a weighted mix of pages and API calls. It prints
p50/p95/p99 per route, overall, requests/s and the p95 < 150 ms target check, with a same-run
baseline: ``GET /login`` (a template render, no store access) from the same server.

PostgreSQL: a throwaway database ``lodestar_bench_web`` on 127.0.0.1:5432 (or
``--pg-admin-url``), rebuilt each run and dropped at the end; its thumbnails are cached.

Usage: python benchmarks/web.py [--media 100000] [--clients 30] [--seconds 60] [--think 1]
       [--backend sqlite|postgresql|both] [--workers 1 [2]] [--skip PATH ...] [--keep-db]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lodestar.config import Settings
from lodestar.demo.photos import jpeg_bytes, scene
from lodestar.review import people
from lodestar.store import (
    Clue,
    HashSet,
    HashSetEntry,
    Item,
    Match,
    Media,
    MediaLink,
    Series,
    SeriesMember,
    Signal,
    Source,
)
from lodestar.workspace import Workspace, open_workspace

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
PG_DB = "lodestar_bench_web"
PASSWORD = "bench horse battery staple"
AGENCIES = ("PT-PJ", "NL-POL")
N_SOURCES = 20
N_THUMBS = 300
CHUNK = 5000
TARGET_P95_MS = 150.0
BASELINE = "GET /login (baseline)"
TOWNS = (
    ("PT", "Portugal", "Braga", 41.55, -8.42),
    ("NL", "Netherlands", "Utrecht", 52.09, 5.12),
    ("ES", "Spain", "Zaragoza", 41.65, -0.88),
    ("FR", "France", "Lyon", 45.76, 4.84),
    ("DE", "Germany", "Kassel", 51.31, 9.48),
    ("IT", "Italy", "Verona", 45.44, 10.99),
    ("PL", "Poland", "Poznan", 52.41, 16.93),
    ("SE", "Sweden", "Umea", 63.83, 20.26),
)
WORDS = ("EXIT", "HOTEL", "BAKERY", "PLATFORM 3", "NOODUITGANG", "SAIDA", "LIBRARY", "MARKET")


# -- synthetic operation ---------------------------------------------------------------------


def sha_of(i: int) -> str:
    return hashlib.sha256(f"lodestar-bench-web:{i}".encode()).hexdigest()


def md5_of(i: int) -> str:
    return hashlib.md5(f"lodestar-bench-web:{i}".encode()).hexdigest()


def n_series(media: int) -> int:
    return max(1, media // 50)


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(session: Session, model: Any, rows: Iterator[dict[str, Any]]) -> None:
    # Plain Core executemany: the tables are empty, so no conflict handling is needed.
    for batch in _chunks(rows):
        session.execute(insert(model.__table__), batch)


def write_thumbs(derived: Path) -> None:
    folder = derived / "thumbs"
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(N_THUMBS):
        path = folder / f"{k:03d}.jpg"
        if not path.exists():
            path.write_bytes(jpeg_bytes(scene(k, (256, 192), grain=2.0), quality=85))


def _media_rows(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {
            "sha256": sha_of(i),
            "md5": md5_of(i),
            "sha1": hashlib.sha1(f"lodestar-bench-web:{i}".encode()).hexdigest(),
            "size": 40_000 + i % 9000,
            "mime": "image/jpeg",
            "kind": "image",
            "width": 1024,
            "height": 768,
            "make": "Canon" if i % 3 else None,
            "model": "EOS 80D" if i % 3 else None,
            "serial": f"SN-{i % 997:04d}" if i % 11 == 0 else None,
            "captured_at": f"2025:{1 + i % 12:02d}:{1 + i % 28:02d} 10:00:00",
            "thumb": f"thumbs/{i % N_THUMBS:03d}.jpg",
        }


def _item_rows(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n + n // 10):  # every tenth media also turns up on a second source
        m = i if i < n else (i - n) * 10
        spec = f"/photos/{i // 1000:03d}/IMG_{i:06d}.jpg"
        yield {
            "source_id": 1 + i % N_SOURCES,
            "path_spec": spec,
            "spec_sha256": hashlib.sha256(spec.encode()).hexdigest(),
            "name": spec.rsplit("/", 1)[1],
            "size": 40_000 + m % 9000,
            "mtime": 1.7e9 + i,
            "in_archive": False,
            "media_sha256": sha_of(m),
        }


def _member_rows(n: int, now: datetime) -> Iterator[dict[str, Any]]:
    s = n_series(n)
    for i in range(n * 9 // 10):  # a tenth of the media stays outside any series
        yield {
            "media_sha256": sha_of(i),
            "series_id": 1 + i % s,
            "pinned": False,
            "added_at": now,
            "added_by": "bench",
        }


def _link_rows(n: int) -> Iterator[dict[str, Any]]:
    s = n_series(n)
    for i in range(n * 9 // 10 - s):  # i and i + s are in the same series: a chain per series
        a, b = sorted((sha_of(i), sha_of(i + s)))
        yield {
            "a_sha256": a,
            "b_sha256": b,
            "kind": "near-dup" if i % 4 else "camera",
            "builder_version": "1",
            "score": 0.9,
            "strength": "strong",
            "evidence": {"distance": 12},
        }


def _clue_rows(n: int, now: datetime) -> Iterator[dict[str, Any]]:
    common = {"stage": "bench", "extractor": "bench", "extractor_version": "1", "created_at": now}
    for i in range(n):
        sha = sha_of(i)
        if i % 7 == 0:
            cc, country, town, lat, lon = TOWNS[(i // 7) % len(TOWNS)]
            value: dict[str, Any] = {
                "country_code": cc,
                "country": country,
                "region": None,
                "town": town,
            }
            value |= {"distance_km": 1.0, "lat": lat, "lon": lon}
            yield common | {
                "media_sha256": sha,
                "kind": "place",
                "value": value,
                "text": f"{town}, {country}",
                "confidence": 0.8,
            }
        if i % 5 == 0:
            word = WORDS[i % len(WORDS)]
            yield common | {
                "media_sha256": sha,
                "kind": "text",
                "value": {"text": word, "language": None},
                "text": word,
                "confidence": 0.9,
            }
        if i % 11 == 0:
            serial = f"SN-{i % 997:04d}"
            yield common | {
                "media_sha256": sha,
                "kind": "camera_serial",
                "value": {"serial": serial},
                "text": f"Canon EOS #{serial}",
                "confidence": 0.95,
            }


def _signal_rows(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        pdq = hashlib.sha256(f"pdq:{i // 3}".encode()).hexdigest()  # near-dups share a PDQ
        yield {"media_sha256": sha_of(i), "type": "pdq", "position": 0, "value": pdq, "quality": 90}


def _entry_rows(n: int) -> Iterator[dict[str, Any]]:
    for k, i in enumerate(range(0, n, 20)):
        yield {
            "set_id": 1,
            "record_no": k,
            "md5": md5_of(i),
            "sha256": sha_of(i),
            "category": "1",
            "category_raw": "1",
            "series": f"known-{i % 40}",
            "victim_identified": i % 3 == 0,
            "offender_identified": False,
            "detail": {},
        }


def _match_rows(n: int) -> Iterator[dict[str, Any]]:
    for k, i in enumerate(range(0, n, 20)):
        yield {
            "media_sha256": sha_of(i),
            "key": f"entry:{k + 1}",
            "entry_id": k + 1,
            "set_id": 1,
            "other_sha256": None,  # executemany needs one key set for every row
            "method": "md5",
            "distance": 0,
        }
    for i in range(1, n - 1, 25):
        yield {
            "media_sha256": sha_of(i),
            "key": f"media:{sha_of(i + 1)}",
            "entry_id": None,
            "set_id": None,
            "other_sha256": sha_of(i + 1),
            "method": "pdq",
            "distance": 14,
        }


def populate(ws: Workspace, n: int) -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with ws.store.session() as session:
        _bulk(
            session,
            Source,
            (
                {
                    "id": k + 1,
                    "uid": f"00000000-0000-4000-8000-{k:012d}",
                    "kind": "folder",
                    "location": f"/evidence/{k}",
                    "label": f"laptop {k}",
                    "agency": AGENCIES[k % 2],
                    "added_at": now,
                    "added_by": "bench",
                    "status": "done",
                }
                for k in range(N_SOURCES)
            ),
        )
        _bulk(session, Media, _media_rows(n))
        _bulk(session, Item, _item_rows(n))
        _bulk(
            session,
            Series,
            (
                {
                    "id": s + 1,
                    "name": f"series {s + 1}" if s % 3 == 0 else None,
                    "status": "active",
                    "locked": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for s in range(n_series(n))
            ),
        )
    for model, rows in (
        (SeriesMember, _member_rows(n, now)),
        (MediaLink, _link_rows(n)),
        (Clue, _clue_rows(n, now)),
        (Signal, _signal_rows(n)),
    ):
        with ws.store.session() as session:
            _bulk(session, model, rows)
    with ws.store.session() as session:
        session.add(
            HashSet(
                id=1,
                name="bench known set",
                format="vics",
                file_name="bench.json",
                file_sha256="0" * 64,
                imported_at=now,
                imported_by="bench",
                entries=n // 20,
            )
        )
        session.flush()
        _bulk(session, HashSetEntry, _entry_rows(n))
        _bulk(session, Match, _match_rows(n))


def add_people(ws: Workspace, clients: int) -> None:
    with ws.store.session() as session:
        for code in AGENCIES:
            people.add_agency(session, code=code, name=f"agency {code}", actor="bench")
        people.add_user(
            session,
            username="coord",
            password=PASSWORD,
            role="coordinator",
            agency_code=AGENCIES[0],
            actor="bench",
        )
        for k in range(clients):
            people.add_user(
                session,
                username=f"analyst{k:02d}",
                password=PASSWORD,
                role="analyst",
                agency_code=AGENCIES[k % 2],
                actor="bench",
            )


def existing_analysts(ws: Workspace) -> int:
    from lodestar.store.people_models import User

    with ws.store.session() as session:
        names = session.scalars(select(User.username).where(User.role == "analyst")).all()
    return len(names)


def build(root: Path, db_url: str | None, n: int, clients: int) -> Workspace:
    """Open the workspace, filling it unless a marker says this size is already there."""
    marker = root / "built.json"
    write_thumbs(root / "derived")
    cached = json.loads(marker.read_text()) if marker.exists() else {}
    fresh = db_url is not None or cached.get("media") != n
    if fresh and db_url is None:
        marker.unlink(missing_ok=True)
    if fresh and db_url is None and (root / "lodestar.db").exists():
        for suffix in ("", "-wal", "-shm"):  # a half-built cache from an interrupted run
            (root / f"lodestar.db{suffix}").unlink(missing_ok=True)
    ws = open_workspace(root, settings=Settings(workspace=root, db_url=db_url))
    if fresh:
        t0 = time.perf_counter()
        populate(ws, n)
        add_people(ws, clients)
        with ws.store.engine.begin() as conn:  # planner statistics, as autovacuum would gather
            conn.exec_driver_sql("ANALYZE")
        print(f"built {n} media in {time.perf_counter() - t0:.1f} s", flush=True)
        if db_url is None:
            marker.write_text(json.dumps({"media": n, "analysts": clients}))
    elif existing_analysts(ws) < clients:
        with ws.store.session() as session:
            for k in range(existing_analysts(ws), clients):
                people.add_user(
                    session,
                    username=f"analyst{k:02d}",
                    password=PASSWORD,
                    role="analyst",
                    agency_code=AGENCIES[k % 2],
                    actor="bench",
                )
    return ws


# -- PostgreSQL throwaway database -----------------------------------------------------------


def pg_create(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{PG_DB}"


def pg_drop(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


# -- the server ------------------------------------------------------------------------------


def serve_app() -> Any:
    """uvicorn factory (``web:serve_app``): the workspace and DB URL come from the environment."""
    from lodestar.review.config import WebConfig
    from lodestar.web.app import create_app

    ws = open_workspace(settings=Settings())
    return create_app(ws, config=WebConfig(secure_cookies=False))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    root: Path, db_url: str | None, port: int, workers: int
) -> subprocess.Popen[bytes]:
    env = os.environ | {"LODESTAR_WORKSPACE": str(root)}
    env.pop("LODESTAR_DB_URL", None)
    if db_url:
        env["LODESTAR_DB_URL"] = db_url
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "web:serve_app",
        "--app-dir",
        str(HERE),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("the server did not answer within 120 s")


# -- the load --------------------------------------------------------------------------------

# (label, weight): thumbnails dominate, as a page shows many; the dashboard and map are rarer.
MIX: tuple[tuple[str, float], ...] = (
    ("GET /series (queue page)", 1.0),
    ("GET /api/series", 0.5),
    ("GET /series/{id}", 2.0),
    ("GET /api/series/{id}", 1.0),
    ("GET /media/{sha}", 2.0),
    ("GET /api/media/{sha}", 2.0),
    ("GET /api/media/{sha}/thumb", 6.0),
    ("GET /api/search?hash=", 1.0),
    ("GET /search?q= (page)", 0.5),
    ("GET / (dashboard)", 0.5),
    ("GET /api/operation", 0.5),
    ("GET /map", 0.25),
    (BASELINE, 1.0),
)


def active_mix(skip: list[str]) -> tuple[tuple[str, float], ...]:
    """The mix without the routes whose path is in ``skip`` (the baseline always stays)."""
    return tuple((lb, w) for lb, w in MIX if lb == BASELINE or lb.split()[1] not in skip)


def url_for(label: str, rng: random.Random, n: int) -> str:
    i = rng.randrange(n)
    sid = 1 + rng.randrange(n_series(n))
    return {
        "GET /series (queue page)": "/series",
        "GET /api/series": "/api/series",
        "GET /series/{id}": f"/series/{sid}",
        "GET /api/series/{id}": f"/api/series/{sid}",
        "GET /media/{sha}": f"/media/{sha_of(i)}",
        "GET /api/media/{sha}": f"/api/media/{sha_of(i)}",
        "GET /api/media/{sha}/thumb": f"/api/media/{sha_of(i)}/thumb",
        "GET /api/search?hash=": f"/api/search?hash={md5_of(i)}",
        "GET /search?q= (page)": f"/search?q={sha_of(i)}",
        "GET / (dashboard)": "/",
        "GET /api/operation": "/api/operation",
        "GET /map": "/map",
        BASELINE: "/login",
    }[label]


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0


async def login(client: httpx.AsyncClient, username: str) -> None:
    r = await client.post("/api/login", json={"username": username, "password": PASSWORD})
    if r.status_code != 200:
        raise SystemExit(f"login of {username} failed: {r.status_code} {r.text[:200]}")
    me = await client.get("/api/me")
    client.headers["X-CSRF-Token"] = me.json()["csrf_token"]


async def analyst(
    client: httpx.AsyncClient,
    seed: int,
    n: int,
    span: tuple[float, float],
    mix: tuple[tuple[str, float], ...],
    think: float,
    out: Results,
) -> None:
    rng = random.Random(seed)
    labels, weights = zip(*mix, strict=True)
    warm, stop = span
    while (now := time.perf_counter()) < stop:
        label = rng.choices(labels, weights)[0]
        t0 = time.perf_counter()
        try:
            r = await client.get(url_for(label, rng, n))
            ok = r.status_code == 200
        except httpx.HTTPError:
            ok = False
        ms = (time.perf_counter() - t0) * 1000
        if now >= warm:  # the first seconds warm caches and pools; not counted
            out.times[label].append(ms)
            if not ok:
                out.errors[label] += 1
        if think > 0:  # an analyst looks at what came back before the next click
            await asyncio.sleep(rng.expovariate(1 / think))


async def run_load(
    port: int,
    n: int,
    clients: int,
    seconds: float,
    mix: tuple[tuple[str, float], ...],
    think: float,
) -> Results:
    base = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    pool = [httpx.AsyncClient(base_url=base, timeout=120, limits=limits) for _ in range(clients)]
    try:
        for k, client in enumerate(pool):
            await login(client, f"analyst{k:02d}")
        out = Results()
        start = time.perf_counter()
        span = (start + min(5.0, seconds / 5), start + seconds)
        await asyncio.gather(*(analyst(c, k, n, span, mix, think, out) for k, c in enumerate(pool)))
        out.seconds = time.perf_counter() - span[0]
        return out
    finally:
        await asyncio.gather(*(c.aclose() for c in pool))


# -- report ----------------------------------------------------------------------------------


def _pcts(values: list[float]) -> tuple[float, float, float]:
    p50, p95, p99 = np.percentile(np.asarray(values), [50, 95, 99])
    return float(p50), float(p95), float(p99)


def report(title: str, res: Results) -> None:
    print(f"\n{title}")
    head = f"{'route':<30}{'n':>7}{'err':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  target"
    print(head)
    print("-" * len(head))
    every: list[float] = []
    for label, _ in MIX:
        values = res.times.get(label, [])
        if not values:
            continue
        p50, p95, p99 = _pcts(values)
        ok = "ok" if p95 < TARGET_P95_MS else "OVER"
        print(
            f"{label:<30}{len(values):>7}{res.errors[label]:>5}{p50:>9.1f}{p95:>9.1f}"
            f"{p99:>9.1f}  {'' if label == BASELINE else ok}"
        )
        if label != BASELINE:
            every += values
    if every:
        p50, p95, p99 = _pcts(every)
        total = sum(len(v) for v in res.times.values())
        over = [
            lb
            for lb, _ in MIX
            if lb != BASELINE and res.times.get(lb) and _pcts(res.times[lb])[1] >= TARGET_P95_MS
        ]
        print(
            f"{'all routes (excl. baseline)':<30}{len(every):>7}"
            f"{sum(res.errors.values()):>5}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}"
        )
        print(
            f"throughput: {total / res.seconds:.1f} requests/s over {res.seconds:.0f} s;  "
            f"target p95 < {TARGET_P95_MS:.0f} ms: "
            f"{'met' if not over else 'NOT met on ' + ', '.join(over)}"
        )


def bench_backend(args: argparse.Namespace, backend: str) -> None:
    root = CACHE / f"web-{backend}"
    db_url = pg_create(args.pg_admin_url) if backend == "postgresql" else None
    try:
        ws = build(root, db_url, args.media, args.clients)
        ws.close()
        for workers in args.workers:
            port = free_port()
            server = start_server(root, db_url, port, workers)
            try:
                mix = active_mix(args.skip)
                res = asyncio.run(
                    run_load(port, args.media, args.clients, args.seconds, mix, args.think)
                )
            finally:
                server.terminate()
                server.wait(30)
            report(
                f"{backend}: {args.media} media, {args.clients} analysts, uvicorn "
                f"{workers} worker(s), {args.seconds:.0f} s, think {args.think:g} s",
                res,
            )
    finally:
        if db_url is not None and not args.keep_db:
            pg_drop(args.pg_admin_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="uvicorn worker counts to run in turn (e.g. 1 2)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean pause (s, exponential) between an analyst's requests; 0 = stress test",
    )
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        help="leave out these route paths, as labelled (e.g. /series /api/series / /map)",
    )
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep-db", action="store_true", help="leave the PostgreSQL DB behind")
    args = parser.parse_args()
    if args.media < 100:
        parser.error("--media must be at least 100")
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(f"machine: {os.cpu_count()} CPUs; client and server share them")
    for backend in backends:
        bench_backend(args, backend)


if __name__ == "__main__":
    main()
