"""Limits on what a container walk expands, and the state one walk carries.

``archive_bomb`` guards: a member declaring more than ``settings.max_member_bytes``, or more
than ``RATIO_MIN_BYTES`` at a ratio above ``settings.max_expansion_ratio``, is refused; reads
are bounded to the declared size + 1 byte. Every top-level container (with everything nested
in it) also has a total budget of decompressed bytes, ``expansion_limit``: the ratio × the
container's size, at least ``TOTAL_EXPANSION_FLOOR``, at most ``TOTAL_EXPANSION_FACTOR`` ×
``max_member_bytes``. Exhausting it stops the walk of that container.
"""

from __future__ import annotations

import lzma
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from lodestar.config import Settings
from lodestar.evidence.base import SkipFn

MiB = 1024 * 1024
RATIO_MIN_BYTES = 16 * MiB  # the expansion-ratio guard applies above this size
TOTAL_EXPANSION_FACTOR = 64  # total budget per top-level archive: at most 64 × max_member_bytes
TOTAL_EXPANSION_FLOOR = 1024 * MiB  # … and at least 1 GiB, whatever the archive's size

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


class Refused(Exception):
    """One member refused (bomb, damage); the caller decides whether the walk can go on."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class StopArchive(Refused):
    """The rest of this archive cannot be walked safely (budget spent, stream bomb)."""


def expansion_limit(settings: Settings, archive_size: int) -> int:
    """Total decompressed bytes allowed from one top-level archive and its nested archives."""
    by_ratio = int(settings.max_expansion_ratio * max(archive_size, 0))
    return min(
        TOTAL_EXPANSION_FACTOR * settings.max_member_bytes,
        max(TOTAL_EXPANSION_FLOOR, by_ratio),
    )


class Budget:
    """Decompressed bytes left to one top-level container; spent by every nested level."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.exhausted = False

    def _stop(self) -> StopArchive:
        self.exhausted = True
        return StopArchive(
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
class WalkContext:
    """What every level of one container walk shares: limits, resume, spool folder, budget."""

    settings: Settings
    skip: SkipFn | None
    spool_dir: Path | None
    budget: Budget

    def skipped(self, spec: str) -> bool:
        return self.skip is not None and self.skip(spec)


def size_refusal(size: int, compressed: int | None, settings: Settings) -> str | None:
    """Why a member declaring ``size`` bytes (from ``compressed`` stored ones) is refused."""
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
