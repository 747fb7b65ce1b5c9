"""The web workbench's two per-request costs, each against a same-run baseline (SQLite, 1 thread):

- ``blur``: serving one blurred greyscale thumbnail (``lodestar.blur.blurred_jpeg`` on a
  256 px JPEG) against the baseline of decoding and re-encoding the same JPEG unchanged;
- ``audit append``: appending hash-chained audit events (``lodestar.audit.append_event``, one
  savepoint and a head read each) against inserting the same rows with a constant hash
  (plain ORM add, no chain), both committed every 50 rows; plus ``verify`` throughput.

Usage: python benchmarks/review.py [--events 2000] [--thumbs 200]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import uuid
from pathlib import Path

from PIL import Image, ImageDraw

from lodestar.audit import append_event, verify_chain
from lodestar.blur import blurred_jpeg
from lodestar.store import Store
from lodestar.store.people_models import AuditEvent


def _thumb(path: Path) -> None:
    img = Image.new("RGB", (256, 192), (200, 150, 90))
    draw = ImageDraw.Draw(img)
    for x in range(0, 256, 6):
        draw.line((x, 0, x, 130), fill=(240, 230, 200), width=2)
    draw.rectangle((150, 30, 220, 100), fill=(120, 180, 250))
    img.save(path, "JPEG", quality=90)


def _reencode(path: Path) -> bytes:
    with Image.open(path) as img:
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "JPEG", quality=70)
        return buf.getvalue()


def bench_blur(tmp: Path, n: int) -> list[tuple[str, float, str]]:
    path = tmp / "t.jpg"
    _thumb(path)
    t0 = time.perf_counter()
    for _ in range(n):
        _reencode(path)
    base = (time.perf_counter() - t0) / n * 1000
    t0 = time.perf_counter()
    for _ in range(n):
        blurred_jpeg(path, radius=16, colour=False)
    blur = (time.perf_counter() - t0) / n * 1000
    return [
        ("thumbnail re-encode (baseline)", base, "ms/img"),
        ("blurred greyscale thumbnail", blur, "ms/img"),
    ]


def bench_audit(tmp: Path, n: int) -> list[tuple[str, float, str]]:
    store = Store(f"sqlite:///{tmp / 'b.db'}")
    store.migrate()
    t0 = time.perf_counter()
    for start in range(0, n, 50):
        with store.session() as session:
            for i in range(start, min(n, start + 50)):
                session.add(
                    AuditEvent(
                        at="2026-01-01T00:00:00Z",
                        actor="bench",
                        action="search",
                        target="",
                        detail={"i": i},
                        prev_hash=uuid.uuid4().hex * 2,
                        hash=uuid.uuid4().hex * 2,
                    )
                )
    base = n / (time.perf_counter() - t0)
    with store.session() as session:
        session.query(AuditEvent).delete()
    t0 = time.perf_counter()
    for start in range(0, n, 50):
        with store.session() as session:
            for i in range(start, min(n, start + 50)):
                append_event(session, actor="bench", action="search", detail={"i": i})
    chained = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    with store.session() as session:
        assert verify_chain(session).ok
    verify = n / (time.perf_counter() - t0)
    store.dispose()
    return [
        ("plain insert (baseline)", base, "events/s"),
        ("hash-chained append", chained, "events/s"),
        ("chain verify", verify, "events/s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--thumbs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = bench_blur(Path(tmp), args.thumbs) + bench_audit(Path(tmp), args.events)
    print(f"{'measure':<34}{'value':>12}  unit")
    for name, value, unit in rows:
        print(f"{name:<34}{value:>12.2f}  {unit}")
    print(
        f"blur / baseline: {rows[1][1] / rows[0][1]:.2f}×;  "
        f"chained append / plain insert: {rows[3][1] / rows[2][1]:.2f}×"
    )


if __name__ == "__main__":
    main()
