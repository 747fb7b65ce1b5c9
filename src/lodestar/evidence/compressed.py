"""gzip / bzip2 / xz streams: recognised by signature, decompressed incrementally.

A compressed stream is only a container when a tar header follows: ``probe_decompressed``
decompresses just enough to see one (at most ``COMPRESSED_PROBE_BYTES`` of compressed input;
bzip2 emits nothing before its first block ends). A compressed file that is not a tar stays a
plain file.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable
from typing import IO, Any, Protocol

GZIP_MAGIC = b"\x1f\x8b\x08"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"

COMPRESSED_PROBE_BYTES = 2 * 1024 * 1024
READ_CHUNK = 1024 * 1024  # what a read without a size asks the decompressor for
_RAW_CHUNK = 64 * 1024  # compressed bytes pulled from the file at a time


class _Decompressor(Protocol):
    def decompress(self, data: bytes, max_length: int = ..., /) -> bytes: ...


def compression_of(head: bytes) -> str | None:
    """ "gz", "bz2" or "xz" when ``head`` starts with that signature, else None."""
    if head.startswith(GZIP_MAGIC):
        return "gz"
    if head.startswith(BZIP2_MAGIC) and len(head) > 3 and head[3:4] in b"123456789":
        return "bz2"
    if head.startswith(XZ_MAGIC):
        return "xz"
    return None


def _new_decompressor(compression: str) -> Any:
    if compression == "gz":
        return zlib.decompressobj(wbits=31)
    if compression == "bz2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor(format=lzma.FORMAT_XZ)


def probe_decompressed(
    fh: IO[bytes], head: bytes, size: int, accept: Callable[[bytes], bool]
) -> bool:
    """Whether the first ``size`` decompressed bytes of the stream that starts with ``head``
    pass ``accept``; False when ``head`` is not compressed, or the data ends or is damaged
    first. ``fh`` is positioned just after ``head``."""
    compression = compression_of(head)
    if compression is None:
        return False
    decomp: _Decompressor = _new_decompressor(compression)
    out = b""
    consumed = len(head)
    chunk = head
    while True:
        try:
            out += decomp.decompress(chunk, size - len(out))
        except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError):
            return False
        if len(out) >= size:
            return accept(out)
        if getattr(decomp, "eof", False) or consumed >= COMPRESSED_PROBE_BYTES:
            return False
        tail = getattr(decomp, "unconsumed_tail", b"")
        if tail:  # zlib keeps input it could not yet emit output for
            chunk = tail
            continue
        if getattr(decomp, "needs_input", True) is False:
            chunk = b""
            continue
        chunk = fh.read(_RAW_CHUNK)
        if not chunk:
            return False
        consumed += len(chunk)


class CountingReader:
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


class Decompressed:
    """A gzip / bzip2 / xz stream decompressed incrementally (concatenated streams too).

    Unlike ``gzip.GzipFile`` behind a buffered reader, every byte decoded before the data
    ends is returned; ``EOFError`` comes only from a read that can return nothing more.
    """

    def __init__(self, raw: CountingReader, compression: str) -> None:
        self._raw = raw
        self._compression = compression
        self._pending = b""
        self._d = _new_decompressor(compression)

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
        self._d = _new_decompressor(self._compression)
        return True

    def read(self, n: int = -1) -> bytes:
        n = READ_CHUNK if n is None or n < 0 else n
        if n == 0:
            return b""
        while True:
            if self._d.eof and not self._next_stream():
                return b""
            if self._compression == "gz":
                out: bytes = self._d.decompress(self._d.unconsumed_tail or self._input(), n)
            else:
                out = self._d.decompress(self._input() if self._d.needs_input else b"", n)
            if out:
                return out

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._pending = b""
