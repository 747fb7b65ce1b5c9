"""Clue extractors: the contract between a registered extractor and the deep-pass mediator.

A clue is a typed, sourced finding about one media (a camera serial, a GPS fix, a place, a line
of text and its language, a capture time with its offset, …). Extractors are small plug-ins with
a unique ``name`` and a ``version``; they read one materialised file and *return* clues and
warnings. They never write to the store: the mediator (``lodestar.clues.deep``) stamps provenance
(stage, extractor name and version, media SHA-256) and writes them (DESIGN.md §4).

Three different results, as in plaso: "not my kind of file" (``applies_to`` is False), "failed"
(an :class:`ExtractResult` with warnings and no clues), "partly recovered" (clues *and* warnings).
An extractor must not raise for bad input; it returns a warning instead. A raise is a bug and the
mediator turns it into an ``extractor_crashed`` warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from lodestar.registry import Registry

# Clue kinds with a documented payload (``ClueValue.value``). Extractors may add kinds; these are
# the ones later stages (jurisdiction, series, search, leads) read.
CLUE_KINDS: dict[str, str] = {
    "camera": "{make, model}",
    "camera_serial": "{make, model, serial, tag} — body serial (SerialNumber, InternalSerial…)",
    "lens_serial": "{lens, serial}",
    "software": "{software}",
    "owner": "{owner, tag}",
    "capture_time": "{local: ISO without offset, offset: '+02:00'|None, utc: ISO|None, tag}",
    "gps": "{lat, lon, alt|None, tag}",
    "place": "{country_code, country, region, town, distance_km, lat, lon}",
    "text": "{text, confidence, boxes: [[x, y, w, h, word, conf], …], language|None}",
    "language": "{language: ISO 639-1/3, probability, countries: [CC, …]}",
    "keyframe": "{timestamp, path (derived, relative), scene_change: bool}",
}


@dataclass(frozen=True)
class ClueInput:
    """One media handed to an extractor: a readable file plus what the fast pass already knows."""

    sha256: str
    path: Path  # read-only: a file in the evidence or a spooled copy of an archive member
    kind: str  # "image" | "video"
    mime: str | None = None
    width: int | None = None
    height: int | None = None
    # Where derived artifacts (keyframes, contact sheets) may be written, content-addressed.
    derived: Path | None = None


@dataclass(frozen=True)
class ClueValue:
    kind: str
    value: dict[str, Any]
    text: str  # short human/searchable form, e.g. "Canon EOS 5D Mark IV #0123456789"
    confidence: float = 1.0
    position: float | None = None  # seconds into a video (keyframe provenance), else None


@dataclass(frozen=True)
class ClueWarning:
    code: str  # short machine-readable reason: exiftool_timeout, gps_out_of_range, …
    message: str


@dataclass
class ExtractResult:
    clues: list[ClueValue] = field(default_factory=list)
    warnings: list[ClueWarning] = field(default_factory=list)
    raw: dict[str, Any] | None = None  # the tool's raw output, kept beside the typed clues


@runtime_checkable
class ClueExtractor(Protocol):
    name: ClassVar[str]
    version: ClassVar[str]
    stage: ClassVar[str]  # metadata | places | ocr | keyframes | …

    def applies_to(self, item: ClueInput) -> bool: ...

    def extract(self, item: ClueInput) -> ExtractResult: ...

    def close(self) -> None:
        """Release long-lived resources (an exiftool process, a Tesseract engine)."""
        ...


clue_extractors: Registry[ClueExtractor] = Registry("clue extractor")
