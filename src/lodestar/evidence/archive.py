"""Zip and tar (plain, gzip, bzip2, xz) readers: members in memory or spooled, never extracted.

Nothing is ever written next to the evidence: a member's name is only ever turned into a path
spec. Small members (``<= SPOOL_THRESHOLD``) come back as ``data``; larger ones are copied into
a ``NamedTemporaryFile`` in ``spool_dir`` (``spooled=True``; the consumer deletes it).

Path specs of members are ``<container>!/<member>``; a bare archive source has no container,
so its members' specs are just ``<member>`` (relative to the archive root).

Guards, each reported as an ``EntryWarning`` while the walk goes on:

* ``path_traversal``: absolute names, drive letters, ``..`` components (also ``\\``-separated).
  The member is still read, under a sanitised spec; the warning is in ``entry.warnings``.
* ``archive_bomb``: a member declaring more than ``settings.max_member_bytes``, or more than
  ``RATIO_MIN_BYTES`` at a ratio above ``settings.max_expansion_ratio``, is refused; reads are
  bounded to the declared size + 1 byte. In a compressed tar the ratio is measured while the
  stream is decompressed; a member that trips it stops that archive (reaching later members
  would mean expanding it). Every top-level archive (with everything nested in it) also has a
  total budget of decompressed bytes, ``expansion_limit``: ``max_expansion_ratio`` × the
  archive's size, at least ``TOTAL_EXPANSION_FLOOR``, at most ``TOTAL_EXPANSION_FACTOR`` ×
  ``max_member_bytes``. Exhausting it stops the walk of that archive.
* ``archive_link`` (symlinks, hard links), ``special_file`` (devices, FIFOs), ``encrypted``,
  ``unsupported_compression``: skipped.
* ``archive_corrupt``: a damaged archive or member; members read before the damage are kept.
  A zip whose central directory is missing (truncated) is recovered from its local headers.
* ``archive_too_deep``: an archive nested deeper than ``settings.max_archive_depth``.
* ``duplicate_name``: a second member with the same spec gets the spec ``name#2`` (``#3``, …).
* ``filename_encoding``: name bytes that are not UTF-8 (escaped with ``spec_name``).

``skip(spec)`` (resume): a skipped member is not yielded, and only its first bytes are read to
see whether it is itself an archive, whose members are then walked (they may not be done yet).
Warnings are always reported, skipped or not; consumers should record them idempotently.
"""

from __future__ import annotations

import bz2
import calendar
import contextlib
import io
import lzma
import os
import re
import stat
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, ClassVar, cast

from lodestar.config import Settings
from lodestar.evidence.base import (
    ARCHIVE_SEP,
    EntryWarning,
    EvidenceEntry,
    EvidenceItem,
    SkipFn,
    source_readers,
    spec_name,
)
from lodestar.evidence.sniff import (
    SNIFF_BYTES,
    TAR_BLOCK,
    ArchiveKind,
    head_may_be_archive,
    open_regular_file,
    sniff_archive,
    sniff_path,
)

MiB = 1024 * 1024
SPOOL_THRESHOLD = 64 * MiB  # members larger than this are spooled to a temporary file
RATIO_MIN_BYTES = 16 * MiB  # the expansion-ratio guard applies above this size
TOTAL_EXPANSION_FACTOR = 64  # total budget per top-level archive: at most 64 × max_member_bytes
TOTAL_EXPANSION_FLOOR = 1024 * MiB  # … and at least 1 GiB, whatever the archive's size
READ_CHUNK = 1 * MiB

# What a damaged archive or member raises while being read.
CORRUPT_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    RuntimeError,
    NotImplementedError,
)


class _Refused(Exception):
    """One member refused (bomb, damage); the caller decides whether the walk can go on."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _StopArchive(_Refused):
    """The rest of this archive cannot be walked safely (budget spent, stream bomb)."""


def expansion_limit(settings: Settings, archive_size: int) -> int:
    """Total decompressed bytes allowed from one top-level archive and its nested archives."""
    by_ratio = int(settings.max_expansion_ratio * max(archive_size, 0))
    return min(
        TOTAL_EXPANSION_FACTOR * settings.max_member_bytes,
        max(TOTAL_EXPANSION_FLOOR, by_ratio),
    )


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.exhausted = False

    def _stop(self) -> _StopArchive:
        self.exhausted = True
        return _StopArchive(
            "archive_bomb",
            f"more than {self.limit} bytes would be expanded from one archive (total expansion "
            "limit); the rest of this archive and of the archives containing it is not walked",
        )

    def check(self, n: int) -> None:
        if self.used + n > self.limit:
            raise self._stop()

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise self._stop()


@dataclass
class _Ctx:
    settings: Settings
    skip: SkipFn | None
    spool_dir: Path | None
    budget: _Budget

    def skipped(self, spec: str) -> bool:
        return self.skip is not None and self.skip(spec)


@dataclass(frozen=True)
class _Meta:
    spec: str
    mtime: float | None
    atime: float | None
    ctime: float | None
    warnings: tuple[EntryWarning, ...]


@dataclass
class _Payload:
    size: int
    data: bytes | None = None
    spool: IO[bytes] | None = None


# --------------------------------------------------------------------------- names


_DRIVE = re.compile(r"^[A-Za-z]:")
_SEPS = re.compile(r"[\\/]")


def sanitize_member_name(name: str) -> tuple[str, bool]:
    """A safe relative posix path for a member name; True when the name tried to escape.

    Absolute names, drive letters (``C:``), UNC/backslash roots and ``..`` components (split
    on ``/`` and ``\\``) are suspicious: they are stripped. ``.`` and empty components are
    dropped silently (``./a//b`` → ``a/b``).
    """
    suspicious = (
        name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in _SEPS.split(name)
    )
    if not suspicious:
        parts = [p for p in name.split("/") if p not in ("", ".")]
        return "/".join(parts) or "_", False
    stripped = _DRIVE.sub("", name, count=1)
    parts = [p for p in _SEPS.split(stripped) if p not in ("", ".", "..")]
    return "/".join(parts) or "_", True


def _member_spec(
    prefix: str, raw_name: str | bytes, used: set[str]
) -> tuple[str, list[tuple[str, str]]]:
    """The unique spec of a member and its (code, reason) notes, before the spec is final."""
    text, valid = spec_name(raw_name)
    safe, suspicious = sanitize_member_name(text)
    notes: list[tuple[str, str]] = []
    if not valid:
        notes.append(("filename_encoding", "member name is not valid UTF-8; bytes escaped"))
    if suspicious:
        notes.append(
            (
                "path_traversal",
                f"member name {text!r} points outside the archive; read as {safe!r}",
            )
        )
    spec = base = prefix + safe
    n = 1
    while spec in used:
        n += 1
        spec = f"{base}#{n}"
    if n > 1:
        notes.append(("duplicate_name", f"another member is also named {base!r}; read as {spec!r}"))
    used.add(spec)
    return spec, notes


def _warnings(spec: str, notes: list[tuple[str, str]]) -> tuple[EntryWarning, ...]:
    return tuple(EntryWarning(spec, code, reason) for code, reason in notes)


def _prefix(container: str) -> str:
    return container + ARCHIVE_SEP if container else ""


def _size_refusal(size: int, compressed: int | None, settings: Settings) -> str | None:
    if size > settings.max_member_bytes:
        return f"declares {size} bytes, more than max_member_bytes ({settings.max_member_bytes})"
    if (
        compressed is not None
        and size > RATIO_MIN_BYTES
        and size > settings.max_expansion_ratio * max(compressed, 1)
    ):
        ratio = size / max(compressed, 1)
        return (
            f"expands {compressed} bytes to {size} ({ratio:.0f}x), above max_expansion_ratio "
            f"({settings.max_expansion_ratio:g})"
        )
    return None


# --------------------------------------------------------------------------- payloads


def _new_spool(spool_dir: Path | None) -> IO[bytes]:
    if spool_dir is not None:
        spool_dir.mkdir(parents=True, exist_ok=True)
    return tempfile.NamedTemporaryFile(  # noqa: SIM115 - handed to the caller, closed there
        mode="w+b", prefix="lodestar-spool-", dir=spool_dir, delete=False
    )


def _discard_spool(f: IO[bytes]) -> None:
    f.close()
    with contextlib.suppress(OSError):
        os.unlink(f.name)


class _Sink:
    """Member bytes in memory, moved to a spool file once past SPOOL_THRESHOLD."""

    def __init__(self, spool_dir: Path | None) -> None:
        self._dir = spool_dir
        self._parts: list[bytes] = []
        self._file: IO[bytes] | None = None
        self.size = 0

    def write(self, chunk: bytes) -> None:
        if self._file is None and self.size + len(chunk) > SPOOL_THRESHOLD:
            self._file = _new_spool(self._dir)
            for part in self._parts:
                self._file.write(part)
            self._parts = []
        if self._file is not None:
            self._file.write(chunk)
        else:
            self._parts.append(chunk)
        self.size += len(chunk)

    def finish(self) -> _Payload:
        if self._file is None:
            return _Payload(size=self.size, data=b"".join(self._parts))
        self._file.flush()
        return _Payload(size=self.size, spool=self._file)

    def discard(self) -> None:
        self._parts = []
        if self._file is not None:
            _discard_spool(self._file)
            self._file = None


def _read_payload(
    stream: IO[bytes],
    declared: int | None,
    ctx: _Ctx,
    *,
    count_expansion: bool,
    probe_only: bool,
) -> _Payload | None:
    """Read one member, never more than its declared size + 1 byte.

    ``probe_only`` (a skipped member): return None unless the first bytes look like an archive.
    ``declared=None`` (size unknown): bounded by ``max_member_bytes``.
    """
    cap = declared if declared is not None else ctx.settings.max_member_bytes
    limit = cap + 1
    sink = _Sink(ctx.spool_dir)
    total = 0
    first = True
    try:
        while total < limit:
            want = min(SNIFF_BYTES if first else READ_CHUNK, limit - total)
            chunk = stream.read(want)
            while first and chunk and len(chunk) < want:  # a whole head for the sniff
                more = stream.read(want - len(chunk))
                if not more:
                    break
                chunk += more
            if not chunk:
                break
            total += len(chunk)
            if count_expansion:
                ctx.budget.take(len(chunk))
            if first and probe_only and not head_may_be_archive(chunk):
                sink.discard()
                return None
            first = False
            sink.write(chunk)
        if total > cap:
            what = "its declared size" if declared is not None else "max_member_bytes"
            raise _Refused("archive_bomb", f"expands beyond {what} ({cap} bytes); refused")
        if declared is not None and total < declared:
            raise _Refused(
                "archive_corrupt", f"data ends after {total} of {declared} declared bytes"
            )
        return sink.finish()
    except BaseException:
        sink.discard()
        raise


def _emit(
    payload: _Payload, meta: _Meta, depth: int, ctx: _Ctx, skipped: bool
) -> Iterator[EvidenceItem]:
    """Yield a member's entry (unless skipped), then walk it if it is itself an archive."""
    if payload.spool is None:
        data = payload.data if payload.data is not None else b""
        buf = io.BytesIO(data)
        kind = sniff_archive(buf)
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
        if kind is not None:
            yield from _walk(buf, kind, meta.spec, depth + 1, ctx)
        return
    spool = payload.spool
    path = spool.name
    try:
        kind = sniff_archive(spool)
        if kind is None:
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
        if kind is not None:
            yield from _walk(spool, kind, meta.spec, depth + 1, ctx)
    finally:
        spool.close()
        if skipped:
            with contextlib.suppress(OSError):
                os.unlink(path)


# --------------------------------------------------------------------------- walking


def walk_archive(
    fh: IO[bytes],
    kind: ArchiveKind,
    container_spec: str,
    settings: Settings,
    *,
    archive_size: int,
    skip: SkipFn | None = None,
    spool_dir: Path | None = None,
) -> Iterator[EvidenceItem]:
    """Walk the members of the top-level archive open in ``fh`` (seekable, read-only).

    ``container_spec`` is the archive's own spec ("" for a bare archive source); members are
    at depth 1. ``archive_size`` (bytes on disk) sets the total expansion budget.
    """
    ctx = _Ctx(settings, skip, spool_dir, _Budget(expansion_limit(settings, archive_size)))
    yield from _walk(fh, kind, container_spec, 1, ctx)


def _walk(
    fh: IO[bytes], kind: ArchiveKind, container: str, depth: int, ctx: _Ctx
) -> Iterator[EvidenceItem]:
    if depth > ctx.settings.max_archive_depth:
        yield EntryWarning(
            container,
            "archive_too_deep",
            f"archive nested deeper than max_archive_depth ({ctx.settings.max_archive_depth}); "
            "its members are not walked",
        )
        return
    if kind == "zip":
        yield from _walk_zip(fh, container, depth, ctx)
    else:
        yield from _walk_tar(fh, kind, container, depth, ctx)


# ----- zip

_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_FILETIME_EPOCH = 116444736000000000  # 1601-01-01 → 1970-01-01 in 100 ns ticks


def _dos_time(dt: tuple[int, int, int, int, int, int]) -> float | None:
    year, month, day, hour, minute, second = dt
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 62):
        return None
    # DOS times carry no zone; read as UTC so results do not depend on the host.
    return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)))


def _zip_times(
    extra: bytes, dos: tuple[int, int, int, int, int, int]
) -> tuple[float | None, float | None]:
    """(mtime, atime) from the Info-ZIP UT or NTFS extra fields, else the DOS time as UTC."""
    ut: list[float | None] = [None, None]
    ntfs: list[float | None] = [None, None]
    i = 0
    while i + 4 <= len(extra):
        hid, hlen = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4 : i + 4 + hlen]
        if hid == 0x5455 and len(body) >= 5:
            flags, pos = body[0], 1
            if flags & 1:
                ut[0] = float(struct.unpack_from("<i", body, pos)[0])
                pos += 4
            if flags & 2 and len(body) >= pos + 4:
                ut[1] = float(struct.unpack_from("<i", body, pos)[0])
        elif hid == 0x000A and len(body) >= 8:
            j = 4
            while j + 4 <= len(body):
                tag, size = struct.unpack_from("<HH", body, j)
                if tag == 1 and size >= 24 and j + 4 + 24 <= len(body):
                    m, a, _c = struct.unpack_from("<QQQ", body, j + 4)
                    ntfs = [(m - _FILETIME_EPOCH) / 1e7, (a - _FILETIME_EPOCH) / 1e7]
                j += 4 + size
        i += 4 + hlen
    if ntfs[0] is not None:
        return ntfs[0], ntfs[1]
    if ut[0] is not None:
        return ut[0], ut[1]
    return _dos_time(dos), None


def _zip_raw_name(orig: str, flag_bits: int) -> str | bytes:
    if flag_bits & 0x800:
        return orig
    try:  # zipfile decoded it as cp437; get the stored bytes back (UTF-8 in practice)
        return orig.encode("cp437")
    except UnicodeEncodeError:
        return orig


def _zip_mode_refusal(info: zipfile.ZipInfo) -> tuple[str, str] | None | bool:
    """(code, reason) for a non-regular member, True for a directory, None for a file."""
    mode = (info.external_attr >> 16) & 0xFFFF if info.create_system == 3 else 0
    if not mode or stat.S_IFMT(mode) == 0 or stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return True
    if stat.S_ISLNK(mode):
        return "archive_link", "zip member is a symbolic link; not followed"
    return "special_file", f"zip member is a special file (mode {oct(mode)}); skipped"


def _walk_zip(fh: IO[bytes], container: str, depth: int, ctx: _Ctx) -> Iterator[EvidenceItem]:
    try:
        zf = zipfile.ZipFile(fh)
    except CORRUPT_ERRORS as exc:
        yield EntryWarning(
            container,
            "archive_corrupt",
            f"zip central directory unreadable ({exc}); members recovered from local headers",
        )
        yield from _walk_zip_local(fh, container, depth, ctx)
        return
    prefix = _prefix(container)
    used: set[str] = set()
    with zf:
        for info in zf.infolist():
            try:
                yield from _zip_member(zf, info, prefix, used, depth, ctx)
            except _StopArchive as stop:
                yield EntryWarning(container, stop.code, stop.reason)
                return
            if ctx.budget.exhausted:
                return


def _zip_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    prefix: str,
    used: set[str],
    depth: int,
    ctx: _Ctx,
) -> Iterator[EvidenceItem]:
    if info.orig_filename.endswith("/"):
        return
    spec, notes = _member_spec(prefix, _zip_raw_name(info.orig_filename, info.flag_bits), used)
    refusal = _zip_mode_refusal(info)
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
    too_big = _size_refusal(info.file_size, info.compress_size, ctx.settings)
    if too_big:
        yield EntryWarning(spec, "archive_bomb", f"member {too_big}; refused")
        return
    compressed = info.compress_type != zipfile.ZIP_STORED
    if compressed:
        ctx.budget.check(info.file_size)
    skipped = ctx.skipped(spec)
    try:
        with zf.open(info) as stream:
            payload = _read_payload(
                stream, info.file_size, ctx, count_expansion=compressed, probe_only=skipped
            )
    except _StopArchive:
        raise
    except _Refused as refused:
        yield EntryWarning(spec, refused.code, f"zip member {spec!r}: {refused.reason}")
        return
    except CORRUPT_ERRORS as exc:
        yield EntryWarning(spec, "archive_corrupt", f"zip member {spec!r} is damaged: {exc}")
        return
    if payload is None:
        return
    mtime, atime = _zip_times(info.extra, info.date_time)
    meta = _Meta(spec, mtime, atime, None, _warnings(spec, notes))
    yield from _emit(payload, meta, depth, ctx, skipped)


# ----- zip without a central directory (truncated): local headers, in file order

_LFH = struct.Struct("<4sHHHHHIIIHH")
_CD_SIGS = (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07")


class _LocalMember:
    """Stored or deflated data of one member found by its local header.

    ``csize=None``: the size is only in a data descriptor after the data (deflate finds its
    own end). ``end`` is the file offset just after the compressed data once fully read.
    """

    def __init__(
        self, fh: IO[bytes], start: int, csize: int | None, method: int, ctx: _Ctx
    ) -> None:
        self._fh = fh
        self._pos = start
        self._start = start
        self._left = csize
        self._ctx = ctx
        self._settings = ctx.settings
        self._inflate = zlib.decompressobj(-15) if method == zipfile.ZIP_DEFLATED else None
        self.out = 0
        self.crc = 0
        self.done = False
        self.end: int | None = start + csize if csize is not None else None

    def _fetch(self, want: int) -> bytes:
        if self._left is not None:
            want = min(want, self._left)
            if want == 0:
                raise EOFError("deflate data does not end within its declared size")
        self._fh.seek(self._pos)
        data = self._fh.read(want)
        if not data:
            raise EOFError("member data is truncated")
        self._pos += len(data)
        if self._left is not None:
            self._left -= len(data)
        return data

    def read(self, n: int = -1) -> bytes:
        if self.done:
            return b""
        n = READ_CHUNK if n is None or n < 0 else n
        if self._inflate is None:  # stored, size known
            if self._left == 0:
                self.done = True
                return b""
            out = self._fetch(n)
        else:
            out = b""
            while not out:
                if self._inflate.eof:
                    self.done = True
                    if self._left is None:  # size unknown: the stream's end is the member's end
                        self.end = self._pos - len(self._inflate.unused_data)
                    return b""
                data = self._inflate.unconsumed_tail or self._fetch(READ_CHUNK)
                out = self._inflate.decompress(data, n)
            consumed = self._pos - self._start
            if self.out + len(out) > RATIO_MIN_BYTES and self.out + len(
                out
            ) > self._settings.max_expansion_ratio * max(consumed, 1):
                raise _Refused(
                    "archive_bomb",
                    f"expands above max_expansion_ratio ({self._settings.max_expansion_ratio:g})",
                )
        self.out += len(out)
        self.crc = zlib.crc32(out, self.crc)
        return out

    def drain(self) -> None:
        while chunk := self.read(READ_CHUNK):
            self._ctx.budget.take(len(chunk))


def _zip64_sizes(extra: bytes, usize: int, csize: int) -> tuple[int, int]:
    i = 0
    while i + 4 <= len(extra):
        hid, hlen = struct.unpack_from("<HH", extra, i)
        if hid == 0x0001:
            body = extra[i + 4 : i + 4 + hlen]
            pos = 0
            if usize == 0xFFFFFFFF and len(body) >= pos + 8:
                usize = struct.unpack_from("<Q", body, pos)[0]
                pos += 8
            if csize == 0xFFFFFFFF and len(body) >= pos + 8:
                csize = struct.unpack_from("<Q", body, pos)[0]
            break
        i += 4 + hlen
    return usize, csize


def _walk_zip_local(fh: IO[bytes], container: str, depth: int, ctx: _Ctx) -> Iterator[EvidenceItem]:
    prefix = _prefix(container)
    used: set[str] = set()
    fh.seek(0)
    offset = 4 if fh.read(4) == b"PK\x07\x08" else 0

    def stop(reason: str) -> EntryWarning:
        return EntryWarning(container, "archive_corrupt", f"{reason}; recovery stopped")

    while True:
        fh.seek(offset)
        hdr = fh.read(_LFH.size)
        if not hdr or hdr[:4] in _CD_SIGS:
            return
        if len(hdr) < _LFH.size or hdr[:4] != b"PK\x03\x04":
            yield stop(f"no zip member header at offset {offset}")
            return
        _sig, _ver, flags, method, dtime, ddate, crc, csize, usize, nlen, xlen = _LFH.unpack(hdr)
        name = fh.read(nlen)
        extra = fh.read(xlen)
        if len(name) < nlen or len(extra) < xlen:
            yield stop(f"member header at offset {offset} is truncated")
            return
        zip64 = csize == 0xFFFFFFFF or usize == 0xFFFFFFFF
        if zip64:
            usize, csize = _zip64_sizes(extra, usize, csize)
        has_dd = bool(flags & 0x8)
        is_dir = name.endswith(b"/")
        stored = method == zipfile.ZIP_STORED
        # With a data descriptor the sizes may be zero here; deflate finds its own end.
        csize_known = not has_dd or csize > 0 or (is_dir and stored)
        usize_known = not has_dd or usize > 0
        data_start = offset + _LFH.size + nlen + xlen
        raw_name: str | bytes = name
        if flags & 0x800:
            with contextlib.suppress(UnicodeDecodeError):
                raw_name = name.decode("utf-8")
        spec, notes = ("", []) if is_dir else _member_spec(prefix, raw_name, used)

        refusal: tuple[str, str] | None = None
        if is_dir and stored:
            pass
        elif flags & 0x1:
            refusal = ("encrypted", "zip member is encrypted; not read")
        elif method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            refusal = (
                "unsupported_compression",
                f"zip compression method {method} cannot be recovered without a central "
                "directory; not read",
            )
        elif stored and not csize_known:
            refusal = ("archive_corrupt", "stored member without sizes")
        elif usize_known and not is_dir:
            too_big = _size_refusal(usize, csize if csize_known else None, ctx.settings)
            if too_big:
                refusal = ("archive_bomb", f"member {too_big}; refused")
        if refusal is not None or (is_dir and stored):
            if refusal is not None:
                yield EntryWarning(spec or container, *refusal)
            if not csize_known:
                yield stop(f"end of member {spec!r} cannot be found")
                return
            end = data_start + csize
            offset = end + (_dd_len(fh, end, zip64) if has_dd else 0)
            continue

        member = _LocalMember(fh, data_start, csize if csize_known else None, method, ctx)
        compressed = not stored
        skipped = is_dir or ctx.skipped(spec)
        payload: _Payload | None = None
        try:
            if compressed and usize_known:
                ctx.budget.check(usize)
            payload = _read_payload(
                cast(IO[bytes], member),
                usize if usize_known else None,
                ctx,
                count_expansion=compressed,
                probe_only=skipped,
            )
            if payload is None and not csize_known:
                member.drain()  # only way to find where the next member starts
            end = member.end if member.end is not None else data_start + csize
            expect_crc, dd_len = _read_dd(fh, end, zip64) if has_dd else (crc, 0)
            if member.done and member.crc != expect_crc:
                raise zipfile.BadZipFile(f"Bad CRC-32 for zip member {spec!r}")
        except _StopArchive as stop_archive:
            _discard_payload(payload)
            yield EntryWarning(container, stop_archive.code, stop_archive.reason)
            return
        except _Refused as refused:
            _discard_payload(payload)
            yield EntryWarning(spec, refused.code, f"zip member {spec!r}: {refused.reason}")
            if not csize_known:
                yield stop(f"end of member {spec!r} cannot be found")
                return
            end = data_start + csize
            offset = end + (_dd_len(fh, end, zip64) if has_dd else 0)
            continue
        except CORRUPT_ERRORS as exc:
            _discard_payload(payload)
            yield EntryWarning(
                spec or container, "archive_corrupt", f"zip member {spec!r} is damaged: {exc}"
            )
            return
        offset = end + dd_len
        if payload is None:
            continue
        if is_dir:
            _discard_payload(payload)
            continue
        mtime, atime = _zip_times(
            extra,
            (
                ((ddate >> 9) & 0x7F) + 1980,
                (ddate >> 5) & 0x0F,
                ddate & 0x1F,
                dtime >> 11,
                (dtime >> 5) & 0x3F,
                (dtime & 0x1F) * 2,
            ),
        )
        meta = _Meta(spec, mtime, atime, None, _warnings(spec, notes))
        yield from _emit(payload, meta, depth, ctx, skipped)
        if ctx.budget.exhausted:
            return


def _discard_payload(payload: _Payload | None) -> None:
    if payload is not None and payload.spool is not None:
        _discard_spool(payload.spool)


def _read_dd(fh: IO[bytes], at: int, zip64: bool) -> tuple[int, int]:
    """(crc, length) of the data descriptor at ``at``."""
    fh.seek(at)
    size_len = 8 if zip64 else 4
    raw = fh.read(4 + 4 + 2 * size_len)
    pos = 4 if raw[:4] == b"PK\x07\x08" else 0
    if len(raw) < pos + 4 + 2 * size_len:
        raise EOFError("data descriptor is truncated")
    (crc,) = struct.unpack_from("<I", raw, pos)
    return crc, pos + 4 + 2 * size_len


def _dd_len(fh: IO[bytes], at: int, zip64: bool) -> int:
    try:
        return _read_dd(fh, at, zip64)[1]
    except EOFError:
        return 0


# ----- tar


class _CountingReader:
    """Counts the compressed bytes a decompressor pulls from the archive."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n)
        self.count += len(data)
        return data

    def readable(self) -> bool:
        return True


class _GuardedStream:
    """The decompressed tar stream, with the expansion ratio and budget enforced per read.

    ``mark()`` starts a new window at each member; when more than RATIO_MIN_BYTES come out of
    a window at a ratio above max_expansion_ratio, the archive is stopped.
    """

    def __init__(self, inner: IO[bytes], raw: _CountingReader | None, ctx: _Ctx) -> None:
        self._inner = inner
        self._raw = raw
        self._ctx = ctx
        self.out = 0
        self._mark_out = 0
        self._mark_in = 0
        self.member = ""

    def mark(self, member: str) -> None:
        self.member = member
        self._mark_out = self.out
        self._mark_in = self._raw.count if self._raw is not None else 0

    def read(self, n: int = -1) -> bytes:
        data = self._inner.read(n)
        self.out += len(data)
        if self._raw is not None and data:
            self._ctx.budget.take(len(data))
            window_out = self.out - self._mark_out
            window_in = max(self._raw.count - self._mark_in, 1)
            ratio = self._ctx.settings.max_expansion_ratio
            if window_out > RATIO_MIN_BYTES and window_out > ratio * window_in:
                raise _StopArchive(
                    "archive_bomb",
                    f"member {self.member!r} expands above max_expansion_ratio ({ratio:g}); "
                    "it and the rest of this compressed tar are not walked",
                )
        return data


class _Decompressed:
    """A gzip / bzip2 / xz stream decompressed incrementally (concatenated streams too).

    Unlike ``gzip.GzipFile`` behind a buffered reader, every byte decoded before the data
    ends is returned; ``EOFError`` comes only from a read that can return nothing more.
    """

    def __init__(self, raw: _CountingReader, kind: ArchiveKind) -> None:
        self._raw = raw
        self._kind = kind
        self._pending = b""
        self._d = self._new()

    def _new(self) -> Any:
        if self._kind == "tar.gz":
            return zlib.decompressobj(wbits=31)
        if self._kind == "tar.bz2":
            return bz2.BZ2Decompressor()
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ)

    def _input(self) -> bytes:
        data, self._pending = self._pending, b""
        if not data:
            data = self._raw.read(_RAW_CHUNK)
        if not data:
            raise EOFError("compressed data ends before its end-of-stream marker (truncated)")
        return data

    def _next_stream(self) -> bool:
        """After one stream ended: start the next concatenated one; False at the real end."""
        rest = self._d.unused_data or self._raw.read(_RAW_CHUNK)
        while rest and not rest.strip(b"\x00"):  # zero padding after the last stream
            rest = self._raw.read(_RAW_CHUNK)
        if not rest:
            return False
        self._pending = rest
        self._d = self._new()
        return True

    def read(self, n: int = -1) -> bytes:
        n = READ_CHUNK if n is None or n < 0 else n
        if n == 0:
            return b""
        while True:
            if self._d.eof and not self._next_stream():
                return b""
            if self._kind == "tar.gz":
                out: bytes = self._d.decompress(self._d.unconsumed_tail or self._input(), n)
            else:
                out = self._d.decompress(self._input() if self._d.needs_input else b"", n)
            if out:
                return out

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._pending = b""


_RAW_CHUNK = 64 * 1024


def _open_decompressed(fh: IO[bytes], kind: ArchiveKind) -> tuple[IO[bytes], _CountingReader]:
    raw = _CountingReader(fh)
    return cast(IO[bytes], _Decompressed(raw, kind)), raw


def _pax_time(headers: Mapping[str, str], key: str) -> float | None:
    try:
        return float(headers[key])
    except (KeyError, ValueError):
        return None


def _tar_type_refusal(ti: tarfile.TarInfo) -> tuple[str, str] | None | bool:
    if ti.isreg():
        return None
    if ti.isdir():
        return True
    if ti.issym():
        return "archive_link", f"tar symbolic link to {ti.linkname!r}; not followed"
    if ti.islnk():
        return "archive_link", f"tar hard link to {ti.linkname!r}; not followed"
    if ti.ischr() or ti.isblk() or ti.isfifo():
        return "special_file", "tar device or FIFO member; skipped"
    return "special_file", f"tar member of type {ti.type!r} is not a regular file; skipped"


def _walk_tar(
    fh: IO[bytes], kind: ArchiveKind, container: str, depth: int, ctx: _Ctx
) -> Iterator[EvidenceItem]:
    fh.seek(0)
    if kind == "tar":
        guard = _GuardedStream(fh, None, ctx)
        inner: IO[bytes] | None = None
    else:
        inner, raw = _open_decompressed(fh, kind)
        guard = _GuardedStream(inner, raw, ctx)
    try:
        yield from _walk_tar_stream(guard, container, depth, ctx)
    finally:
        if inner is not None:
            inner.close()


def _walk_tar_stream(
    guard: _GuardedStream, container: str, depth: int, ctx: _Ctx
) -> Iterator[EvidenceItem]:
    prefix = _prefix(container)
    used: set[str] = set()
    last = ""

    def damaged(exc: BaseException) -> EntryWarning:
        where = f"after member {last!r}" if last else "at its start"
        return EntryWarning(container, "archive_corrupt", f"tar archive damaged {where}: {exc}")

    try:
        tf = tarfile.open(  # noqa: SIM115 - closed by the `with tf` below
            fileobj=cast(IO[bytes], guard),
            mode="r|",
            encoding="utf-8",
            errors="surrogateescape",
        )
    except _Refused as stop:
        yield EntryWarning(container, stop.code, stop.reason)
        return
    except CORRUPT_ERRORS as exc:
        yield damaged(exc)
        return
    with tf:
        while True:
            try:
                ti = tf.next()
            except _Refused as stop:
                yield EntryWarning(container, stop.code, stop.reason)
                return
            except CORRUPT_ERRORS as exc:
                yield damaged(exc)
                return
            if ti is None:
                break
            cast(Any, tf).members.clear()  # stream mode: keep no list of every header
            guard.mark(ti.name)
            refusal = _tar_type_refusal(ti)
            if refusal is True:
                continue
            spec, notes = _member_spec(prefix, ti.name, used)
            last = spec
            if isinstance(refusal, tuple):
                yield EntryWarning(spec, *refusal)
                continue
            sparse = cast(list[tuple[int, int]] | None, ti.sparse)
            stored = sum(n for _off, n in sparse) if sparse else None
            too_big = _size_refusal(ti.size, stored, ctx.settings)
            if too_big:
                yield EntryWarning(spec, "archive_bomb", f"member {too_big}; refused")
                continue
            skipped = ctx.skipped(spec)
            try:
                stream = tf.extractfile(ti)
                if stream is None:
                    continue
                with stream:
                    payload = _read_payload(
                        stream, ti.size, ctx, count_expansion=False, probe_only=skipped
                    )
            except _StopArchive as stop:
                yield EntryWarning(container, stop.code, stop.reason)
                return
            except _Refused as refused:
                yield EntryWarning(spec, refused.code, f"tar member {spec!r}: {refused.reason}")
                return
            except CORRUPT_ERRORS as exc:
                yield EntryWarning(
                    spec, "archive_corrupt", f"tar member {spec!r} is damaged: {exc}"
                )
                return
            if payload is None:
                continue
            headers = ti.pax_headers
            meta = _Meta(
                spec,
                float(ti.mtime),
                _pax_time(headers, "atime"),
                _pax_time(headers, "ctime"),
                _warnings(spec, notes),
            )
            yield from _emit(payload, meta, depth, ctx, skipped)
            if ctx.budget.exhausted:
                return
        if guard.out < tf.offset + TAR_BLOCK:
            yield EntryWarning(
                container,
                "archive_corrupt",
                f"tar archive ends without its end-of-archive marker after member {last!r} "
                "(truncated?)",
            )


# --------------------------------------------------------------------------- readers


class _ArchiveReader:
    name: ClassVar[str]
    kinds: ClassVar[tuple[ArchiveKind, ...]]

    @classmethod
    def accepts(cls, location: Path) -> bool:
        try:
            return location.is_file() and sniff_path(location) in cls.kinds
        except OSError:
            return False

    def entries(
        self,
        location: Path,
        settings: Settings,
        *,
        skip: SkipFn | None = None,
        spool_dir: Path | None = None,
    ) -> Iterator[EvidenceItem]:
        """Walk a bare archive file; member specs are relative to the archive root."""
        try:
            fh = open_regular_file(location)
        except OSError as exc:
            yield EntryWarning("", "unreadable", f"cannot open {location}: {exc}")
            return
        with fh:
            try:
                kind = sniff_archive(fh)
                size = os.fstat(fh.fileno()).st_size
            except OSError as exc:
                yield EntryWarning("", "unreadable", f"cannot read {location}: {exc}")
                return
            if kind not in self.kinds:
                yield EntryWarning(
                    "", "archive_corrupt", f"{location} is not a {self.name} archive"
                )
                return
            assert kind is not None
            yield from walk_archive(
                fh, kind, "", settings, archive_size=size, skip=skip, spool_dir=spool_dir
            )


class ZipReader(_ArchiveReader):
    """A bare zip file as a source."""

    name: ClassVar[str] = "zip"
    kinds: ClassVar[tuple[ArchiveKind, ...]] = ("zip",)


class TarReader(_ArchiveReader):
    """A bare tar file (plain, .gz, .bz2 or .xz, by signature) as a source."""

    name: ClassVar[str] = "tar"
    kinds: ClassVar[tuple[ArchiveKind, ...]] = ("tar", "tar.gz", "tar.bz2", "tar.xz")


source_readers.register(ZipReader())
source_readers.register(TarReader())
