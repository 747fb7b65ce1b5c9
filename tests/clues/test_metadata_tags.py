"""Tag normalisation rules on exiftool-shaped tag dicts (``-json -G3:1 -n`` keys).

The tags a camera maker writes that our sample files cannot carry (real maker notes, GoPro
GPMF tracks, QuickTime UTC dates) are given here as the dicts exiftool prints for them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from lodestar.clues.metadata_tags import (
    Tags,
    capture_time,
    gps_clue,
    normalise,
    parse_datetime,
    parse_offset,
    serial_clues,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023:05:04 13:22:11", (datetime(2023, 5, 4, 13, 22, 11), None)),
        ("2023:05:04 13:22:11+02:00", (datetime(2023, 5, 4, 13, 22, 11), 120)),
        ("2023-05-04T13:22:11.250-03:30", (datetime(2023, 5, 4, 13, 22, 11, 250000), -210)),
        ("2023:05:04 11:22:11Z", (datetime(2023, 5, 4, 11, 22, 11), 0)),
        ("0000:00:00 00:00:00", None),
        ("2023:13:45 10:00:00", None),
        ("2023:05:04", None),
        ("", None),
    ],
)
def test_parse_datetime(text: str, expected: Any) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(
    ("value", "minutes"),
    [("+02:00", 120), ("-0530", -330), ("Z", 0), (60, 60), (-480, -480), ("+25:00", None),
     (9999, None), ("local", None), (None, None), (True, None)],
)
def test_parse_offset(value: Any, minutes: int | None) -> None:
    assert parse_offset(value) == minutes


def test_maker_note_serials_rank_below_exif_and_junk_is_dropped() -> None:
    tags = Tags({
        "IFD0:Make": "Canon",
        "IFD0:Model": "Canon EOS R5",
        "Canon:InternalSerialNumber": "XA1234567",
        "Canon:SerialNumber": "032021000123",
        "ExifIFD:SerialNumber": "032021000123",
        "XMP-aux:SerialNumber": "0000000000",
        "Nikon:SerialNumber": "Unknown",
    })
    got = [(c.value["serial"], c.value["tag"], c.confidence) for c in serial_clues(tags)]
    assert got == [
        ("032021000123", "ExifIFD:SerialNumber", 1.0),
        ("XA1234567", "Canon:InternalSerialNumber", 0.76),
    ]


def test_maker_time_zone_with_daylight_saving() -> None:
    tags = Tags({
        "ExifIFD:DateTimeOriginal": "2021:07:01 10:00:00",
        "Canon:TimeZone": 60,
        "Canon:DaylightSavings": 60,
    })
    clue = capture_time(tags)
    assert clue is not None
    assert clue.value["offset"] == "+02:00" and clue.value["offset_tag"] == "Canon:TimeZone"
    assert clue.value["utc"] == "2021-07-01T08:00:00Z"


def test_exif_time_zone_offset_hours() -> None:
    tags = Tags({"ExifIFD:DateTimeOriginal": "2021:07:01 10:00:00", "ExifIFD:TimeZoneOffset": -5})
    clue = capture_time(tags)
    assert clue is not None and clue.value["offset"] == "-05:00"


def test_quicktime_dates_are_utc_and_rank_last() -> None:
    only_utc = capture_time(Tags({"QuickTime:CreateDate": "2022:11:03 02:15:00"}))
    assert only_utc is not None
    assert only_utc.value == {
        "local": None,
        "offset": None,
        "utc": "2022-11-03T02:15:00Z",
        "tag": "QuickTime:CreateDate",
        "offset_tag": None,
    }
    both = capture_time(Tags({
        "QuickTime:CreateDate": "2022:11:03 02:15:00",
        "Keys:CreationDate": "2022:11:03 09:15:00+07:00",
    }))
    assert both is not None and both.value["tag"] == "Keys:CreationDate"
    assert both.value["local"] == "2022-11-03T09:15:00"


def test_unset_dates_are_skipped() -> None:
    clue = capture_time(Tags({
        "ExifIFD:DateTimeOriginal": "0000:00:00 00:00:00",
        "ExifIFD:CreateDate": "2020:01:02 03:04:05",
    }))
    assert clue is not None and clue.value["tag"] == "ExifIFD:CreateDate"


def test_gps_refs_without_composite() -> None:
    clue, warnings = gps_clue(Tags({
        "GPS:GPSLatitude": 33.8688,
        "GPS:GPSLatitudeRef": "S",
        "GPS:GPSLongitude": 151.2093,
        "GPS:GPSLongitudeRef": "E",
        "GPS:GPSAltitude": 12.5,
        "GPS:GPSAltitudeRef": 1,
    }))
    assert warnings == [] and clue is not None
    assert (clue.value["lat"], clue.value["lon"], clue.value["alt"]) == (-33.8688, 151.2093, -12.5)


def test_gps_from_video_track_skips_fixes_before_lock() -> None:
    # -ee on a GoPro file: one document per GPMF sample; 0,0 until the receiver has a fix.
    clue, warnings = gps_clue(Tags({
        "Doc1:Track3:SampleTime": 0.0,
        "Doc1:Track3:GPSLatitude": 0.0,
        "Doc1:Track3:GPSLongitude": 0.0,
        "Doc2:Track3:SampleTime": 1.0,
        "Doc2:Track3:GPSLatitude": 52.3702,
        "Doc2:Track3:GPSLongitude": 4.8952,
        "Doc10:Track3:SampleTime": 9.0,
        "Doc10:Track3:GPSLatitude": 52.3710,
        "Doc10:Track3:GPSLongitude": 4.8960,
    }))
    assert warnings == [] and clue is not None
    assert (clue.value["lat"], clue.value["lon"], clue.position) == (52.3702, 4.8952, 1.0)
    assert clue.value["tag"] == "Doc2:Track3:GPSLatitude" and clue.value["track_fixes"] == 3


def test_exiftool_warnings_become_clue_warnings() -> None:
    clues, warnings = normalise({"ExifTool:Warning": "Bad ExifIFD directory", "IFD0:Make": "X"})
    assert [w.code for w in warnings] == ["metadata_warning"]
    assert "Bad ExifIFD directory" in warnings[0].message
    assert [c.kind for c in clues] == ["camera"]
