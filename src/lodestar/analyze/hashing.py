"""MD5, SHA-1 and SHA-256 computed together in one read of the bytes."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from lodestar.evidence.sniff import open_readonly

CHUNK = 1024 * 1024
# Files up to this size are kept in memory after hashing so the decoder never reads them twice.
KEEP_IN_MEMORY = 64 * 1024 * 1024


@dataclass(frozen=True)
class Digests:
    md5: str
    sha1: str
    sha256: str
    size: int


def digest_bytes(data: bytes) -> Digests:
    return Digests(
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
        len(data),
    )


def read_and_digest(path: str) -> tuple[Digests, bytes | None, bytes]:
    """Hash a file in one pass; returns (digests, whole bytes if small enough, header bytes)."""
    md5, sha1, sha256 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
    fd = open_readonly(path)
    with os.fdopen(fd, "rb", buffering=0) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size <= KEEP_IN_MEMORY:
            data = fh.readall()  # one allocation, no copies
            return digest_bytes(data), data, data[:8192]
        header = b""
        total = 0
        while chunk := fh.read(CHUNK):
            if not header:
                header = chunk[:8192]
            md5.update(chunk)
            sha1.update(chunk)
            sha256.update(chunk)
            total += len(chunk)
    return Digests(md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest(), total), None, header
