"""Tar archives, plain or gzip / bzip2 / xz compressed (by signature), walked as a stream.

Members come in archive order. ``archive_link`` (symlinks, hard links) and ``special_file``
(devices, FIFOs) members are skipped with a warning. In a compressed tar the expansion ratio
is measured while the stream is decompressed; a member that trips it stops that archive
(reaching later members would mean expanding it). Damage stops the archive with an
``archive_corrupt`` warning; members read before it are kept. Registers the ``tar`` container
format and the ``tar`` source reader.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator, Mapping
from typing import IO, Any, ClassVar, cast

from lodestar.evidence.base import EntryWarning, EvidenceItem, container_formats, source_readers
from lodestar.evidence.compressed import (
    CountingReader,
    Decompressed,
    compression_of,
    probe_decompressed,
)
from lodestar.evidence.containers import ContainerFileReader, MemberMeta, emit_member
from lodestar.evidence.guards import (
    CORRUPT_ERRORS,
    RATIO_MIN_BYTES,
    Refused,
    StopArchive,
    WalkContext,
    size_refusal,
)
from lodestar.evidence.names import member_prefix, member_spec, note_warnings
from lodestar.evidence.sniff import SNIFF_BYTES
from lodestar.evidence.spool import read_payload

TAR_BLOCK = 512


def is_tar_header(block: bytes) -> bool:
    """True when ``block`` is a valid tar header (ustar, GNU or v7): its checksum verifies."""
    if len(block) < TAR_BLOCK:
        return False
    block = block[:TAR_BLOCK]
    field = block[148:156]
    digits = field.replace(b"\x00", b" ").strip()
    if not digits:
        return False
    try:
        recorded = int(digits, 8)
    except ValueError:
        return False
    unsigned = sum(block[:148]) + 8 * 0x20 + sum(block[156:])
    if recorded == unsigned and block[:1] != b"\x00":
        return True
    signed = sum(b - 256 if b > 127 else b for b in block[:148] + block[156:]) + 8 * 0x20
    return recorded == signed and block[:1] != b"\x00"


class TarFormat:
    name: ClassVar[str] = "tar"
    sniff_order: ClassVar[int] = 20

    def may_be(self, head: bytes) -> bool:
        return is_tar_header(head) or compression_of(head) is not None

    def sniff(self, fh: IO[bytes], head: bytes) -> bool:
        return is_tar_header(head) or probe_decompressed(fh, head, TAR_BLOCK, is_tar_header)

    def walk(
        self, fh: IO[bytes], container: str, depth: int, ctx: WalkContext
    ) -> Iterator[EvidenceItem]:
        fh.seek(0)
        try:
            head = fh.read(SNIFF_BYTES)
            fh.seek(0)
        except CORRUPT_ERRORS as exc:
            yield _damaged(container, "", exc)
            return
        # The same order as the sniff: a valid tar header first means an uncompressed tar.
        compression = None if is_tar_header(head) else compression_of(head)
        if compression is None:
            guard = _GuardedStream(fh, None, ctx)
            inner: Decompressed | None = None
        else:
            raw = CountingReader(fh)
            inner = Decompressed(raw, compression)
            guard = _GuardedStream(cast(IO[bytes], inner), raw, ctx)
        try:
            yield from _walk_stream(guard, container, depth, ctx)
        finally:
            if inner is not None:
                inner.close()


class _GuardedStream:
    """The decompressed tar stream, with the expansion ratio and budget enforced per read.

    ``mark()`` starts a new window at each member; when more than RATIO_MIN_BYTES come out of
    a window at a ratio above max_expansion_ratio, the archive is stopped.
    """

    def __init__(self, inner: IO[bytes], raw: CountingReader | None, ctx: WalkContext) -> None:
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
                raise StopArchive(
                    "archive_bomb",
                    f"member {self.member!r} expands above max_expansion_ratio ({ratio:g}); "
                    "it and the rest of this compressed tar are not walked",
                )
        return data


def _damaged(container: str, last: str, exc: BaseException) -> EntryWarning:
    where = f"after member {last!r}" if last else "at its start"
    return EntryWarning(container, "archive_corrupt", f"tar archive damaged {where}: {exc}")


def _pax_time(headers: Mapping[str, str], key: str) -> float | None:
    try:
        return float(headers[key])
    except (KeyError, ValueError):
        return None


def _type_refusal(ti: tarfile.TarInfo) -> tuple[str, str] | None | bool:
    """(code, reason) for a non-regular member, True for a directory, None for a file."""
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


def _walk_stream(
    guard: _GuardedStream, container: str, depth: int, ctx: WalkContext
) -> Iterator[EvidenceItem]:
    prefix = member_prefix(container)
    used: set[str] = set()
    last = ""
    try:
        tf = tarfile.open(  # noqa: SIM115 - closed by the `with tf` below
            fileobj=cast(IO[bytes], guard),
            mode="r|",
            encoding="utf-8",
            errors="surrogateescape",
        )
    except Refused as stop:
        yield EntryWarning(container, stop.code, stop.reason)
        return
    except CORRUPT_ERRORS as exc:
        yield _damaged(container, last, exc)
        return
    with tf:
        while True:
            try:
                ti = tf.next()
            except Refused as stop:
                yield EntryWarning(container, stop.code, stop.reason)
                return
            except CORRUPT_ERRORS as exc:
                yield _damaged(container, last, exc)
                return
            if ti is None:
                break
            cast(Any, tf).members.clear()  # stream mode: keep no list of every header
            guard.mark(ti.name)
            refusal = _type_refusal(ti)
            if refusal is True:
                continue
            spec, notes = member_spec(prefix, ti.name, used)
            last = spec
            if isinstance(refusal, tuple):
                yield EntryWarning(spec, *refusal)
                continue
            sparse = cast(list[tuple[int, int]] | None, ti.sparse)
            stored = sum(n for _off, n in sparse) if sparse else None
            too_big = size_refusal(ti.size, stored, ctx.settings)
            if too_big:
                yield EntryWarning(spec, "archive_bomb", f"member {too_big}; refused")
                continue
            skipped = ctx.skipped(spec)
            try:
                stream = tf.extractfile(ti)
                if stream is None:
                    continue
                with stream:
                    payload = read_payload(
                        stream, ti.size, ctx, count_expansion=False, probe_only=skipped
                    )
            except StopArchive as stop:
                yield EntryWarning(container, stop.code, stop.reason)
                return
            except Refused as refused:
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
            meta = MemberMeta(
                spec,
                float(ti.mtime),
                _pax_time(headers, "atime"),
                _pax_time(headers, "ctime"),
                note_warnings(spec, notes),
            )
            yield from emit_member(payload, meta, depth, ctx, skipped)
            if ctx.budget.exhausted:
                return
        if guard.out < tf.offset + TAR_BLOCK:
            yield EntryWarning(
                container,
                "archive_corrupt",
                f"tar archive ends without its end-of-archive marker after member {last!r} "
                "(truncated?)",
            )


class TarReader(ContainerFileReader):
    """A bare tar file (plain, .gz, .bz2 or .xz, by signature) as a source."""

    name: ClassVar[str] = "tar"
    description: ClassVar[str] = "a tar archive (plain, gzip, bzip2 or xz)"
    container: ClassVar[str] = "tar"


container_formats.register(TarFormat())
source_readers.register(TarReader())
