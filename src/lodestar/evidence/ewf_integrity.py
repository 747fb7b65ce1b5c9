"""E01/Ex01 integrity: the hashes stored at acquisition, checked against the media data.

An EWF image records the MD5 (and often SHA-1) of the acquired media. ``verify`` reads every
media byte through pyewf (segments found by ``pyewf.glob``, opened read-only without touching
atime) and compares. ``integrity_failed`` (a loud warning on the source, spec ""): a stored
hash differs from the data, or the data cannot be read to the end; the image is still walked.
``integrity_unverified``: the image stores no hash to check against.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyewf

from lodestar.evidence.base import EntryWarning
from lodestar.evidence.sniff import open_readonly

CHUNK = 4 * 1024 * 1024
_ALGORITHMS = {"MD5": "md5", "SHA1": "sha1"}


@dataclass
class EwfIntegrity:
    stored: dict[str, str] = field(default_factory=dict)  # "md5"/"sha1" → hex, as recorded
    computed: dict[str, str] = field(default_factory=dict)
    media_size: int = 0
    error: str | None = None

    @property
    def mismatched(self) -> list[str]:
        return [k for k, v in self.stored.items() if self.computed.get(k) not in (None, v)]

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.stored) and not self.mismatched

    def as_detail(self) -> dict[str, Any]:
        """For a custody entry."""
        return {
            "stored": self.stored,
            "computed": self.computed,
            "media_size": self.media_size,
            "verified": self.ok,
            "error": self.error,
        }


def verify(path: str) -> EwfIntegrity:
    result = EwfIntegrity()
    files: list[Any] = []
    handle = pyewf.handle()
    try:
        segments = sorted(pyewf.glob(path))
        files = [os.fdopen(open_readonly(seg), "rb") for seg in segments]
        handle.open_file_objects(files, "r")
        for name, key in _ALGORITHMS.items():
            value = handle.get_hash_value(name)
            if value:
                result.stored[key] = str(value).strip().lower()
        result.media_size = int(handle.get_media_size())
        digests = {key: hashlib.new(key) for key in _ALGORITHMS.values()}
        left = result.media_size
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                raise OSError(f"media data ends {left} bytes early")
            for d in digests.values():
                d.update(chunk)
            left -= len(chunk)
        result.computed = {k: d.hexdigest() for k, d in digests.items()}
    except (OSError, ValueError, TypeError, RuntimeError, MemoryError) as exc:
        result.error = str(exc) or type(exc).__name__
    finally:
        with contextlib.suppress(OSError, ValueError, RuntimeError):  # never opened
            handle.close()
        for f in files:
            f.close()
    return result


def integrity_warnings(path: str) -> Iterator[EntryWarning]:
    result = verify(path)
    if result.error is not None:
        yield EntryWarning(
            "", "integrity_failed", f"EWF image could not be verified: {result.error}"
        )
    elif not result.stored:
        yield EntryWarning(
            "", "integrity_unverified", "EWF image stores no MD5 or SHA-1 to verify against"
        )
    for key in result.mismatched:
        yield EntryWarning(
            "",
            "integrity_failed",
            f"INTEGRITY FAILED: stored {key.upper()} {result.stored[key]} != media data "
            f"{result.computed[key]}; the image is not what was acquired",
        )
