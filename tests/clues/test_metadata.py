"""The metadata extractor over real files with the real exiftool (and without it: Pillow)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lodestar.clues.base import (
    ClueExtractor,
    ClueInput,
    ClueValue,
    ClueWarning,
    clue_extractors,
)
from lodestar.clues.metadata import MetadataExtractor, pillow_tags
from lodestar.demo.photos import write_video

from .metadata_samples import (
    EXIFTOOL,
    demo_info,
    exiftool_write,
    fake_executable,
    truncate_app1,
    write_jpeg,
)


@pytest.fixture
def extractor() -> Iterator[MetadataExtractor]:
    if EXIFTOOL is None:  # a clear failure, not a skip: these tests must run
        pytest.fail("exiftool not on PATH: apt-get install libimage-exiftool-perl")
    ex = MetadataExtractor()
    yield ex
    ex.close()


def _item(path: Path, kind: str = "image") -> ClueInput:
    return ClueInput(sha256="0" * 64, path=path, kind=kind)


def _by_kind(clues: list[ClueValue]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for clue in clues:
        out.setdefault(clue.kind, []).append(clue.value)
    return out


def _codes(result: Any) -> list[str]:
    return [w.code for w in result.warnings]


def test_registered_under_its_name() -> None:
    ex = clue_extractors.get("metadata")
    assert isinstance(ex, MetadataExtractor) and isinstance(ex, ClueExtractor)
    assert (ex.name, ex.stage) == ("metadata", "metadata")
    assert {"image", "video"} <= ex.accepts and "document" not in ex.accepts
    assert ex.needs == () and ex.resource  # one exiftool process per worker


def test_demo_corpus_exif(extractor: MetadataExtractor, tmp_path: Path) -> None:
    res = extractor.extract(_item(write_jpeg(tmp_path / "a.jpg")))
    assert res.warnings == []
    got = _by_kind(res.clues)
    assert got["camera"] == [{"make": "Canon", "model": "Canon EOS 5D Mark IV"}]
    assert got["camera_serial"] == [
        {
            "make": "Canon",
            "model": "Canon EOS 5D Mark IV",
            "serial": "0123456789",
            "tag": "ExifIFD:SerialNumber",
        }
    ]
    assert got["software"] == [{"software": "Firmware 1.0.2", "tag": "IFD0:Software"}]
    assert got["capture_time"] == [
        {
            "local": "2023-05-04T13:22:11",
            "offset": "+02:00",
            "utc": "2023-05-04T11:22:11Z",
            "tag": "ExifIFD:DateTimeOriginal",
            "offset_tag": "ExifIFD:OffsetTimeOriginal",
        }
    ]
    (gps,) = got["gps"]
    assert gps["lat"] == pytest.approx(41.1496, abs=1e-6)
    assert gps["lon"] == pytest.approx(-8.611, abs=1e-6)
    assert gps["alt"] == pytest.approx(87.0)
    (place,) = got["place"]
    assert (place["country_code"], place["country"], place["town"]) == ("PT", "Portugal", "Porto")
    assert place["distance_km"] < 5
    assert res.raw is not None and res.raw["tool"] == "exiftool"
    assert res.raw["tags"]["IFD0:Make"] == "Canon"  # the raw JSON is kept


def test_extra_tags_written_by_exiftool(extractor: MetadataExtractor, tmp_path: Path) -> None:
    shot = write_jpeg(tmp_path / "b.jpg")
    exiftool_write(
        shot,
        "-ExifIFD:LensSerialNumber=LS998877",
        "-ExifIFD:LensModel=EF24-70mm f/2.8L II USM",
        "-ExifIFD:OwnerName=Studio Kappa",
        "-XMP-dc:Creator=J. Doe",
        "-XMP-aux:SerialNumber=AUX-77",
        "-XMP-lsmk:InternalSerialNumber=INT-4455",
        "-IFD0:Software=Adobe Photoshop 25.1",
        "-XMP-xmp:CreatorTool=GIMP 2.10",
        config=True,
    )
    res = extractor.extract(_item(shot))
    assert res.warnings == []
    got = _by_kind(res.clues)
    serials = [(c["serial"], c["tag"]) for c in got["camera_serial"]]
    assert serials == [
        ("0123456789", "ExifIFD:SerialNumber"),
        ("AUX-77", "XMP-aux:SerialNumber"),
        ("INT-4455", "XMP-lsmk:InternalSerialNumber"),
    ]
    confidences = [c.confidence for c in res.clues if c.kind == "camera_serial"]
    assert confidences[0] > confidences[-1]  # a maker-internal serial ranks below the body's
    assert got["lens_serial"] == [
        {"lens": "EF24-70mm f/2.8L II USM", "serial": "LS998877", "tag": "ExifIFD:LensSerialNumber"}
    ]
    owners = [(c["owner"], c["tag"]) for c in got["owner"]]
    assert owners == [("Studio Kappa", "ExifIFD:OwnerName"), ("J. Doe", "XMP-dc:Creator")]
    assert {c["software"] for c in got["software"]} == {"Adobe Photoshop 25.1", "GIMP 2.10"}


def test_offset_from_gps_time_when_no_offset_tag(
    extractor: MetadataExtractor, tmp_path: Path
) -> None:
    shot = write_jpeg(tmp_path / "c.jpg", demo_info(offset_minutes=-330))
    exiftool_write(shot, "-ExifIFD:OffsetTime=", "-ExifIFD:OffsetTimeOriginal=",
                   "-ExifIFD:OffsetTimeDigitized=")
    res = extractor.extract(_item(shot))
    (when,) = _by_kind(res.clues)["capture_time"]
    assert when["offset"] == "-05:30"
    assert when["offset_tag"] == "Composite:GPSDateTime"
    assert when["utc"] == "2023-05-04T18:52:11Z"


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [(0.0, 0.0, "gps_null_island"), (123.0, 456.0, "gps_out_of_range")],
)
def test_absurd_gps_is_a_warning_not_a_clue(
    extractor: MetadataExtractor, tmp_path: Path, lat: float, lon: float, code: str
) -> None:
    shot = write_jpeg(tmp_path / "d.jpg")
    exiftool_write(shot, f"-GPSLatitude={lat}", f"-GPSLongitude={lon}",
                   "-GPSLatitudeRef=N", "-GPSLongitudeRef=E")
    res = extractor.extract(_item(shot))
    assert _codes(res) == [code]
    assert str(shot) in res.warnings[0].message
    got = _by_kind(res.clues)
    assert "gps" not in got and "place" not in got
    assert got["camera_serial"][0]["serial"] == "0123456789"  # the rest still comes through


def test_corrupt_exif_block(extractor: MetadataExtractor, tmp_path: Path) -> None:
    shot = truncate_app1(write_jpeg(tmp_path / "e.jpg"), keep=60)
    res = extractor.extract(_item(shot))
    assert "metadata_warning" in _codes(res)
    assert all(str(shot) in w.message for w in res.warnings)
    assert "gps" not in _by_kind(res.clues)  # the GPS IFD lay past the cut
    assert res.raw is not None and res.raw["tool"] == "exiftool"


def test_non_image_and_missing_file(extractor: MetadataExtractor, tmp_path: Path) -> None:
    text = tmp_path / "f.jpg"
    text.write_bytes(b"\x00\x01 plainly not an image " * 10)
    res = extractor.extract(_item(text))
    assert res.clues == []
    assert _codes(res) == ["metadata_error"]  # exiftool's own verdict on the file
    assert "format error" in res.warnings[0].message and str(text) in res.warnings[0].message
    gone = extractor.extract(_item(tmp_path / "gone.jpg"))
    assert _codes(gone) == ["file_unreadable"] and gone.clues == []
    assert extractor.extract(_item(write_jpeg(tmp_path / "g.jpg"))).warnings == []


def test_video_gps_and_time(extractor: MetadataExtractor, tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.mp4", seconds=0.3, size=(160, 120))
    exiftool_write(
        video,
        "-Keys:GPSCoordinates=18.7883 98.9853 310",
        "-Keys:CreationDate=2022:11:03 09:15:00+07:00",
        "-Keys:Make=GoPro",
        "-Keys:Model=HERO9 Black",
    )
    res = extractor.extract(_item(video, "video"))
    assert res.warnings == []
    got = _by_kind(res.clues)
    assert got["camera"] == [{"make": "GoPro", "model": "HERO9 Black"}]
    assert got["capture_time"][0]["local"] == "2022-11-03T09:15:00"
    assert got["capture_time"][0]["offset"] == "+07:00"
    assert got["capture_time"][0]["utc"] == "2022-11-03T02:15:00Z"
    assert got["gps"][0]["lat"] == pytest.approx(18.7883)
    assert got["place"][0]["country_code"] == "TH"


def test_without_exiftool_pillow_fallback(tmp_path: Path) -> None:
    shot = write_jpeg(tmp_path / "h.jpg")
    exiftool_write(shot, "-ExifIFD:LensSerialNumber=LS1", "-XMP-dc:Creator=Only In XMP")
    ex = MetadataExtractor(executable="no-such-exiftool")
    for _ in range(2):  # each item says why its metadata is thinner
        res = ex.extract(_item(shot))
        assert _codes(res) == ["exiftool_missing"]
        assert "libimage-exiftool-perl" in res.warnings[0].message
    assert res.raw is not None and res.raw["tool"] == "pillow"
    got = _by_kind(res.clues)
    assert got["camera_serial"][0]["serial"] == "0123456789"
    assert got["lens_serial"][0]["serial"] == "LS1"
    assert got["capture_time"][0]["offset"] == "+02:00"
    assert got["gps"][0]["lon"] == pytest.approx(-8.611, abs=1e-6)
    assert got["gps"][0]["alt"] == pytest.approx(87.0)
    assert got["place"][0]["town"] == "Porto"
    assert "Only In XMP" not in {o["owner"] for o in got.get("owner", [])}  # EXIF only


def test_pillow_fallback_on_corrupt_exif(tmp_path: Path) -> None:
    shot = truncate_app1(write_jpeg(tmp_path / "i.jpg"), keep=60)
    warnings: list[ClueWarning] = []
    tags = pillow_tags(shot, warnings)  # must not raise, whatever it recovers
    assert tags is None or "GPS:GPSLatitude" not in tags
    assert warnings and all(str(shot) in w.message for w in warnings)
    res = MetadataExtractor(executable="no-such-exiftool").extract(_item(shot))
    assert "exiftool_missing" in _codes(res)


def test_hanging_exiftool_then_pillow_recovers(tmp_path: Path) -> None:
    hang = fake_executable(tmp_path, "hang-exiftool", "exec sleep 600")
    ex = MetadataExtractor(executable=str(hang), timeout=0.5)
    try:
        res = ex.extract(_item(write_jpeg(tmp_path / "j.jpg")))
    finally:
        ex.close()
    assert _codes(res) == ["exiftool_timeout"]
    assert _by_kind(res.clues)["camera_serial"][0]["serial"] == "0123456789"  # partly recovered
    assert res.raw is not None and res.raw["tool"] == "pillow"
