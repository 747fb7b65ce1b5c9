"""Forensic disk images (E01/Ex01, raw/dd, split raw, VMDK, VHD/VHDX, QCOW2) through dfVFS.

Recognised by signature (``disk_sniff``), never by name. dfVFS's volume scanner finds the
volume systems (MBR, GPT, APM, LVM, APFS containers; snapshots are not walked) and the file
systems in them (NTFS, FAT, exFAT, ext2/3/4, HFS+, APFS, ISO 9660, XFS); every regular file
is read through dfVFS, strictly read-only (``dfvfs_io``), and goes through the shared member
walk, so archives found inside continue with ``!/``. Specs: ``image!/p2/Users/x/a.jpg`` —
the volume components (``p1``, ``p2``, ``lvm1``, ``apfs1``) then the file's path; a bare file
system has no volume component. ``image_corrupt``: an image, volume or file system dfVFS
cannot read; ``file_unreadable``: a file whose data cannot be read; the walk goes on.

An image nested in an archive is copied to the spool folder first (dfVFS opens paths).
Integrity of E01 images is checked by ``ewf_integrity`` (the reader, before the walk).

Deleted files and unallocated space are not walked (issue 13 part 2). dfVFS, pytsk3 and the
libyal parsers read untrusted bytes in this process: sandboxing them in worker processes with
resource limits is issue 13 part 4, not done here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, ClassVar

from dfvfs.helpers import volume_scanner
from dfvfs.lib import definitions
from dfvfs.lib import errors as dfvfs_errors
from dfvfs.resolver import context as dfvfs_context
from dfvfs.resolver import resolver

from lodestar.config import Settings
from lodestar.evidence import dfvfs_io
from lodestar.evidence.base import (
    EntryWarning,
    EvidenceItem,
    SkipFn,
    container_formats,
    escape_separator,
    source_readers,
)
from lodestar.evidence.containers import MemberMeta, emit_member
from lodestar.evidence.disk_sniff import DEEP_SNIFF_BYTES, declared_size, may_be_image, sniff_image
from lodestar.evidence.ewf_integrity import integrity_warnings
from lodestar.evidence.guards import (
    CORRUPT_ERRORS,
    Budget,
    Refused,
    StopArchive,
    WalkContext,
    expansion_limit,
    size_refusal,
)
from lodestar.evidence.names import member_prefix, member_spec, note_warnings
from lodestar.evidence.sniff import open_regular_file, sniff_container
from lodestar.evidence.spool import read_payload

dfvfs_io.install()

# What dfVFS and the parsers under it raise on damaged input.
DFVFS_ERRORS: tuple[type[BaseException], ...] = (dfvfs_errors.Error, *CORRUPT_ERRORS)
# Volume path-spec types whose location names a volume ("/p1", "/lvm1", "/apfs1").
_VOLUME_TYPES = {
    definitions.TYPE_INDICATOR_TSK_PARTITION,
    definitions.TYPE_INDICATOR_GPT,
    definitions.TYPE_INDICATOR_APM,
    definitions.TYPE_INDICATOR_LVM,
    definitions.TYPE_INDICATOR_APFS_CONTAINER,
    definitions.TYPE_INDICATOR_CS,
}
MAX_DIR_DEPTH = 512  # deeper directory chains are a loop or hostile; reported, not followed


class DiskImageFormat:
    name: ClassVar[str] = "disk-image"
    # After zip (10) and tar (20): a raw image is recognised by weaker signatures (a boot
    # sector, a zeroed boot area) that an archive's bytes never show first.
    sniff_order: ClassVar[int] = 90

    def may_be(self, head: bytes) -> bool:
        return may_be_image(head)

    def sniff(self, fh: IO[bytes], head: bytes) -> bool:
        return sniff_image(fh, head) is not None

    def walk(
        self, fh: IO[bytes], container: str, depth: int, ctx: WalkContext
    ) -> Iterator[EvidenceItem]:
        try:
            with _on_disk(fh, ctx.spool_dir) as path:
                yield from walk_image(path, container, depth, ctx)
        except OSError as exc:
            yield EntryWarning(container, "image_corrupt", f"disk image unreadable: {exc}")


@contextlib.contextmanager
def _on_disk(fh: IO[bytes], spool_dir: Path | None) -> Iterator[str]:
    """A path holding ``fh``'s bytes: its own file when it has one, else a spool copy."""
    name = getattr(fh, "name", None)
    if isinstance(name, str) and os.path.isfile(name):
        yield name  # a spool file of the member walk: already a private copy
        return
    if spool_dir is not None:
        spool_dir.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix="lodestar-image-", dir=spool_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            fh.seek(0)
            shutil.copyfileobj(fh, out, 1 << 20)
        yield path
    finally:
        fh.seek(0)
        with contextlib.suppress(OSError):
            os.unlink(path)


def _volume_prefix(path_spec: Any) -> str:
    """``p2/`` (or ``p1/apfs1/``) for a file system inside volumes; "" for a bare one."""
    parts: list[str] = []
    node = path_spec
    while node is not None:
        location = getattr(node, "location", None)
        if node.type_indicator in _VOLUME_TYPES and location and location != "/":
            parts.append(escape_separator(location.strip("/")))
        node = node.parent if node.HasParent() else None
    return "".join(f"{p}/" for p in reversed(parts))


def _base_path_specs(path: str) -> list[Any]:
    options = volume_scanner.VolumeScannerOptions()
    options.partitions = ["all"]
    options.volumes = ["all"]
    options.snapshots = ["none"]
    # A fresh scanner (and so a fresh resolver cache) per image: spool paths are reused.
    found = volume_scanner.VolumeScanner().GetBasePathSpecs(path, options)
    # Where no file system is recognised dfVFS hands back the image file itself (type OS).
    return [
        ps
        for ps in found
        if ps.type_indicator in definitions.FILE_SYSTEM_TYPE_INDICATORS
        and ps.type_indicator != definitions.TYPE_INDICATOR_FAKE
    ]


def walk_image(path: str, container: str, depth: int, ctx: WalkContext) -> Iterator[EvidenceItem]:
    """Every regular file of every file system in the image at ``path``."""
    try:
        bases = _base_path_specs(path)
    except DFVFS_ERRORS as exc:
        yield EntryWarning(container, "image_corrupt", f"no readable volume or file system: {exc}")
        return
    if not bases:
        yield EntryWarning(container, "image_corrupt", "no file system found in the disk image")
        return
    yield from _truncation(path, container)
    prefix = member_prefix(container)
    used: set[str] = set()
    resolver_context = dfvfs_context.Context()
    for base in bases:
        volume = _volume_prefix(base)
        where = (prefix + volume).rstrip("/") if volume else container
        try:
            fs = resolver.Resolver.OpenFileSystem(base, resolver_context=resolver_context)
            root = fs.GetFileEntryByPathSpec(base) or fs.GetRootFileEntry()
        except DFVFS_ERRORS as exc:
            yield EntryWarning(where, "image_corrupt", f"file system unreadable: {exc}")
            continue
        if root is None:
            yield EntryWarning(where, "image_corrupt", "file system has no root")
            continue
        try:
            yield from _walk_dir(root, prefix + volume, [], used, depth, ctx, set())
        except StopArchive as stop:
            yield EntryWarning(container, stop.code, stop.reason)
            return


def _truncation(path: str, container: str) -> Iterator[EntryWarning]:
    with open_regular_file(Path(path)) as fh:
        deep = fh.read(DEEP_SNIFF_BYTES)
        if sniff_image(fh, deep[:512]) != "raw":
            return
        size = os.fstat(fh.fileno()).st_size
    want = declared_size(deep)
    if want is not None and size < want:
        yield EntryWarning(
            container,
            "image_truncated",
            f"raw image holds {size} of the {want} bytes its partition table or file system "
            "spans (truncated?); files past its end are lost",
        )


def _entry_key(entry: Any) -> object:
    ps = entry.path_spec
    for attr in ("inode", "mft_entry", "identifier"):
        value = getattr(ps, attr, None)
        if value is not None:
            return (attr, value)
    return ("location", getattr(ps, "location", None))


def _walk_dir(
    directory: Any,
    prefix: str,
    names: list[str],
    used: set[str],
    depth: int,
    ctx: WalkContext,
    seen: set[object],
) -> Iterator[EvidenceItem]:
    here = prefix + "/".join(escape_separator(n) for n in names)
    if len(names) > MAX_DIR_DEPTH or _entry_key(directory) in seen:
        yield EntryWarning(here, "image_corrupt", "directory loop or too deep; not followed")
        return
    seen.add(_entry_key(directory))
    try:
        subs = sorted(directory.sub_file_entries, key=lambda e: e.name or "")
    except DFVFS_ERRORS as exc:
        yield EntryWarning(
            here or prefix.rstrip("/"), "image_corrupt", f"directory unreadable: {exc}"
        )
        return
    for sub in subs:
        name = sub.name or "_"
        if sub.IsDirectory():
            if name in (".", ".."):
                continue
            yield from _walk_dir(sub, prefix, [*names, name], used, depth, ctx, seen)
        elif sub.IsFile():
            yield from _file(sub, prefix, "/".join([*names, name]), used, depth, ctx)
        if ctx.budget.exhausted:
            return


def _time(entry: Any, attr: str) -> float | None:
    try:
        value = getattr(entry, attr, None)
        return None if value is None else value.GetPlasoTimestamp() / 1e6
    except (AttributeError, TypeError, ValueError, OverflowError):
        return None


def _file(
    entry: Any, prefix: str, rel: str, used: set[str], depth: int, ctx: WalkContext
) -> Iterator[EvidenceItem]:
    spec, notes = member_spec(prefix, rel, used)
    try:
        size = int(entry.size)
    except DFVFS_ERRORS as exc:
        yield EntryWarning(spec, "file_unreadable", f"file size unreadable: {exc}")
        return
    too_big = size_refusal(size, None, ctx.settings)
    if too_big:
        yield EntryWarning(spec, "too_large", f"file {too_big}; refused")
        return
    skipped = ctx.skipped(spec)
    try:
        stream = entry.GetFileObject()
        if stream is None:
            return
        payload = read_payload(stream, size, ctx, count_expansion=False, probe_only=skipped)
    except Refused as refused:
        yield EntryWarning(spec, "file_unreadable", f"file {spec!r}: {refused.reason}")
        return
    except DFVFS_ERRORS as exc:
        yield EntryWarning(spec, "file_unreadable", f"file {spec!r} unreadable: {exc}")
        return
    if payload is None:
        return
    meta = MemberMeta(
        spec,
        _time(entry, "modification_time"),
        _time(entry, "access_time"),
        _time(entry, "change_time"),
        note_warnings(spec, notes),
    )
    yield from emit_member(payload, meta, depth, ctx, skipped)


class DiskImageReader:
    """A disk image file as a source (its other segments or parts found next to it)."""

    name: ClassVar[str] = "disk-image"
    description: ClassVar[str] = "a disk image (E01/Ex01, raw/dd, split raw, VMDK, VHD/VHDX, QCOW2)"

    @classmethod
    def accepts(cls, location: Path) -> bool:
        try:
            if not location.is_file():
                return False
            with open_regular_file(location) as fh:
                fmt = sniff_container(fh)
        except OSError:
            return False
        return fmt is not None and fmt.name == DiskImageFormat.name

    def entries(
        self,
        location: Path,
        settings: Settings,
        *,
        skip: SkipFn | None = None,
        spool_dir: Path | None = None,
    ) -> Iterator[EvidenceItem]:
        try:
            with open_regular_file(location) as fh:
                fmt = sniff_container(fh)
                size = os.fstat(fh.fileno()).st_size
                kind = sniff_image(fh, fh.read(512)) if fmt is not None else None
        except OSError as exc:
            yield EntryWarning("", "unreadable", f"cannot read {location}: {exc}")
            return
        if fmt is None or fmt.name != DiskImageFormat.name:
            yield EntryWarning("", "image_corrupt", f"{location} is not a disk image")
            return
        real = os.path.realpath(location)
        if kind == "ewf":
            yield from integrity_warnings(real)
        ctx = WalkContext(settings, skip, spool_dir, Budget(expansion_limit(settings, size)))
        yield from walk_image(real, "", 1, ctx)


container_formats.register(DiskImageFormat())
source_readers.register(DiskImageReader())
