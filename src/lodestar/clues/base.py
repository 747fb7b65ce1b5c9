"""Clue extractors: the contract between a registered extractor and the deep-pass mediator.

A clue is a typed, sourced finding about one media (a camera serial, a GPS fix, a place, a line
of text and its language, a capture time with its offset, …). Extractors are small plug-ins with
a unique ``name`` and a ``version``; they read one materialised file and *return* clues and
warnings. They never write to the store: the mediator (``lodestar.clues.mediator``) stamps
provenance (stage, extractor name and version, media SHA-256) and writes them (DESIGN.md §4).

What an extractor declares, so the deep pass needs no list of them and no probing:

- ``accepts``: the media kinds it reads ("image", "video"); other media are not its kind;
- ``needs``: extractors whose *products* it reads (OCR reads the video's keyframes), which
  therefore run before it on each media (:mod:`lodestar.clues.plan` sorts them);
- :class:`ProductMaker`: an extractor that makes such a product (an in-memory keyframe scan);
- :class:`WorkerResource`: an extractor that keeps one costly resource per worker process
  (an exiftool process, a Tesseract engine), opened on first use and released by ``close``.

Three different results, as in plaso: "not my kind of file" (the kind is not in ``accepts``),
"failed" (an :class:`ExtractResult` with warnings and no clues), "partly recovered" (clues *and*
warnings). An extractor must not raise for bad input; it returns a warning instead. A raise is a
bug and the mediator turns it into an ``extractor_crashed`` warning.

Adding an extractor: one module that registers an instance in :data:`clue_extractors`, named
in the registry's ``builtins`` (or a ``lodestar.plugins`` entry point for a third party).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

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
    """What every extractor declares and does."""

    name: ClassVar[str]
    version: ClassVar[str]  # a new version re-runs the extractor on every media
    stage: ClassVar[str]  # the provenance stage of its clues: metadata | keyframes | ocr | …
    accepts: ClassVar[frozenset[str]]  # media kinds it reads: "image", "video"
    needs: ClassVar[tuple[str, ...]]  # extractors whose products it reads (they run first)

    def extract(self, item: ClueInput, products: Products | None = None) -> ExtractResult:
        """Clues and warnings of one media. ``products``: what extractors named in ``needs``
        made of this media (None: make them as needed, e.g. when called on its own)."""
        ...


class ProductMaker(ABC):
    """Capability: the extractor also makes an in-memory product of a media for the extractors
    that name it in ``needs`` (keyframes: the video's decoded keyframe scan, which OCR reads).
    Making the product writes no file and no clue; it is made once per media and shared."""

    @abstractmethod
    def make_product(self, item: ClueInput) -> object: ...


class WorkerResource(ABC):
    """Capability: the extractor keeps one costly resource per worker process (each process
    holds its own registered instances), opened on first use, reused for every media and
    released by :meth:`close` when the pass ends."""

    resource: ClassVar[str]  # what it keeps open, e.g. "exiftool -stay_open process"

    @abstractmethod
    def close(self) -> None: ...


P = TypeVar("P")


class Products:
    """The products of one media, each made once, by its maker, on first request.

    The mediator keeps one per media across its extractors, so OCR reads the keyframes the
    keyframe extractor decoded; an extractor called on its own gets a fresh one. A product
    that failed to be made (its maker raised) is not kept: the next request tries again.
    """

    def __init__(
        self, item: ClueInput, lookup: Callable[[str], ClueExtractor] | None = None
    ) -> None:
        self.item = item
        self._lookup = lookup or clue_extractors.get
        self._made: dict[str, object] = {}

    def of(self, maker: ClueExtractor, kind: type[P]) -> P:
        """``maker``'s product of this media (made now if not yet), checked to be a ``kind``."""
        if maker.name not in self._made:
            if not isinstance(maker, ProductMaker):
                raise TypeError(f"clue extractor {maker.name!r} makes no product")
            self._made[maker.name] = maker.make_product(self.item)
        product = self._made[maker.name]
        if not isinstance(product, kind):
            raise TypeError(f"{maker.name!r} made a {type(product).__name__}, not {kind.__name__}")
        return product

    def get(self, name: str, kind: type[P]) -> P:
        """The product of the registered extractor ``name`` (one named in ``needs``)."""
        return self.of(self._lookup(name), kind)


clue_extractors: Registry[ClueExtractor] = Registry(
    "clue extractor",
    # The built-in extractors. Independent extractors run in this order on each media (after
    # what they need), so a media's clues are stored in a stable order.
    builtins=("lodestar.clues.metadata", "lodestar.clues.keyframes", "lodestar.clues.ocr"),
)
