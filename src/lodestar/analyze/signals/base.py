"""Signal types: perceptual fingerprints of images and videos, as pure functions.

A signal type is a small plug-in with a unique ``name``. It turns an image (``hash_image``) or a
file (``hash_file``) into a :class:`SignalValue` — a text value plus a 0–100 quality where the
algorithm has one — and compares two values with ``distance`` (smaller is more alike; a value
at or under ``max_distance_default`` counts as a match). Nothing here touches a database.

Every built-in type is registered in :data:`signal_types` when ``lodestar.analyze.signals`` is
imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from PIL import Image

from lodestar.registry import Registry


class SignalError(ValueError):
    """Input a signal type cannot fingerprint (corrupt, truncated, not an image/video).

    ``code`` is a short machine-readable reason ("image_unreadable", "video_unreadable", …) that
    a caller can turn into a warning; the message is the human-readable one.
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class SignalValue:
    """One fingerprint: ``type`` is the signal type's name, ``value`` its text form."""

    type: str
    value: str
    quality: int | None


@runtime_checkable
class SignalType(Protocol):
    """What every signal type has: a name, a distance and a default match threshold."""

    name: ClassVar[str]
    max_distance_default: ClassVar[int]

    def distance(self, a: str, b: str) -> int:
        """Distance between two values of this type (0 = identical)."""
        ...


@runtime_checkable
class ImageSignalType(SignalType, Protocol):
    def hash_image(self, img: Image.Image) -> SignalValue | None:
        """Fingerprint a decoded image; None when the image cannot carry one (too small)."""
        ...


@runtime_checkable
class FileSignalType(SignalType, Protocol):
    def hash_file(self, source: str | Path | bytes) -> SignalValue | None:
        """Fingerprint a file (path or bytes); raises SignalError on unreadable input."""
        ...


signal_types: Registry[SignalType] = Registry("signal type")


def hamming_hex(a: str, b: str) -> int:
    """Bits that differ between two equal-length hex strings."""
    if len(a) != len(b):
        raise ValueError(f"hashes of different length: {len(a)} and {len(b)} hex digits")
    return (int(a, 16) ^ int(b, 16)).bit_count()
