"""Metadata tags (exiftool ``-json -G3:1 -n`` keys, or the same keys built from Pillow) → clues.

Makers store the same fact under different tags and groups: a body serial is
``ExifIFD:SerialNumber`` (EXIF 2.3 BodySerialNumber), ``XMP-aux:SerialNumber``,
``Canon:SerialNumber``, ``Nikon:SerialNumber``, ``Canon:InternalSerialNumber``, …; a capture
time is ``DateTimeOriginal`` plus ``OffsetTimeOriginal`` or a maker ``TimeZone``, or an XMP date
with its own offset, or a QuickTime date in UTC. This module picks by documented preference and
keeps the tag each value came from, so an analyst can check it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lodestar.clues.base import ClueValue, ClueWarning
from lodestar.clues.places import (
    InvalidCoordinates,
    PlacesDataMissing,
    check_coordinates,
    reverse_geocode,
)

# Groups a photo's standard metadata lives in; anything else (Canon, Nikon, Sony, …) is a
# maker note and ranks a little lower for the same tag.
STANDARD_GROUPS = ("IFD0", "ExifIFD", "GPS", "Composite", "XMP-aux", "XMP-exifEX", "XMP-tiff")
QUICKTIME_UTC_GROUPS = ("QuickTime", "Track", "Media")  # QuickTime dates are UTC by spec

BODY_SERIAL_TAGS = {
    "SerialNumber": 1.0,
    "BodySerialNumber": 1.0,
    "CameraSerialNumber": 1.0,
    "InternalSerialNumber": 0.8,  # maker-internal: a different number, still stable per body
    "InternalBodySerialNumber": 0.8,
}
LENS_NAME_TAGS = ("LensModel", "LensID", "Lens", "LensType")
SOFTWARE_TAGS = ("Software", "CreatorTool", "ProcessingSoftware", "HistorySoftwareAgent")
OWNER_TAGS = {
    "OwnerName": 1.0,
    "CameraOwnerName": 1.0,
    "Artist": 0.8,
    "Creator": 0.8,
    "By-line": 0.8,
    "Author": 0.7,
    "XPAuthor": 0.7,
    "Copyright": 0.6,
    "Rights": 0.6,
    "CopyrightNotice": 0.6,
}
# (time tag, the EXIF offset tag that belongs to it, confidence)
TIME_TAGS = (
    ("DateTimeOriginal", "OffsetTimeOriginal", 1.0),
    ("SubSecDateTimeOriginal", "OffsetTimeOriginal", 1.0),
    ("CreateDate", "OffsetTimeDigitized", 0.9),
    ("DateCreated", None, 0.9),
    ("CreationDate", None, 0.9),
    ("DateTimeCreated", None, 0.9),
    ("ModifyDate", "OffsetTime", 0.6),
)
OFFSET_TAGS = ("OffsetTimeOriginal", "OffsetTimeDigitized", "OffsetTime")
_JUNK = {"", "unknown", "n/a", "na", "none", "null", "not set", "default", "-", "0"}
_DT = re.compile(
    r"^(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
    r"\s*(Z|[+\-]\d{2}:?\d{2})?"
)
_OFFSET = re.compile(r"^([+\-])(\d{1,2}):?(\d{2})$")


@dataclass(frozen=True)
class Tag:
    group: str
    name: str
    value: Any

    @property
    def key(self) -> str:
        return f"{self.group}:{self.name}"


class Tags:
    """The main document's tags by name (all groups), plus embedded documents (video tracks)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.by_name: dict[str, list[Tag]] = {}
        self.docs: dict[str, dict[str, Tag]] = {}
        for key, value in raw.items():
            parts = key.split(":")
            if len(parts) == 2:
                tag = Tag(parts[0], parts[1], value)
                self.by_name.setdefault(tag.name, []).append(tag)
            elif len(parts) == 3 and parts[0].startswith("Doc"):
                doc_tag = Tag(f"{parts[0]}:{parts[1]}", parts[2], value)
                self.docs.setdefault(parts[0], {})[parts[2]] = doc_tag

    def all(self, name: str) -> list[Tag]:
        """Every tag of that name, standard groups first, then maker notes, in file order."""
        tags = self.by_name.get(name, [])
        return sorted(tags, key=lambda t: 0 if t.group in STANDARD_GROUPS else 1)

    def first(self, name: str, group: str | None = None) -> Tag | None:
        for tag in self.all(name):
            if group is None or tag.group == group:
                return tag
        return None

    def text(self, name: str) -> str | None:
        for tag in self.all(name):
            value = clean_text(tag.value)
            if value:
                return value
        return None


def clean_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v not in (None, ""))
    if value is None or isinstance(value, dict):
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def is_junk_serial(serial: str) -> bool:
    return serial.strip().lower() in _JUNK or set(serial.strip()) <= {"0", " ", "-", "."}


# -- time ------------------------------------------------------------------------------------


def parse_datetime(value: Any) -> tuple[datetime, int | None] | None:
    """An EXIF/XMP/QuickTime date-time → (naive wall-clock time, offset minutes or None)."""
    m = _DT.match(str(value).strip())
    if not m:
        return None
    y, mo, d, h, mi = (int(m.group(i)) for i in range(1, 6))
    sec = int(m.group(6) or 0)
    micro = int(round(float(m.group(7)) * 1_000_000)) if m.group(7) else 0
    try:
        when = datetime(y, mo, d, h, mi, min(sec, 59), min(micro, 999_999))
    except ValueError:
        return None
    if y < 1970:  # 0000:00:00 and 1904/1970 epochs are unset clocks, not capture times
        return None
    zone = m.group(8)
    return when, (0 if zone == "Z" else parse_offset(zone) if zone else None)


def parse_offset(value: Any) -> int | None:
    """'+02:00', '+0200', 'Z' → minutes. Plain numbers are minutes (maker TimeZone)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        minutes = int(value)
        return minutes if abs(minutes) <= 14 * 60 else None
    text = str(value).strip()
    if text == "Z":
        return 0
    m = _OFFSET.match(text)
    if not m:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3))
    if minutes > 14 * 60:
        return None
    return -minutes if m.group(1) == "-" else minutes


def offset_text(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _offset_hours(value: Any) -> int | None:
    # ExifIFD:TimeZoneOffset is whole hours, "h" or "h h" (original, modify).
    first = str(value).split()[0] if str(value).split() else ""
    try:
        hours = int(float(first))
    except ValueError:
        return None
    return hours * 60 if abs(hours) <= 14 else None


def find_offset(tags: Tags, preferred: str | None) -> tuple[int, str] | None:
    names = ([preferred] if preferred else []) + [n for n in OFFSET_TAGS if n != preferred]
    for name in names:
        for tag in tags.all(name):
            minutes = parse_offset(tag.value)
            if minutes is not None:
                return minutes, tag.key
    for tag in tags.all("TimeZoneOffset"):
        minutes = _offset_hours(tag.value)
        if minutes is not None:
            return minutes, tag.key
    for tag in tags.all("TimeZone"):  # maker notes: Canon, Nikon, Olympus, …
        minutes = parse_offset(tag.value)
        if minutes is not None:
            dst = tags.first("DaylightSavings", tag.group)
            if dst is not None and isinstance(dst.value, int) and dst.value in (0, 60):
                minutes += dst.value
            return minutes, tag.key
    return None


def offset_from_gps(tags: Tags, local: datetime) -> tuple[int, str] | None:
    """Local time minus GPS (UTC) time, when it is a whole quarter-hour within a few minutes."""
    tag = tags.first("GPSDateTime")
    parsed = parse_datetime(tag.value) if tag is not None else None
    if tag is None or parsed is None:
        return None
    diff = (local - parsed[0]).total_seconds() / 60
    quarter = round(diff / 15) * 15
    if abs(quarter) > 14 * 60 or abs(diff - quarter) > 5:
        return None
    return int(quarter), tag.key


def _time_candidates(tags: Tags) -> Iterator[tuple[Tag, str | None, float]]:
    # QuickTime's UTC dates last: a local date with its offset says more.
    later = []
    for name, offset_name, confidence in TIME_TAGS:
        for tag in tags.all(name):
            if tag.group.startswith(QUICKTIME_UTC_GROUPS):
                later.append((tag, offset_name, confidence * 0.8))
            else:
                yield tag, offset_name, confidence
    yield from later


def capture_time(tags: Tags) -> ClueValue | None:
    for tag, offset_name, confidence in _time_candidates(tags):
        parsed = parse_datetime(tag.value)
        if parsed is None:
            continue
        when, own_offset = parsed
        if own_offset is None and tag.group.startswith(QUICKTIME_UTC_GROUPS):
            return _time_clue(None, None, tag.key, None, when, confidence)
        found = (own_offset, tag.key) if own_offset is not None else None
        found = found or find_offset(tags, offset_name) or offset_from_gps(tags, when)
        offset, offset_tag = found if found else (None, None)
        return _time_clue(when, offset, tag.key, offset_tag, None, confidence)
    return None


def _time_clue(
    local: datetime | None,
    offset: int | None,
    tag: str,
    offset_tag: str | None,
    utc: datetime | None,
    confidence: float,
) -> ClueValue:
    if utc is None and local is not None and offset is not None:
        utc = local - timedelta(minutes=offset)
    off = offset_text(offset) if offset is not None else None
    value = {
        "local": local.isoformat() if local else None,
        "offset": off,
        "utc": utc.isoformat() + "Z" if utc else None,
        "tag": tag,
        "offset_tag": offset_tag,
    }
    shown = f"{local.isoformat(sep=' ')} {off or '(no offset)'}" if local else f"{utc} UTC"
    return ClueValue("capture_time", value, shown, confidence)


# -- gps -------------------------------------------------------------------------------------


def _signed(value: Any, ref: Any, negative: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if isinstance(ref, str) and ref.strip().upper().startswith(negative) and number > 0:
        number = -number
    return number


def _coordinates(found: dict[str, Tag]) -> tuple[float | None, float | None, float | None, str]:
    if "GPSCoordinates" in found and "GPSLatitude" not in found:  # QuickTime "lat lon alt"
        parts = str(found["GPSCoordinates"].value).replace(",", " ").split()
        nums = [float(p) for p in parts if _is_number(p)]
        if len(nums) >= 2:
            alt = nums[2] if len(nums) > 2 else None
            return nums[0], nums[1], alt, found["GPSCoordinates"].key
        return None, None, None, found["GPSCoordinates"].key
    lat_tag, lon_tag = found.get("GPSLatitude"), found.get("GPSLongitude")
    if lat_tag is None or lon_tag is None:
        return None, None, None, ""
    ref = found.get("GPSLatitudeRef")
    lat = _signed(lat_tag.value, ref.value if ref else None, "S")
    ref = found.get("GPSLongitudeRef")
    lon = _signed(lon_tag.value, ref.value if ref else None, "W")
    alt = None
    if "GPSAltitude" in found:
        ref = found.get("GPSAltitudeRef")
        alt = _signed(found["GPSAltitude"].value, str(ref.value) if ref else None, "1")
    return lat, lon, alt, lat_tag.key


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_GPS_NAMES = (
    "GPSLatitude",
    "GPSLongitude",
    "GPSLatitudeRef",
    "GPSLongitudeRef",
    "GPSAltitude",
    "GPSAltitudeRef",
    "GPSCoordinates",
)


def _main_gps_tags(tags: Tags) -> dict[str, Tag]:
    # Composite carries signed values; else one group (GPS, XMP-exif, Keys) with its refs.
    composite = {n: t for n in _GPS_NAMES if (t := tags.first(n, "Composite")) is not None}
    if "GPSLatitude" in composite and "GPSLongitude" in composite:
        return composite
    for tag in tags.all("GPSLatitude") + tags.all("GPSCoordinates"):
        group = {n: t for n in _GPS_NAMES if (t := tags.first(n, tag.group)) is not None}
        if ("GPSLatitude" in group and "GPSLongitude" in group) or "GPSCoordinates" in group:
            return group
    return {}


def gps_clue(tags: Tags) -> tuple[ClueValue | None, list[ClueWarning]]:
    found = _main_gps_tags(tags)
    if found:
        return _gps_value(found, None)
    return _track_gps(tags)


def _gps_value(
    found: dict[str, Tag], position: float | None
) -> tuple[ClueValue | None, list[ClueWarning]]:
    lat, lon, alt, key = _coordinates(found)
    if lat is None or lon is None:
        return None, [ClueWarning("gps_unreadable", f"{key}: GPS tags present but unreadable")]
    try:
        check_coordinates(lat, lon)
    except InvalidCoordinates as exc:
        return None, [ClueWarning(exc.code, f"{key}: {exc} — no GPS clue")]
    lat, lon = round(lat, 7), round(lon, 7)  # ~1 cm; drops float noise from DMS rationals
    value = {"lat": lat, "lon": lon, "alt": alt, "tag": key}
    return ClueValue("gps", value, f"{lat:.6f}, {lon:.6f}", 1.0, position), []


def _track_gps(tags: Tags) -> tuple[ClueValue | None, list[ClueWarning]]:
    """The first valid fix in a video's embedded GPS track (-ee), with its time in the video."""
    invalid: list[ClueWarning] = []
    docs = sorted(tags.docs.items(), key=lambda kv: int(re.sub(r"\D", "", kv[0]) or 0))
    for _, doc in docs:
        found = {n: doc[n] for n in _GPS_NAMES if n in doc}
        if not found:
            continue
        position = _seconds(doc.get("SampleTime"))
        clue, warnings = _gps_value(found, position)
        if clue is not None:
            fixes = sum(1 for _, d in docs if "GPSLatitude" in d or "GPSCoordinates" in d)
            clue.value["track_fixes"] = fixes
            return clue, []
        invalid = invalid or warnings
    return None, invalid


def _seconds(tag: Tag | None) -> float | None:
    if tag is None:
        return None
    try:
        return float(tag.value)
    except (TypeError, ValueError):
        return None


def place_clue(gps: ClueValue) -> tuple[ClueValue | None, list[ClueWarning]]:
    try:
        place = reverse_geocode(gps.value["lat"], gps.value["lon"])
    except PlacesDataMissing as exc:
        return None, [ClueWarning("places_data_missing", str(exc))]
    except InvalidCoordinates as exc:  # already checked; kept so a raise cannot escape
        return None, [ClueWarning(exc.code, str(exc))]
    value = {
        "country_code": place.country_code,
        "country": place.country,
        "region": place.region,
        "town": place.town,
        "distance_km": place.distance_km,
        "lat": place.lat,
        "lon": place.lon,
        "gps_tag": gps.value["tag"],
    }
    # A fix far from any town (at sea, in a desert) says less about the country.
    confidence = 0.9 if place.distance_km <= 25 else 0.7 if place.distance_km <= 100 else 0.4
    where = ", ".join(p for p in (place.town, place.region, place.country) if p)
    text = f"{where} ({place.distance_km:.1f} km)"
    return ClueValue("place", value, text, confidence, gps.position), []


# -- camera, serials, lens, software, owner --------------------------------------------------


def camera_names(tags: Tags) -> tuple[str | None, str | None]:
    return tags.text("Make"), tags.text("Model")


def camera_label(make: str | None, model: str | None) -> str:
    if make and model and model.lower().startswith(make.split()[0].lower()):
        return model
    return " ".join(p for p in (make, model) if p)


def camera_clue(tags: Tags) -> ClueValue | None:
    make, model = camera_names(tags)
    if not make and not model:
        return None
    return ClueValue("camera", {"make": make, "model": model}, camera_label(make, model))


def serial_clues(tags: Tags) -> list[ClueValue]:
    make, model = camera_names(tags)
    best: dict[str, ClueValue] = {}
    for name, weight in BODY_SERIAL_TAGS.items():
        for tag in tags.all(name):
            serial = clean_text(tag.value)
            if serial is None or is_junk_serial(serial):
                continue
            confidence = weight if tag.group in STANDARD_GROUPS else weight * 0.95
            if serial in best and best[serial].confidence >= confidence:
                continue
            value = {"make": make, "model": model, "serial": serial, "tag": tag.key}
            text = f"{camera_label(make, model) or 'camera'} #{serial}"
            best[serial] = ClueValue("camera_serial", value, text, round(confidence, 3))
    return sorted(best.values(), key=lambda c: -c.confidence)


def lens_serial_clues(tags: Tags) -> list[ClueValue]:
    lens = next((t for n in LENS_NAME_TAGS if (t := tags.text(n))), None)
    seen: set[str] = set()
    clues = []
    for tag in tags.all("LensSerialNumber"):
        serial = clean_text(tag.value)
        if serial is None or is_junk_serial(serial) or serial in seen:
            continue
        seen.add(serial)
        value = {"lens": lens, "serial": serial, "tag": tag.key}
        clues.append(ClueValue("lens_serial", value, f"{lens or 'lens'} #{serial}"))
    return clues


def software_clues(tags: Tags) -> list[ClueValue]:
    seen: set[str] = set()
    clues = []
    for name in SOFTWARE_TAGS:
        for tag in tags.all(name):
            text = clean_text(tag.value)
            if text is None or text.lower() in seen:
                continue
            seen.add(text.lower())
            clues.append(ClueValue("software", {"software": text, "tag": tag.key}, text))
    return clues


def owner_clues(tags: Tags) -> list[ClueValue]:
    seen: set[str] = set()
    clues = []
    for name, confidence in OWNER_TAGS.items():
        for tag in tags.all(name):
            text = clean_text(tag.value)
            if text is None or text.lower() in _JUNK or text.lower() in seen:
                continue
            seen.add(text.lower())
            value = {"owner": text, "tag": tag.key}
            clues.append(ClueValue("owner", value, text, confidence))
    return clues


def tool_warnings(tags: Tags) -> list[ClueWarning]:
    """exiftool's own findings about the file (a damaged IFD, a truncated block, …)."""
    out = []
    for tag in tags.all("Warning") + tags.all("Error"):
        if tag.group == "ExifTool":
            code = "metadata_error" if tag.name == "Error" else "metadata_warning"
            out.append(ClueWarning(code, str(tag.value)))
    return out


def normalise(
    raw: dict[str, Any], *, places: bool = True
) -> tuple[list[ClueValue], list[ClueWarning]]:
    """All clues and warnings one file's tags give (the ``place`` clue needs GPS + data)."""
    tags = Tags(raw)
    clues: list[ClueValue] = []
    warnings: list[ClueWarning] = tool_warnings(tags)
    camera = camera_clue(tags)
    if camera is not None:
        clues.append(camera)
    clues += serial_clues(tags) + lens_serial_clues(tags)
    clues += software_clues(tags) + owner_clues(tags)
    when = capture_time(tags)
    if when is not None:
        clues.append(when)
    gps, gps_warnings = gps_clue(tags)
    warnings += gps_warnings
    if gps is not None:
        clues.append(gps)
        if places:
            place, place_warnings = place_clue(gps)
            warnings += place_warnings
            if place is not None:
                clues.append(place)
    return clues, warnings
