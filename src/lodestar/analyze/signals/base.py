"""Signal types: perceptual fingerprints of images and videos, as pure functions.

A signal type is a small plug-in with a unique ``name``, made of capability interfaces in the
style of Meta's python-threatexchange:

* every type (:class:`SignalType`) names the media ``kinds`` it fingerprints, compares two of
  its values with ``distance`` (smaller is more alike; at or under ``max_distance_default``
  counts as a match) and says whether the fast pass computes it (``in_fast_pass``);
* :class:`ImageSignalType` hashes a decoded image (``hash_image``) — the fast pass hands it the
  decode it already made for the thumbnail, so an image is decoded once for every type;
* :class:`FileSignalType` hashes a file's bytes or path (``hash_file``).

A value is a :class:`SignalValue`: text plus a 0–100 quality where the algorithm has one.
Input a type cannot fingerprint raises :class:`SignalError`, which callers store as a warning.
Nothing here touches a database.

The fast pass (``lodestar.analyze.fastpass``) runs every registered type with ``in_fast_pass``
whose ``kinds`` include the file's kind and stores what each returns, so adding a signal type is
one new module that registers it (listed in :data:`signal_types`' built-ins, or a
``lodestar.plugins`` entry point). Types too costly for every file (vPDQ decodes every second of
a video) leave ``in_fast_pass`` False and are computed by name by the stage that needs them.

MD5, SHA-1 and SHA-256 are not signal types: they are the content's identity, computed together
in the single read of the fast pass (``lodestar.analyze.hashing``), kept as columns of the Media
row (SHA-256 is its key) and matched with SQL joins (``lodestar.match.matching``).
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
    """What every signal type has: a name, the media kinds it fingerprints, a distance and a
    default match threshold, and whether the fast pass computes it for every file."""

    name: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]]  # media kinds ("image", "video", …) it fingerprints
    in_fast_pass: ClassVar[bool]
    max_distance_default: ClassVar[int]

    def distance(self, a: str, b: str) -> int:
        """Distance between two values of this type (0 = identical; symmetric)."""
        ...


@runtime_checkable
class ImageSignalType(SignalType, Protocol):
    def hash_image(
        self, img: Image.Image, *, full_size: tuple[int, int] | None = None
    ) -> SignalValue | None:
        """Fingerprint a decoded image; None when the image cannot carry one (too small).

        ``img`` may be a reduced decode (JPEG DCT scaling, Pillow ``draft``) of an image of
        ``full_size`` (width, height) — how the fast pass decodes — and must not be modified:
        the fast pass makes its thumbnail from it afterwards. Raises SignalError (or
        ValueError) for an image it cannot fingerprint.
        """
        ...


@runtime_checkable
class FileSignalType(SignalType, Protocol):
    def hash_file(self, source: str | Path | bytes) -> SignalValue | None:
        """Fingerprint a file (path or bytes); raises SignalError on unreadable input.

        A path may be evidence: open it read-only (``lodestar.evidence.sniff.open_readonly``).
        """
        ...


signal_types: Registry[SignalType] = Registry(
    "signal type",
    builtins=("lodestar.analyze.signals.pdq", "lodestar.analyze.signals.vpdq"),
)


def fast_pass_types(kind: str) -> list[SignalType]:
    """The registered types the fast pass computes for a file of ``kind``, by name."""
    return [t for t in signal_types if t.in_fast_pass and kind in t.kinds]


def hamming_hex(a: str, b: str) -> int:
    """Bits that differ between two equal-length hex strings."""
    if len(a) != len(b):
        raise ValueError(f"hashes of different length: {len(a)} and {len(b)} hex digits")
    return (int(a, 16) ^ int(b, 16)).bit_count()
