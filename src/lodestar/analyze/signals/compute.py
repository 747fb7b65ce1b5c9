"""The fast pass's signal step: run every registered type that fits a file, failures as data.

Which types run comes from the registry (:func:`~lodestar.analyze.signals.base.fast_pass_types`),
never from a list here, so a newly registered type is computed and stored without editing the
fast pass. A type that cannot fingerprint a file gives a ``<name>_failed`` problem for the
caller to store as a warning; the other types' values are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from lodestar.analyze.signals.base import (
    FileSignalType,
    ImageSignalType,
    SignalError,
    SignalType,
    SignalValue,
    fast_pass_types,
)


@dataclass
class SignalRun:
    values: list[SignalValue] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (code, reason) per type

    def fail(self, signal_type: SignalType, exc: Exception) -> None:
        name = signal_type.name
        self.failures.append((f"{name}_failed", f"no {name.upper()}: {exc}"))

    def keep(self, value: SignalValue | None) -> None:
        if value is not None:
            self.values.append(value)


def hash_decoded_image(img: Image.Image, full_size: tuple[int, int]) -> SignalRun:
    """Every fast-pass image type that hashes decoded images, on the fast pass's own decode
    (``img`` may be a reduced ``draft`` of an image of ``full_size``).

    SignalError/ValueError become failures; anything else (pixel data that breaks part-way)
    propagates, for the caller to report as a corrupt image, and discards every value.
    """
    run = SignalRun()
    for signal_type in fast_pass_types("image"):
        if not isinstance(signal_type, ImageSignalType):
            continue
        try:
            run.keep(signal_type.hash_image(img, full_size=full_size))
        except (SignalError, ValueError) as exc:
            run.fail(signal_type, exc)
    return run


def hash_file(kind: str, source: str | Path | bytes) -> SignalRun:
    """Every fast-pass type for ``kind`` that hashes files, on the file's bytes (or path).

    Image types that hash decoded images are left to :func:`hash_decoded_image`, on the decode
    the fast pass makes anyway (one decode, one value per type).
    """
    run = SignalRun()
    for signal_type in fast_pass_types(kind):
        if kind == "image" and isinstance(signal_type, ImageSignalType):
            continue
        if not isinstance(signal_type, FileSignalType):
            continue
        try:
            run.keep(signal_type.hash_file(source))
        except (SignalError, ValueError) as exc:
            run.fail(signal_type, exc)
    return run
