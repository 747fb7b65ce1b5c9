"""Read-only opening of evidence files and archive detection by signature (never by extension).

``open_readonly`` opens with ``O_NOFOLLOW`` (a path that became a symlink is refused),
``O_NONBLOCK`` (a path that became a FIFO never blocks the walk) and ``O_NOATIME`` where the
kernel allows it, so reading evidence does not touch its access time.

``sniff_archive`` looks at the first 512 bytes. Only for a gzip / bzip2 / xz signature does it
read further: it decompresses just enough (at most ``COMPRESSED_PROBE_BYTES`` of compressed
input; bzip2 emits nothing before its first block ends) to see whether a tar header follows.
A compressed file that is not a tar is left as a plain file.
"""

from __future__ import annotations

import bz2
import errno
import lzma
import os
import stat
import zlib
from pathlib import Path
from typing import IO, Literal, Protocol

ArchiveKind = Literal["zip", "tar", "tar.gz", "tar.bz2", "tar.xz"]
ARCHIVE_KINDS: tuple[ArchiveKind, ...] = ("zip", "tar", "tar.gz", "tar.bz2", "tar.xz")

SNIFF_BYTES = 512
TAR_BLOCK = 512
COMPRESSED_PROBE_BYTES = 2 * 1024 * 1024
_PROBE_CHUNK = 64 * 1024

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08PK\x03\x04")
GZIP_MAGIC = b"\x1f\x8b\x08"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"

_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_NOATIME = getattr(os, "O_NOATIME", 0)


def open_readonly(
    path: str | bytes | os.PathLike[str] | os.PathLike[bytes],
    *,
    dir_fd: int | None = None,
    directory: bool = False,
) -> int:
    """An fd opened read-only, no-follow, non-blocking and (where permitted) with O_NOATIME.

    O_NOATIME is refused with EPERM unless the caller owns the file (or is privileged); then
    the open is retried without it. Any other OSError propagates.
    """
    flags = _READ_FLAGS | (os.O_DIRECTORY if directory else 0)
    if _NOATIME:
        try:
            return os.open(path, flags | _NOATIME, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno != errno.EPERM:
                raise
    return os.open(path, flags, dir_fd=dir_fd)


def open_regular_file(path: Path) -> IO[bytes]:
    """A buffered read-only handle on a regular file given by the user (symlinks resolved)."""
    fd = open_readonly(os.path.realpath(path))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(errno.EINVAL, "not a regular file", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


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


class _Decompressor(Protocol):
    def decompress(self, data: bytes, max_length: int = ..., /) -> bytes: ...


def _new_decompressor(head: bytes) -> tuple[_Decompressor, ArchiveKind] | None:
    if head.startswith(GZIP_MAGIC):
        return zlib.decompressobj(wbits=31), "tar.gz"
    if head.startswith(BZIP2_MAGIC) and len(head) > 3 and head[3:4] in b"123456789":
        return bz2.BZ2Decompressor(), "tar.bz2"
    if head.startswith(XZ_MAGIC):
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ), "tar.xz"
    return None


def head_may_be_archive(head: bytes) -> bool:
    """A cheap first look: could a file starting with ``head`` be an archive we walk?"""
    return head.startswith(ZIP_MAGICS) or is_tar_header(head) or _new_decompressor(head) is not None


def sniff_archive(fh: IO[bytes]) -> ArchiveKind | None:
    """The archive kind of the seekable ``fh`` from its signature, or None.

    Reads from the start of ``fh`` and seeks back to 0 afterwards. Read errors propagate.
    """
    fh.seek(0)
    try:
        head = fh.read(SNIFF_BYTES)
        if head.startswith(ZIP_MAGICS):
            return "zip"
        if is_tar_header(head):
            return "tar"
        found = _new_decompressor(head)
        if found is None:
            return None
        decomp, kind = found
        return kind if _probe_compressed_tar(fh, head, decomp) else None
    finally:
        fh.seek(0)


def _probe_compressed_tar(fh: IO[bytes], head: bytes, decomp: _Decompressor) -> bool:
    out = b""
    consumed = len(head)
    chunk = head
    while True:
        try:
            out += decomp.decompress(chunk, TAR_BLOCK - len(out))
        except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError):
            return False
        if len(out) >= TAR_BLOCK:
            return is_tar_header(out)
        if getattr(decomp, "eof", False) or consumed >= COMPRESSED_PROBE_BYTES:
            return False
        tail = getattr(decomp, "unconsumed_tail", b"")
        if tail:  # zlib keeps input it could not yet emit output for
            chunk = tail
            continue
        if getattr(decomp, "needs_input", True) is False:
            chunk = b""
            continue
        chunk = fh.read(_PROBE_CHUNK)
        if not chunk:
            return False
        consumed += len(chunk)


def sniff_path(location: Path) -> ArchiveKind | None:
    """The archive kind of a regular file given by path; None when not an archive we walk."""
    with open_regular_file(location) as fh:
        return sniff_archive(fh)
