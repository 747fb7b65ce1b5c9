"""Zip archives, walked through their central directory; members read, never extracted.

Members come in central-directory order. ``archive_link`` (symlinks), ``special_file``
(devices, FIFOs), ``encrypted`` and ``unsupported_compression`` members are skipped with a
warning; a damaged member is an ``archive_corrupt`` warning and the walk goes on. A zip whose
central directory cannot be read (truncated) is recovered from its local headers
(``zip_recovery``). Registers the ``zip`` container format and the ``zip`` source reader.
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Iterator
from typing import IO, ClassVar

from lodestar.evidence.base import EntryWarning, EvidenceItem, container_formats, source_readers
from lodestar.evidence.containers import ContainerFileReader, MemberMeta, emit_member
from lodestar.evidence.guards import CORRUPT_ERRORS, Refused, StopArchive, WalkContext, size_refusal
from lodestar.evidence.names import member_prefix, member_spec, note_warnings
from lodestar.evidence.spool import read_payload
from lodestar.evidence.zip_fields import ZIP_MAGICS, zip_times
from lodestar.evidence.zip_recovery import walk_local_headers

_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


class ZipFormat:
    name: ClassVar[str] = "zip"
    sniff_order: ClassVar[int] = 10  # a zip signature is checked before a tar header

    def may_be(self, head: bytes) -> bool:
        return head.startswith(ZIP_MAGICS)

    def sniff(self, fh: IO[bytes], head: bytes) -> bool:
        return head.startswith(ZIP_MAGICS)

    def walk(
        self, fh: IO[bytes], container: str, depth: int, ctx: WalkContext
    ) -> Iterator[EvidenceItem]:
        try:
            zf = zipfile.ZipFile(fh)
        except CORRUPT_ERRORS as exc:
            yield EntryWarning(
                container,
                "archive_corrupt",
                f"zip central directory unreadable ({exc}); members recovered from local headers",
            )
            yield from walk_local_headers(fh, container, depth, ctx)
            return
        prefix = member_prefix(container)
        used: set[str] = set()
        with zf:
            for info in zf.infolist():
                try:
                    yield from _member(zf, info, prefix, used, depth, ctx)
                except StopArchive as stop:
                    yield EntryWarning(container, stop.code, stop.reason)
                    return
                if ctx.budget.exhausted:
                    return


def _raw_name(orig: str, flag_bits: int) -> str | bytes:
    if flag_bits & 0x800:
        return orig
    try:  # zipfile decoded it as cp437; get the stored bytes back (UTF-8 in practice)
        return orig.encode("cp437")
    except UnicodeEncodeError:
        return orig


def _mode_refusal(info: zipfile.ZipInfo) -> tuple[str, str] | None | bool:
    """(code, reason) for a non-regular member, True for a directory, None for a file."""
    mode = (info.external_attr >> 16) & 0xFFFF if info.create_system == 3 else 0
    if not mode or stat.S_IFMT(mode) == 0 or stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return True
    if stat.S_ISLNK(mode):
        return "archive_link", "zip member is a symbolic link; not followed"
    return "special_file", f"zip member is a special file (mode {oct(mode)}); skipped"


def _member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    prefix: str,
    used: set[str],
    depth: int,
    ctx: WalkContext,
) -> Iterator[EvidenceItem]:
    if info.orig_filename.endswith("/"):
        return
    spec, notes = member_spec(prefix, _raw_name(info.orig_filename, info.flag_bits), used)
    refusal = _mode_refusal(info)
    if refusal is True:
        return
    if isinstance(refusal, tuple):
        yield EntryWarning(spec, *refusal)
        return
    if info.flag_bits & 0x1:
        yield EntryWarning(spec, "encrypted", "zip member is encrypted; not read")
        return
    if info.compress_type not in _ZIP_METHODS:
        yield EntryWarning(
            spec,
            "unsupported_compression",
            f"zip compression method {info.compress_type} is not supported; not read",
        )
        return
    too_big = size_refusal(info.file_size, info.compress_size, ctx.settings)
    if too_big:
        yield EntryWarning(spec, "archive_bomb", f"member {too_big}; refused")
        return
    compressed = info.compress_type != zipfile.ZIP_STORED
    if compressed:
        ctx.budget.check(info.file_size)
    skipped = ctx.skipped(spec)
    try:
        with zf.open(info) as stream:
            payload = read_payload(
                stream, info.file_size, ctx, count_expansion=compressed, probe_only=skipped
            )
    except StopArchive:
        raise
    except Refused as refused:
        yield EntryWarning(spec, refused.code, f"zip member {spec!r}: {refused.reason}")
        return
    except CORRUPT_ERRORS as exc:
        yield EntryWarning(spec, "archive_corrupt", f"zip member {spec!r} is damaged: {exc}")
        return
    if payload is None:
        return
    mtime, atime = zip_times(info.extra, info.date_time)
    meta = MemberMeta(spec, mtime, atime, None, note_warnings(spec, notes))
    yield from emit_member(payload, meta, depth, ctx, skipped)


class ZipReader(ContainerFileReader):
    """A bare zip file as a source."""

    name: ClassVar[str] = "zip"
    description: ClassVar[str] = "a zip archive"
    container: ClassVar[str] = "zip"


container_formats.register(ZipFormat())
source_readers.register(ZipReader())
