"""Fixed, deterministic EXIF blocks (piexif) for synthetic camera shots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import piexif


@dataclass(frozen=True)
class ExifInfo:
    make: str
    model: str
    serial: str
    taken: datetime  # local wall-clock time, naive
    offset_minutes: int  # local time minus UTC
    orientation: int = 1
    gps: tuple[float, float, float] | None = None  # lat, lon, altitude in metres
    width: int = 0
    height: int = 0
    exposure: tuple[int, int] = (1, 60)
    f_number: tuple[int, int] = (28, 10)
    iso: int = 200
    focal: tuple[int, int] = (240, 10)


def offset_text(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    value = abs(value)
    degrees = int(value)
    minutes_f = (value - degrees) * 60
    minutes = int(minutes_f)
    seconds = round((minutes_f - minutes) * 60 * 10000)
    return ((degrees, 1), (minutes, 1), (seconds, 10000))


def _gps_ifd(info: ExifInfo) -> dict[int, object]:
    assert info.gps is not None
    lat, lon, alt = info.gps
    utc = info.taken - timedelta(minutes=info.offset_minutes)
    return {
        piexif.GPSIFD.GPSVersionID: (2, 2, 0, 0),
        piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
        piexif.GPSIFD.GPSLatitude: _dms(lat),
        piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
        piexif.GPSIFD.GPSLongitude: _dms(lon),
        piexif.GPSIFD.GPSAltitudeRef: 0 if alt >= 0 else 1,
        piexif.GPSIFD.GPSAltitude: (abs(round(alt * 10)), 10),
        piexif.GPSIFD.GPSTimeStamp: ((utc.hour, 1), (utc.minute, 1), (utc.second, 1)),
        piexif.GPSIFD.GPSDateStamp: utc.strftime("%Y:%m:%d").encode(),
    }


def build_exif(info: ExifInfo) -> bytes:
    """The EXIF APP1 payload for one shot (same input, same bytes)."""
    stamp = info.taken.strftime("%Y:%m:%d %H:%M:%S").encode()
    offset = offset_text(info.offset_minutes).encode()
    zeroth: dict[int, object] = {
        piexif.ImageIFD.Make: info.make.encode(),
        piexif.ImageIFD.Model: info.model.encode(),
        piexif.ImageIFD.Orientation: info.orientation,
        piexif.ImageIFD.XResolution: (72, 1),
        piexif.ImageIFD.YResolution: (72, 1),
        piexif.ImageIFD.ResolutionUnit: 2,
        piexif.ImageIFD.Software: b"Firmware 1.0.2",
        piexif.ImageIFD.DateTime: stamp,
    }
    exif: dict[int, object] = {
        piexif.ExifIFD.DateTimeOriginal: stamp,
        piexif.ExifIFD.DateTimeDigitized: stamp,
        piexif.ExifIFD.OffsetTime: offset,
        piexif.ExifIFD.OffsetTimeOriginal: offset,
        piexif.ExifIFD.OffsetTimeDigitized: offset,
        piexif.ExifIFD.BodySerialNumber: info.serial.encode(),
        piexif.ExifIFD.ExposureTime: info.exposure,
        piexif.ExifIFD.FNumber: info.f_number,
        piexif.ExifIFD.ISOSpeedRatings: info.iso,
        piexif.ExifIFD.FocalLength: info.focal,
        piexif.ExifIFD.PixelXDimension: info.width,
        piexif.ExifIFD.PixelYDimension: info.height,
        piexif.ExifIFD.ColorSpace: 1,
    }
    data: dict[str, object] = {"0th": zeroth, "Exif": exif, "GPS": {}, "1st": {}, "thumbnail": None}
    if info.gps is not None:
        data["GPS"] = _gps_ifd(info)
    return bytes(piexif.dump(data))
