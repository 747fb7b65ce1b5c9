"""A small benign evidence tree for ingest tests, and a canonical dump of a store."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lodestar.store import Item, Media, ProcessingWarning, Source
from lodestar.workspace import Workspace

from .helpers import bomb_png, gradient_image, jpeg_bytes, write_video

FIXED_MTIME = 1_700_000_000


def make_evidence(root: Path, *, images: int = 12, video: bool = True) -> list[Path]:
    """Two seized folders sharing some files, with an archive, a video and hostile files."""
    a, b = root / "seizure-a", root / "seizure-b"
    for d in (a / "DCIM", b / "backup", a / "docs"):
        d.mkdir(parents=True, exist_ok=True)
    shared = []
    for i in range(images):
        img = gradient_image(320, 240, seed=i).rotate(i * 3)
        data = jpeg_bytes(
            img,
            make="Acme",
            model="Z1",
            serial=f"SN{i % 3}",
            taken=f"2024:03:0{1 + i % 9} 10:00:{i:02d}",
        )
        (a / "DCIM" / f"IMG_{i:04d}.JPG").write_bytes(data)
        shared.append(data)
    for i, data in enumerate(shared[: images // 2]):  # exact duplicates across seizures
        (b / "backup" / f"copy_{i}.jpg").write_bytes(data)
    (a / "docs" / "readme.txt").write_text("benign notes\n")
    (a / "docs" / "empty.bin").write_bytes(b"")
    (a / "docs" / "bomb.png").write_bytes(bomb_png())
    (a / "docs" / "cut.jpg").write_bytes(shared[0][: len(shared[0]) // 2])
    if video:
        write_video(a / "DCIM" / "clip.mp4", seconds=1.0, fps=5)
    _zip(b / "photos.zip", {"inner/x.jpg": shared[-1], "inner/note.txt": b"hello"})
    _tar(b / "old.tar.gz", {"p/y.jpg": shared[1]})
    os.symlink("/etc/hostname", b / "escape-link")
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            if not path.is_symlink():
                os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    return [a, b]


def _zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)


def _tar(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), FIXED_MTIME
            tf.addfile(info, io.BytesIO(data))


def snapshot(paths: list[Path]) -> dict[str, tuple[bytes, int, int]]:
    """Bytes and nanosecond mtimes of every file under ``paths`` (links not followed)."""
    out = {}
    for root in paths:
        for dirpath, _, names in os.walk(root):
            for name in names:
                path = Path(dirpath) / name
                st = path.lstat()
                data = b"" if path.is_symlink() else path.read_bytes()
                out[str(path)] = (data, st.st_mtime_ns, st.st_size)
    return out


def canonical_dump(ws: Workspace) -> dict[str, Any]:
    """The store's content without surrogate ids or wall-clock times."""
    with ws.store.session() as s:
        labels = {src.id: src.label for src in s.scalars(select(Source))}
        sources = sorted(
            (x.label, x.kind, x.status, x.manifest_sha256, x.container_sha256)
            for x in s.scalars(select(Source))
        )
        media = sorted(
            tuple((c.name, getattr(m, c.name)) for c in Media.__table__.columns)
            for m in s.scalars(select(Media))
        )
        items = sorted(
            (labels[i.source_id], i.path_spec, i.size, i.mtime, i.in_archive, i.media_sha256 or "")
            for i in s.scalars(select(Item))
        )
        warnings = sorted(
            (
                labels.get(w.source_id or -1, ""),
                w.path_spec,
                w.stage,
                w.code,
                w.reason,
                w.media_sha256 or "",
            )
            for w in s.scalars(select(ProcessingWarning))
        )
    return {"sources": sources, "media": media, "items": items, "warnings": warnings}
