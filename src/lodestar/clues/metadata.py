"""The ``metadata`` clue extractor: exiftool (EXIF, XMP, IPTC, maker notes, video tracks) → clues.

One ``exiftool -stay_open`` process per extractor instance, i.e. per worker process (the
registered instance is created at import, so each worker gets its own). Without exiftool every
result carries an ``exiftool_missing`` warning and the clues come from Pillow's EXIF reader
(camera, serial, owner, software, time with offset, GPS — no XMP, IPTC, maker notes or video).
"""

from __future__ import annotations

import logging
import warnings as pywarnings
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

from PIL import ExifTags, Image

from lodestar.clues.base import (
    ClueInput,
    ClueWarning,
    ExtractResult,
    Products,
    WorkerResource,
    clue_extractors,
)
from lodestar.clues.exiftool import (
    DEFAULT_TIMEOUT,
    EMBEDDED_ARGS,
    ExifToolMissing,
    ExifToolProcess,
    ExifToolResult,
)
from lodestar.clues.metadata_tags import normalise

log = logging.getLogger(__name__)

# EXIF tag ids → the names exiftool gives them (so one normaliser serves both readers).
_IFD0 = {0x010F: "Make", 0x0110: "Model", 0x0131: "Software", 0x0132: "ModifyDate",
         0x013B: "Artist", 0x8298: "Copyright"}
_EXIF = {0x9003: "DateTimeOriginal", 0x9004: "CreateDate", 0x9010: "OffsetTime",
         0x9011: "OffsetTimeOriginal", 0x9012: "OffsetTimeDigitized", 0x882A: "TimeZoneOffset",
         0xA430: "OwnerName", 0xA431: "SerialNumber", 0xA434: "LensModel",
         0xA435: "LensSerialNumber"}
_GPS = {1: "GPSLatitudeRef", 2: "GPSLatitude", 3: "GPSLongitudeRef", 4: "GPSLongitude",
        5: "GPSAltitudeRef", 6: "GPSAltitude"}


class MetadataExtractor(WorkerResource):
    name: ClassVar[str] = "metadata"
    version: ClassVar[str] = "1.0"
    stage: ClassVar[str] = "metadata"
    accepts: ClassVar[frozenset[str]] = frozenset({"image", "video"})
    needs: ClassVar[tuple[str, ...]] = ()
    resource: ClassVar[str] = "exiftool -stay_open process"

    def __init__(
        self,
        *,
        executable: str = "exiftool",
        timeout: float = DEFAULT_TIMEOUT,
        places: bool = True,
    ) -> None:
        self.places = places
        self._tool = ExifToolProcess(executable, timeout=timeout)
        self._missing: str | None = None  # why exiftool is unusable, once found out

    @property
    def tool(self) -> ExifToolProcess:
        return self._tool

    def extract(self, item: ClueInput, products: Products | None = None) -> ExtractResult:
        if not item.path.is_file():
            msg = f"{item.path}: not a readable file"
            return ExtractResult(warnings=[ClueWarning("file_unreadable", msg)])
        result = ExtractResult()
        tags = self._exiftool(item, result)
        if tags is None and item.kind == "image":
            tags = pillow_tags(item.path, result.warnings)
            if tags is not None:
                result.raw = {"tool": "pillow", "tags": tags}
        if tags is not None:
            clues, warnings = normalise(tags, places=self.places)
            result.clues += clues
            result.warnings += [_named(w, item.path) for w in warnings]
        return result

    def _exiftool(self, item: ClueInput, result: ExtractResult) -> dict[str, Any] | None:
        if self._missing is None:
            try:
                extra = EMBEDDED_ARGS if item.kind == "video" else ()
                done: ExifToolResult = self._tool.execute(item.path, extra)
            except ExifToolMissing as exc:
                self._missing = str(exc)
                log.warning("%s; falling back to Pillow (EXIF only)", exc)
            else:
                result.warnings += done.warnings
                if done.tags is not None:
                    result.raw = {"tool": "exiftool", "tags": done.tags}
                return done.tags
        msg = f"{item.path}: {self._missing}; Pillow EXIF fallback used"
        result.warnings.append(ClueWarning("exiftool_missing", msg))
        return None

    def close(self) -> None:
        self._tool.close()


def _named(warning: ClueWarning, path: Path) -> ClueWarning:
    if str(path) in warning.message:
        return warning
    return ClueWarning(warning.code, f"{path}: {warning.message}")


# -- Pillow fallback -------------------------------------------------------------------------


def pillow_tags(path: Path, warnings: list[ClueWarning]) -> dict[str, Any] | None:
    """EXIF through Pillow, keyed like exiftool's ``-G1 -n`` JSON. None when there is none."""
    try:
        with pywarnings.catch_warnings(record=True) as caught, Image.open(path) as img:
            pywarnings.simplefilter("always")
            exif = img.getexif()
            tags = _ifd_tags(exif, _IFD0, "IFD0")
            tags |= _ifd_tags(exif.get_ifd(ExifTags.IFD.Exif), _EXIF, "ExifIFD")
            tags |= _gps_tags(exif.get_ifd(ExifTags.IFD.GPSInfo))
    except Exception as exc:  # Pillow raises many types for damaged files; all mean the same
        warnings.append(ClueWarning("exif_unreadable", f"{path}: Pillow: {exc!r}"))
        return None
    for message in dict.fromkeys(str(w.message) for w in caught):  # "Truncated File Read", …
        warnings.append(ClueWarning("metadata_warning", f"{path}: Pillow: {message}"))
    return tags or None


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").rstrip("\x00")
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Fraction) or hasattr(value, "numerator"):
        return float(value) if value.denominator else None
    return value


def _ifd_tags(ifd: Any, names: dict[int, str], group: str) -> dict[str, Any]:
    return {f"{group}:{names[k]}": _plain(v) for k, v in ifd.items() if k in names}


def _dms(value: Any) -> float | None:
    parts = _plain(value)
    if not isinstance(parts, list) or len(parts) != 3 or None in parts:
        return None
    return float(parts[0]) + float(parts[1]) / 60 + float(parts[2]) / 3600


def _gps_tags(ifd: Any) -> dict[str, Any]:
    tags = {f"GPS:{_GPS[k]}": _plain(v) for k, v in ifd.items() if k in _GPS}
    ref = ifd.get(5)  # GPSAltitudeRef is a BYTE: b"\x01" means below sea level
    if isinstance(ref, bytes) and len(ref) == 1:
        tags["GPS:GPSAltitudeRef"] = ref[0]
    for name in ("GPSLatitude", "GPSLongitude"):
        if f"GPS:{name}" in tags:
            tags[f"GPS:{name}"] = _dms(ifd.get(2 if name == "GPSLatitude" else 4))
    stamp, date = ifd.get(7), ifd.get(29)  # GPSTimeStamp (h, m, s), GPSDateStamp "Y:M:D"
    try:
        h, m, s = (int(float(x)) for x in stamp)
        tags["Composite:GPSDateTime"] = f"{_plain(date)} {h:02d}:{m:02d}:{s:02d}Z"
    except (TypeError, ValueError):  # absent or damaged: just no GPS time
        pass
    return tags


clue_extractors.register(MetadataExtractor())
