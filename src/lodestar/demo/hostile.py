"""Hostile and corrupt files that an ingest must survive (all built in memory, deterministic)."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass

ZIP_TIME = (2021, 6, 1, 12, 0, 0)
BOMB_MEMBER = "zeros.bin"
BOMB_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Member:
    """One member of a hostile archive: its name as stored and facts for truth.json."""

    name: str
    size: int
    sha256: str
    hostile: str | None


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def bomb_png(width: int = 60000, height: int = 60000) -> bytes:
    """A tiny PNG whose header declares a huge RGB image (the IDAT holds one short row)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" + b"\x00" * 96, 9)
    chunks = _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def _info(name: str, compress: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    info.create_system = 3
    return info


def zip_bomb(total: int = BOMB_BYTES) -> tuple[bytes, Member]:
    """A small zip with one member of ``total`` zero bytes, deflated."""
    buf = io.BytesIO()
    chunk = bytes(1024 * 1024)
    digest = hashlib.sha256()
    with zipfile.ZipFile(buf, "w") as zf, zf.open(_info(BOMB_MEMBER), "w") as handle:
        left = total
        while left > 0:
            part = chunk[: min(left, len(chunk))]
            handle.write(part)
            digest.update(part)
            left -= len(part)
    return buf.getvalue(), Member(BOMB_MEMBER, total, digest.hexdigest(), "zip_bomb")


TRAVERSAL_MEMBERS: tuple[tuple[str, bytes, str | None], ...] = (
    ("readme.txt", b"Firmware update package.\nApply with the vendor tool.\n", None),
    ("../../escape.txt", b"This member tries to leave the extraction folder.\n", "path_traversal"),
    ("/etc/lodestar-test", b"This member has an absolute path.\n", "absolute_path"),
)


def traversal_zip() -> tuple[bytes, list[Member]]:
    """A zip with a benign member, a ``../`` member and an absolute-path member."""
    buf = io.BytesIO()
    members: list[Member] = []
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, reason in TRAVERSAL_MEMBERS:
            zf.writestr(_info(name), data)
            members.append(Member(name, len(data), hashlib.sha256(data).hexdigest(), reason))
    return buf.getvalue(), members


def corrupt_mp4(rng: random.Random, size: int = 8192) -> bytes:
    """A valid ``ftyp`` box, a ``moov`` header claiming more than follows, then noise."""
    ftyp = struct.pack(">I4s4sI", 32, b"ftyp", b"isom", 512) + b"isomiso2avc1mp41"
    moov = struct.pack(">I4s", 1_000_000, b"moov")
    noise = bytes(rng.getrandbits(8) for _ in range(size))
    return ftyp + moov + noise


def truncated(data: bytes, fraction: float) -> bytes:
    return data[: max(64, int(len(data) * fraction))]


NOT_AN_IMAGE = (
    b"Backup index\n"
    b"format=3\n"
    b"entries=0\n"
    b"This file carries a .jpg name but holds plain text.\n"
)
