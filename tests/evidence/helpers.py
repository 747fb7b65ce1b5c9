"""Shared helpers for the evidence reader tests."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

from lodestar.config import Settings
from lodestar.evidence import EntryWarning, EvidenceEntry, iter_entries
from lodestar.evidence.base import SkipFn

CFG = Settings(workers=1)
MTIME = 1_600_000_000


def walk(
    location: Path,
    settings: Settings = CFG,
    skip: SkipFn | None = None,
    spool_dir: Path | None = None,
) -> tuple[list[EvidenceEntry], list[EntryWarning]]:
    """Every entry and every warning a walk of ``location`` yields."""
    items = list(iter_entries(location, settings, skip=skip, spool_dir=spool_dir))
    entries = [i for i in items if isinstance(i, EvidenceEntry)]
    warnings = [i for i in items if isinstance(i, EntryWarning)]
    return entries, warnings


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``members`` with fixed member times."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2021, 3, 4, 5, 6, 8))
            info.compress_type = method
            zf.writestr(info, data)
    return buf.getvalue()


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    """A tar (``mode`` "w", "w:gz", "w:bz2", "w:xz") of ``members``, member mtime MTIME."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = MTIME
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()
