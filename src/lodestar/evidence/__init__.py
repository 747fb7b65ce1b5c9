"""Evidence sources: read-only readers for folders and archives (zip, tar, tar.gz/bz2/xz).

Importing this package registers the built-in readers in ``source_readers``:
``folder`` (a directory), ``zip`` and ``tar`` (a bare archive file, recognised by signature).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lodestar.config import Settings
from lodestar.errors import UserError
from lodestar.evidence.archive import (
    SPOOL_THRESHOLD,
    TarReader,
    ZipReader,
    expansion_limit,
    sanitize_member_name,
    walk_archive,
)
from lodestar.evidence.base import (
    ARCHIVE_SEP,
    EntryWarning,
    EvidenceEntry,
    EvidenceItem,
    SkipFn,
    SourceReader,
    source_readers,
    spec_name,
)
from lodestar.evidence.folder import FolderReader
from lodestar.evidence.sniff import ArchiveKind, sniff_archive, sniff_path

__all__ = [
    "ARCHIVE_SEP",
    "SPOOL_THRESHOLD",
    "ArchiveKind",
    "EntryWarning",
    "EvidenceEntry",
    "EvidenceItem",
    "FolderReader",
    "SkipFn",
    "SourceReader",
    "TarReader",
    "ZipReader",
    "expansion_limit",
    "iter_entries",
    "reader_for",
    "sanitize_member_name",
    "sniff_archive",
    "sniff_path",
    "source_readers",
    "spec_name",
    "walk_archive",
]

_SUPPORTED = "a folder, or a zip, tar, tar.gz, tar.bz2 or tar.xz archive"


def reader_for(location: Path) -> SourceReader:
    """The registered reader that accepts ``location``; UserError naming the path otherwise."""
    location = Path(location)
    if not location.exists():
        raise UserError(
            f"evidence source {location} does not exist", detail={"path": str(location)}
        )
    if location.is_file():
        try:
            sniff_path(location)
        except OSError as exc:
            raise UserError(
                f"cannot read evidence source {location}: {exc.strerror or exc}",
                detail={"path": str(location)},
            ) from exc
    for reader in source_readers:
        if reader.accepts(location):
            return reader
    raise UserError(
        f"evidence source {location} is not a supported source ({_SUPPORTED}; archives are "
        "recognised by their content, not their extension)",
        detail={"path": str(location)},
    )


def iter_entries(
    location: Path,
    settings: Settings,
    *,
    skip: SkipFn | None = None,
    spool_dir: Path | None = None,
) -> Iterator[EvidenceItem]:
    """Entries and warnings of the source at ``location``, in a deterministic order."""
    reader = reader_for(location)
    return reader.entries(Path(location), settings, skip=skip, spool_dir=spool_dir)
