"""Readable copies of media content for the later stages (vPDQ, local features, the deep pass).

The fast pass reads each file once, where its bytes are. Later stages need the bytes of a few
media again: a file in a folder source is opened where it lies (read-only); an archive member is
re-extracted by walking its archive once for all wanted members, spooled to a temporary file in
the workspace, checked against its SHA-256 and deleted as soon as the consumer moves on.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.config import Settings
from lodestar.evidence.base import ARCHIVE_SEP, EvidenceEntry
from lodestar.evidence.containers import walk_container
from lodestar.evidence.sniff import open_readonly, sniff_container
from lodestar.store import Item, Media, Source


@dataclass(frozen=True)
class MediaCopy:
    """A readable file holding exactly the bytes of media ``sha256``."""

    sha256: str
    path: Path
    source_id: int
    path_spec: str
    temporary: bool  # a spooled archive member, deleted when the consumer moves on


@dataclass(frozen=True)
class Unavailable:
    sha256: str
    code: str  # content_missing | content_changed
    reason: str


@dataclass(frozen=True)
class _Occurrence:
    source_id: int
    kind: str
    location: str
    spec: str


def materialize(
    session: Session,
    shas: Iterable[str],
    *,
    settings: Settings,
    spool_dir: Path,
    keep_temporary: bool = False,
) -> Iterator[MediaCopy | Unavailable]:
    """One :class:`MediaCopy` (or :class:`Unavailable`) per media, folder copies first.

    A temporary copy lives until the next item is requested (or the generator is closed) —
    unless ``keep_temporary``: then the consumer owns it and deletes it when done (a worker
    pool still reading it).
    """
    wanted = list(dict.fromkeys(shas))
    sizes = dict(
        session.execute(select(Media.sha256, Media.size).where(Media.sha256.in_(wanted))).all()
    )
    occurrences = _occurrences(session, wanted)
    pending: dict[tuple[int, str], dict[str, str]] = {}  # (source, container) → spec → sha
    for sha in wanted:
        copy = _folder_copy(sha, occurrences.get(sha, []), sizes.get(sha))
        if copy is not None:
            yield copy
            continue
        members = [o for o in occurrences.get(sha, []) if _container(o) is not None]
        if not members:
            yield Unavailable(sha, "content_missing", "no readable copy in any source")
            continue
        first = members[0]
        pending.setdefault((first.source_id, _container(first) or ""), {})[first.spec] = sha
    for (source_id, container), specs in sorted(pending.items()):
        location = next(
            o.location
            for sha in specs.values()
            for o in occurrences[sha]
            if o.source_id == source_id
        )
        yield from _archive_copies(
            source_id, location, container, specs, settings, spool_dir, keep_temporary
        )


def _occurrences(session: Session, shas: list[str]) -> dict[str, list[_Occurrence]]:
    found: dict[str, list[_Occurrence]] = {}
    for start in range(0, len(shas), 500):
        rows = session.execute(
            select(Item.media_sha256, Item.source_id, Source.kind, Source.location, Item.path_spec)
            .join(Source, Source.id == Item.source_id)
            .where(Item.media_sha256.in_(shas[start : start + 500]))
            .order_by(Item.id)
        )
        for sha, source_id, kind, location, spec in rows:
            if sha is None:
                continue
            found.setdefault(sha, []).append(_Occurrence(source_id, kind, location, spec))
    return found


def _folder_copy(sha: str, occurrences: list[_Occurrence], size: int | None) -> MediaCopy | None:
    for occ in occurrences:
        # Names that were not UTF-8 are stored escaped (\\xNN) and cannot be opened by spec.
        if occ.kind != "folder" or ARCHIVE_SEP in occ.spec or "\\x" in occ.spec:
            continue
        path = Path(occ.location) / occ.spec
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink() and path.stat().st_size == size:
                return MediaCopy(sha, path, occ.source_id, occ.spec, temporary=False)
    return None


def _container(occ: _Occurrence) -> str | None:
    """The top-level archive holding an occurrence: a file spec in a folder, "" for an archive
    source itself; None when the occurrence is a plain folder file."""
    if occ.kind == "folder":
        return occ.spec.split(ARCHIVE_SEP, 1)[0] if ARCHIVE_SEP in occ.spec else None
    return ""


def _archive_copies(
    source_id: int,
    location: str,
    container: str,
    specs: dict[str, str],
    settings: Settings,
    spool_dir: Path,
    keep: bool,
) -> Iterator[MediaCopy | Unavailable]:
    path = Path(location) / container if container else Path(location)
    delivered: set[str] = set()
    try:
        fd = open_readonly(str(path))
    except OSError as exc:
        for sha in specs.values():
            yield Unavailable(sha, "content_missing", f"cannot open {path}: {exc.strerror}")
        return
    with os.fdopen(fd, "rb") as fh:
        fmt = sniff_container(fh)
        size = os.fstat(fh.fileno()).st_size
        entries = (
            walk_container(
                fh,
                fmt,
                container,
                settings,
                archive_size=size,
                skip=lambda spec: spec not in specs,
                spool_dir=spool_dir,
            )
            if fmt is not None
            else iter(())
        )
        for entry in entries:
            if not isinstance(entry, EvidenceEntry) or entry.path_spec not in specs:
                continue
            sha = specs[entry.path_spec]
            delivered.add(sha)
            yield from _spooled(entry, sha, source_id, spool_dir, keep)
    for sha in specs.values():
        if sha not in delivered:
            yield Unavailable(sha, "content_missing", f"member no longer found in {path}")


def _spooled(
    entry: EvidenceEntry, sha: str, source_id: int, spool_dir: Path, keep: bool
) -> Iterator[MediaCopy | Unavailable]:
    if entry.local_path is not None:
        tmp = Path(entry.local_path)
    else:
        spool_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=spool_dir, prefix="member-")
        with os.fdopen(fd, "wb") as out:
            out.write(entry.data or b"")
        tmp = Path(name)
    handed_over = False
    try:
        if _sha256(tmp) != sha:
            reason = f"{entry.path_spec} no longer has these bytes"
            yield Unavailable(sha, "content_changed", reason)
        else:
            handed_over = keep
            yield MediaCopy(sha, tmp, source_id, entry.path_spec, temporary=True)
    finally:
        if not handed_over:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
