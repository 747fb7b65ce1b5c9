"""Decoding zip header fields shared by the central-directory walk and the recovery walk."""

from __future__ import annotations

import calendar
import struct

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08PK\x03\x04")
_FILETIME_EPOCH = 116444736000000000  # 1601-01-01 → 1970-01-01 in 100 ns ticks

DosTime = tuple[int, int, int, int, int, int]  # year, month, day, hour, minute, second


def dos_time(dt: DosTime) -> float | None:
    year, month, day, hour, minute, second = dt
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 62):
        return None
    # DOS times carry no zone; read as UTC so results do not depend on the host.
    return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)))


def unpack_dos_time(ddate: int, dtime: int) -> DosTime:
    """The fields of a local header's packed DOS date and time."""
    return (
        ((ddate >> 9) & 0x7F) + 1980,
        (ddate >> 5) & 0x0F,
        ddate & 0x1F,
        dtime >> 11,
        (dtime >> 5) & 0x3F,
        (dtime & 0x1F) * 2,
    )


def zip_times(extra: bytes, dos: DosTime) -> tuple[float | None, float | None]:
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
    return dos_time(dos), None


def zip64_sizes(extra: bytes, usize: int, csize: int) -> tuple[int, int]:
    """(uncompressed, compressed) sizes, from the zip64 extra field where they overflowed."""
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
