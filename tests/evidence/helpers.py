"""Shared helpers for the evidence reader tests."""

from __future__ import annotations

from pathlib import Path

from lodestar.config import Settings
from lodestar.evidence import EntryWarning, EvidenceEntry, iter_entries
from lodestar.evidence.base import SkipFn

CFG = Settings(workers=1)


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
