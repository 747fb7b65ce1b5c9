"""Lead package build time and size for a series of N benign synthetic media, against a
same-run baseline: a plain ZIP (deflate) of the same N thumbnails the package's previews are
made from. Also times ``verify_package`` on the result.

The package does more than the baseline on purpose (blurred previews, PDF with hash table,
CASE/UCO JSON-LD, VICS, manifest and Ed25519 signature); the ratio says what that costs.
Media are synthetic room/landscape scenes (``lodestar.demo.photos.scene``), SQLite store.

Usage: python benchmarks/leads.py [--sizes 10,100,1000]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import tempfile
import time
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from lodestar.access import Actor
from lodestar.config import Settings
from lodestar.demo.photos import scene
from lodestar.leads import service
from lodestar.leads.package import build_package
from lodestar.leads.verify import verify_package
from lodestar.store import Item, Media, Series, SeriesMember, Source
from lodestar.store.models import spec_sha256
from lodestar.workspace import Workspace, open_workspace

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def _populate(ws: Workspace, n: int) -> tuple[int, list[Path]]:
    thumbs = []
    with ws.store.session() as s:
        src = Source(
            uid=str(uuid.uuid4()),
            kind="folder",
            location="/evidence",
            label="bench",
            agency="PT-PJ",
            added_at=NOW,
            added_by="bench",
            status="done",
        )
        s.add(src)
        s.add(
            Series(
                id=1, name="bench", status="active", locked=False, created_at=NOW, updated_at=NOW
            )
        )
        s.flush()
        for i in range(n):
            buf = io.BytesIO()
            scene(1000 + i, (256, 192), ("room", "landscape")[i % 2]).save(buf, "JPEG", quality=85)
            data = buf.getvalue()
            sha = hashlib.sha256(data).hexdigest()
            rel = f"thumbs/{sha[:2]}/{sha}.jpg"
            (ws.derived / rel).parent.mkdir(parents=True, exist_ok=True)
            (ws.derived / rel).write_bytes(data)
            thumbs.append(ws.derived / rel)
            s.add(
                Media(
                    sha256=sha,
                    md5=hashlib.md5(data).hexdigest(),
                    sha1=hashlib.sha1(data).hexdigest(),
                    size=len(data),
                    mime="image/jpeg",
                    kind="image",
                    width=256,
                    height=192,
                    thumb=rel,
                )
            )
            s.flush()
            name = f"IMG_{i:05d}.jpg"
            s.add(
                Item(
                    source_id=src.id,
                    path_spec=name,
                    spec_sha256=spec_sha256(name),
                    name=name,
                    size=len(data),
                    media_sha256=sha,
                )
            )
            s.add(
                SeriesMember(
                    media_sha256=sha, series_id=1, pinned=False, added_at=NOW, added_by="bench"
                )
            )
    with ws.store.session() as s:
        lead = service.create_lead(
            s, actor=Actor("ana"), series_ids=[1], country="PT", summary="benchmark lead"
        )
    with ws.store.session() as s:
        service.review_lead(s, actor=Actor("bea"), lead_id=lead["id"])
    return int(lead["id"]), thumbs


def _baseline(thumbs: list[Path], out: Path) -> float:
    t0 = time.perf_counter()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in thumbs:
            zf.write(path, path.name)
    return time.perf_counter() - t0


def bench(n: int, tmp: Path) -> dict[str, float]:
    ws = open_workspace(
        tmp / f"ws{n}", settings=Settings(db_url=f"sqlite:///{tmp / f's{n}.db'}", workers=1)
    )
    try:
        lead_id, thumbs = _populate(ws, n)
        base_s = _baseline(thumbs, tmp / f"plain{n}.zip")
        out = tmp / f"lead{n}.zip"
        t0 = time.perf_counter()
        with ws.store.session() as s:
            result = build_package(
                s, actor=Actor("ana"), lead_id=lead_id, out=out, root=ws.root, derived=ws.derived
            )
        pkg_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        assert verify_package(out).ok
        verify_s = time.perf_counter() - t0
    finally:
        ws.close()
    return {
        "n": n,
        "base_s": base_s,
        "base_mb": (tmp / f"plain{n}.zip").stat().st_size / 1e6,
        "pkg_s": pkg_s,
        "pkg_mb": out.stat().st_size / 1e6,
        "pdf_mb": result["files"]["report.pdf"] / 1e6,
        "verify_s": verify_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    print(
        f"{'media':>6} {'plain zip s':>12} {'MB':>7} {'package s':>10} {'MB':>7} "
        f"{'(pdf MB)':>9} {'time ×':>7} {'size ×':>7} {'verify s':>9}"
    )
    with tempfile.TemporaryDirectory(prefix="lodestar-bench-leads-") as tmp:
        for n in sizes:
            r = bench(n, Path(tmp))
            print(
                f"{n:>6} {r['base_s']:>12.3f} {r['base_mb']:>7.2f} {r['pkg_s']:>10.3f} "
                f"{r['pkg_mb']:>7.2f} {r['pdf_mb']:>9.2f} {r['pkg_s'] / r['base_s']:>7.1f} "
                f"{r['pkg_mb'] / r['base_mb']:>7.2f} {r['verify_s']:>9.3f}"
            )
    print(
        "baseline: deflate ZIP of the same thumbnails; package: PDF + CASE + VICS + signed manifest"
    )


if __name__ == "__main__":
    main()
