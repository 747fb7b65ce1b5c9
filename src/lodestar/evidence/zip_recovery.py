"""A zip without a readable central directory (truncated): members found by local headers.

Local headers are followed in file order. Stored and deflated members are recovered (deflate
finds its own end when the sizes are only in a data descriptor after the data); anything else
cannot be delimited without the central directory and is refused. Recovery stops with an
``archive_corrupt`` warning at the first header it cannot read or member whose end it cannot
find; members read before that are kept.
"""

from __future__ import annotations

import contextlib
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, cast

from lodestar.evidence.base import EntryWarning, EvidenceItem
from lodestar.evidence.containers import MemberMeta, emit_member
from lodestar.evidence.guards import (
    CORRUPT_ERRORS,
    RATIO_MIN_BYTES,
    Refused,
    StopArchive,
    WalkContext,
    size_refusal,
)
from lodestar.evidence.names import Note, member_prefix, member_spec, note_warnings
from lodestar.evidence.spool import (
    READ_CHUNK,
    Payload,
    discard_payload,
    read_payload,
)
from lodestar.evidence.zip_fields import unpack_dos_time, zip64_sizes, zip_times

_LFH = struct.Struct("<4sHHHHHIIIHH")
_CD_SIGS = (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07")


class _LocalMember:
    """Stored or deflated data of one member found by its local header.

    ``csize=None``: the size is only in a data descriptor after the data (deflate finds its
    own end). ``end`` is the file offset just after the compressed data once fully read.
    """

    def __init__(
        self, fh: IO[bytes], start: int, csize: int | None, method: int, ctx: WalkContext
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
                raise Refused(
                    "archive_bomb",
                    f"expands above max_expansion_ratio ({self._settings.max_expansion_ratio:g})",
                )
        self.out += len(out)
        self.crc = zlib.crc32(out, self.crc)
        return out

    def drain(self) -> None:
        while chunk := self.read(READ_CHUNK):
            self._ctx.budget.take(len(chunk))


@dataclass(frozen=True)
class _Header:
    """One local file header, as far as recovery needs it."""

    offset: int
    flags: int
    method: int
    dtime: int
    ddate: int
    crc: int
    csize: int
    usize: int
    name: bytes
    extra: bytes
    zip64: bool  # the sizes overflowed into the zip64 extra field (and the data descriptor)

    @property
    def has_dd(self) -> bool:  # sizes and CRC follow the data, in a data descriptor
        return bool(self.flags & 0x8)

    @property
    def is_dir(self) -> bool:
        return self.name.endswith(b"/")

    @property
    def stored(self) -> bool:
        return self.method == zipfile.ZIP_STORED

    @property
    def csize_known(self) -> bool:
        # With a data descriptor the sizes may be zero here; deflate finds its own end.
        return not self.has_dd or self.csize > 0 or (self.is_dir and self.stored)

    @property
    def usize_known(self) -> bool:
        return not self.has_dd or self.usize > 0

    @property
    def data_start(self) -> int:
        return self.offset + _LFH.size + len(self.name) + len(self.extra)

    def raw_name(self) -> str | bytes:
        if self.flags & 0x800:
            with contextlib.suppress(UnicodeDecodeError):
                return self.name.decode("utf-8")
        return self.name


def _read_header(fh: IO[bytes], offset: int) -> _Header | str | None:
    """The header at ``offset``; None at the central directory or the end, else why not."""
    fh.seek(offset)
    hdr = fh.read(_LFH.size)
    if not hdr or hdr[:4] in _CD_SIGS:
        return None
    if len(hdr) < _LFH.size or hdr[:4] != b"PK\x03\x04":
        return f"no zip member header at offset {offset}"
    _sig, _ver, flags, method, dtime, ddate, crc, csize, usize, nlen, xlen = _LFH.unpack(hdr)
    name = fh.read(nlen)
    extra = fh.read(xlen)
    if len(name) < nlen or len(extra) < xlen:
        return f"member header at offset {offset} is truncated"
    zip64 = csize == 0xFFFFFFFF or usize == 0xFFFFFFFF
    if zip64:
        usize, csize = zip64_sizes(extra, usize, csize)
    return _Header(offset, flags, method, dtime, ddate, crc, csize, usize, name, extra, zip64)


def _refusal(h: _Header, ctx: WalkContext) -> tuple[str, str] | None:
    """(code, reason) when the member cannot be recovered; None when it can be read."""
    if h.is_dir and h.stored:
        return None
    if h.flags & 0x1:
        return "encrypted", "zip member is encrypted; not read"
    if h.method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return (
            "unsupported_compression",
            f"zip compression method {h.method} cannot be recovered without a central "
            "directory; not read",
        )
    if h.stored and not h.csize_known:
        return "archive_corrupt", "stored member without sizes"
    if h.usize_known and not h.is_dir:
        too_big = size_refusal(h.usize, h.csize if h.csize_known else None, ctx.settings)
        if too_big:
            return "archive_bomb", f"member {too_big}; refused"
    return None


def _after(fh: IO[bytes], h: _Header) -> int:
    """The offset after a member of known compressed size (and its data descriptor)."""
    end = h.data_start + h.csize
    return end + (_dd_len(fh, end, h.zip64) if h.has_dd else 0)


def walk_local_headers(
    fh: IO[bytes], container: str, depth: int, ctx: WalkContext
) -> Iterator[EvidenceItem]:
    prefix = member_prefix(container)
    used: set[str] = set()
    fh.seek(0)
    offset = 4 if fh.read(4) == b"PK\x07\x08" else 0

    def stop(reason: str) -> EntryWarning:
        return EntryWarning(container, "archive_corrupt", f"{reason}; recovery stopped")

    while True:
        h = _read_header(fh, offset)
        if h is None:
            return
        if isinstance(h, str):
            yield stop(h)
            return
        notes: list[Note]
        spec, notes = ("", []) if h.is_dir else member_spec(prefix, h.raw_name(), used)
        refusal = _refusal(h, ctx)
        if refusal is not None or (h.is_dir and h.stored):
            if refusal is not None:
                yield EntryWarning(spec or container, *refusal)
            if not h.csize_known:
                yield stop(f"end of member {spec!r} cannot be found")
                return
            offset = _after(fh, h)
            continue

        member = _LocalMember(fh, h.data_start, h.csize if h.csize_known else None, h.method, ctx)
        compressed = not h.stored
        skipped = h.is_dir or ctx.skipped(spec)
        payload: Payload | None = None
        try:
            if compressed and h.usize_known:
                ctx.budget.check(h.usize)
            payload = read_payload(
                cast(IO[bytes], member),
                h.usize if h.usize_known else None,
                ctx,
                count_expansion=compressed,
                probe_only=skipped,
            )
            if payload is None and not h.csize_known:
                member.drain()  # only way to find where the next member starts
            end = member.end if member.end is not None else h.data_start + h.csize
            expect_crc, dd_len = _read_dd(fh, end, h.zip64) if h.has_dd else (h.crc, 0)
            if member.done and member.crc != expect_crc:
                raise zipfile.BadZipFile(f"Bad CRC-32 for zip member {spec!r}")
        except StopArchive as stop_archive:
            discard_payload(payload)
            yield EntryWarning(container, stop_archive.code, stop_archive.reason)
            return
        except Refused as refused:
            discard_payload(payload)
            yield EntryWarning(spec, refused.code, f"zip member {spec!r}: {refused.reason}")
            if not h.csize_known:
                yield stop(f"end of member {spec!r} cannot be found")
                return
            offset = _after(fh, h)
            continue
        except CORRUPT_ERRORS as exc:
            discard_payload(payload)
            yield EntryWarning(
                spec or container, "archive_corrupt", f"zip member {spec!r} is damaged: {exc}"
            )
            return
        offset = end + dd_len
        if payload is None:
            continue
        if h.is_dir:
            discard_payload(payload)
            continue
        mtime, atime = zip_times(h.extra, unpack_dos_time(h.ddate, h.dtime))
        meta = MemberMeta(spec, mtime, atime, None, note_warnings(spec, notes))
        yield from emit_member(payload, meta, depth, ctx, skipped)
        if ctx.budget.exhausted:
            return


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
