"""Evidence sources: read-only readers for folders and containers (zip, tar, tar.gz/bz2/xz).

Source readers (``source_readers``) and container formats (``container_formats``) are
registries: their built-in plug-ins are imported on first lookup, others come through
``lodestar.plugins`` entry points. Built in: the ``folder`` reader (a directory), and the
``zip`` and ``tar`` formats, each also a reader of a bare archive file (by signature).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lodestar.config import Settings
from lodestar.errors import UserError
from lodestar.evidence.base import (
    ARCHIVE_SEP,
    ContainerFormat,
    EntryWarning,
    EvidenceEntry,
    EvidenceItem,
    SkipFn,
    SourceReader,
    container_formats,
    source_readers,
    spec_name,
)
from lodestar.evidence.containers import walk_container
from lodestar.evidence.folder import FolderReader
from lodestar.evidence.guards import expansion_limit
from lodestar.evidence.names import sanitize_member_name
from lodestar.evidence.pseudofs import refuse_pseudo
from lodestar.evidence.sniff import sniff_container, sniff_path
from lodestar.evidence.spool import SPOOL_THRESHOLD
from lodestar.evidence.tar import TarReader
from lodestar.evidence.zip import ZipReader

__all__ = [
    "ARCHIVE_SEP",
    "SPOOL_THRESHOLD",
    "ContainerFormat",
    "EntryWarning",
    "EvidenceEntry",
    "EvidenceItem",
    "FolderReader",
    "SkipFn",
    "SourceReader",
    "TarReader",
    "ZipReader",
    "container_formats",
    "expansion_limit",
    "iter_entries",
    "reader_for",
    "sanitize_member_name",
    "sniff_container",
    "sniff_path",
    "source_readers",
    "spec_name",
    "supported_sources",
    "walk_container",
]


def supported_sources() -> str:
    """What can be added as a source, for a person: every registered reader's description."""
    described = [reader.description for reader in source_readers]
    if len(described) < 2:
        return "".join(described)
    return ", ".join(described[:-1]) + " or " + described[-1]


def reader_for(location: Path) -> SourceReader:
    """The registered reader that accepts ``location``; UserError naming the path otherwise."""
    location = Path(location)
    if not location.exists():
        raise UserError(
            f"evidence source {location} does not exist", detail={"path": str(location)}
        )
    # before anything is read: a /proc "file" can block, never end, or be the machine's secrets
    refuse_pseudo(location)
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
        f"evidence source {location} is not a supported source ({supported_sources()}; "
        "archives are recognised by their content, not their extension)",
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
