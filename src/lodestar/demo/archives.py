"""Deterministic zip and tar.gz writers (fixed times, owners and modes)."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from collections.abc import Iterable
from datetime import datetime

STORED_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".mp4", ".zip", ".gz")


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    year = min(max(when.year, 1980), 2107)
    return (year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)


Member = tuple[str, bytes, datetime, int]  # name, data, local wall-clock time, epoch seconds


def build_zip(members: Iterable[Member]) -> bytes:
    """A zip of members in the given order (zip stores local wall-clock times)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, when, _epoch in members:
            info = zipfile.ZipInfo(name, date_time=_zip_time(when))
            stored = name.lower().endswith(STORED_SUFFIXES)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, data)
    return buf.getvalue()


def build_tar_gz(members: Iterable[Member], mtime: int) -> bytes:
    """A gzip-compressed tar of members (tar stores epoch seconds); ``mtime`` is the gzip's."""
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime, compresslevel=6) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data, _when, epoch in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = epoch
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()
