"""The shared container walk: members of any registered format, and containers inside them.

A member's bytes are read by its format (into memory or a spool file), yielded as an entry,
then sniffed: when they are themselves a container, whatever its format, its members are
walked one level deeper. ``archive_too_deep``: a container nested deeper than
``settings.max_archive_depth`` is reported, not walked. The expansion budget is shared by every
level of one top-level container.

``skip(spec)`` (resume): a skipped member is not yielded, and only its first bytes are read to
see whether it is itself a container, whose members are then walked (they may not be done
yet). Warnings are always reported, skipped or not; consumers record them idempotently.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, ClassVar

from lodestar.config import Settings
from lodestar.evidence.base import (
    ContainerFormat,
    EntryWarning,
    EvidenceEntry,
    EvidenceItem,
    SkipFn,
)
from lodestar.evidence.guards import Budget, WalkContext, expansion_limit
from lodestar.evidence.sniff import open_regular_file, sniff_container, sniff_path
from lodestar.evidence.spool import Payload


@dataclass(frozen=True)
class MemberMeta:
    """What a format knows of a member besides its bytes."""

    spec: str
    mtime: float | None
    atime: float | None
    ctime: float | None
    warnings: tuple[EntryWarning, ...]


def walk_container(
    fh: IO[bytes],
    fmt: ContainerFormat,
    container_spec: str,
    settings: Settings,
    *,
    archive_size: int,
    skip: SkipFn | None = None,
    spool_dir: Path | None = None,
) -> Iterator[EvidenceItem]:
    """Walk the members of the top-level container open in ``fh`` (seekable, read-only).

    ``container_spec`` is the container's own spec ("" for a bare container source); members
    are at depth 1. ``archive_size`` (bytes on disk) sets the total expansion budget.
    """
    ctx = WalkContext(settings, skip, spool_dir, Budget(expansion_limit(settings, archive_size)))
    yield from enter(fh, fmt, container_spec, 1, ctx)


def enter(
    fh: IO[bytes], fmt: ContainerFormat, container: str, depth: int, ctx: WalkContext
) -> Iterator[EvidenceItem]:
    """The members of one container at ``depth``, unless it is nested too deep."""
    if depth > ctx.settings.max_archive_depth:
        yield EntryWarning(
            container,
            "archive_too_deep",
            f"archive nested deeper than max_archive_depth ({ctx.settings.max_archive_depth}); "
            "its members are not walked",
        )
        return
    yield from fmt.walk(fh, container, depth, ctx)


def emit_member(
    payload: Payload, meta: MemberMeta, depth: int, ctx: WalkContext, skipped: bool
) -> Iterator[EvidenceItem]:
    """Yield a member's entry (unless skipped), then walk it if it is itself a container."""
    if payload.spool is None:
        data = payload.data if payload.data is not None else b""
        buf = io.BytesIO(data)
        fmt = sniff_container(buf)
        if not skipped:
            yield EvidenceEntry(
                path_spec=meta.spec,
                size=len(data),
                mtime=meta.mtime,
                atime=meta.atime,
                ctime=meta.ctime,
                data=data,
                in_archive=True,
                warnings=meta.warnings,
            )
        if fmt is not None:
            yield from enter(buf, fmt, meta.spec, depth + 1, ctx)
        return
    spool = payload.spool
    path = spool.name
    try:
        fmt = sniff_container(spool)
        if fmt is None:
            spool.close()
        if not skipped:
            yield EvidenceEntry(
                path_spec=meta.spec,
                size=payload.size,
                mtime=meta.mtime,
                atime=meta.atime,
                ctime=meta.ctime,
                local_path=path,
                spooled=True,
                in_archive=True,
                warnings=meta.warnings,
            )
        # The open handle keeps the bytes readable even if the consumer already deleted them.
        if fmt is not None:
            yield from enter(spool, fmt, meta.spec, depth + 1, ctx)
    finally:
        spool.close()
        if skipped:
            with contextlib.suppress(OSError):
                os.unlink(path)


class ContainerFileReader:
    """A bare container file as a source; member specs are relative to the container root.

    A format's module subclasses it once, naming the reader and the format it reads.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    container: ClassVar[str]  # the ``container_formats`` name this reader accepts

    @classmethod
    def accepts(cls, location: Path) -> bool:
        try:
            if not location.is_file():
                return False
            fmt = sniff_path(location)
        except OSError:
            return False
        return fmt is not None and fmt.name == cls.container

    def entries(
        self,
        location: Path,
        settings: Settings,
        *,
        skip: SkipFn | None = None,
        spool_dir: Path | None = None,
    ) -> Iterator[EvidenceItem]:
        try:
            fh = open_regular_file(location)
        except OSError as exc:
            yield EntryWarning("", "unreadable", f"cannot open {location}: {exc}")
            return
        with fh:
            try:
                fmt = sniff_container(fh)
                size = os.fstat(fh.fileno()).st_size
            except OSError as exc:
                yield EntryWarning("", "unreadable", f"cannot read {location}: {exc}")
                return
            if fmt is None or fmt.name != self.container:
                yield EntryWarning(
                    "", "archive_corrupt", f"{location} is not a {self.name} archive"
                )
                return
            yield from walk_container(
                fh, fmt, "", settings, archive_size=size, skip=skip, spool_dir=spool_dir
            )
