"""The fast pass over single files: hashes, type, image facts, video facts, hostile input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from lodestar.analyze.fastpass import FastPassTask, fast_pass
from lodestar.analyze.identify import identify
from lodestar.analyze.signals import SignalError, SignalValue, fast_pass_types, signal_types
from lodestar.derived import thumb_relpath

from .helpers import bomb_png, gradient_image, jpeg_bytes, write_video


def task_for(path: Path, derived: Path, *, data: bytes | None = None) -> FastPassTask:
    st = path.stat() if path.exists() else None
    return FastPassTask(
        source_id=1,
        path_spec=path.name,
        size=len(data) if data is not None else (st.st_size if st else 0),
        mtime=st.st_mtime if st else None,
        atime=None,
        ctime=None,
        in_archive=data is not None,
        local_path=None if data is not None else str(path),
        data=data,
        spooled=False,
        derived_dir=str(derived),
        max_image_pixels=50_000_000,
        thumb_size=256,
    )


def test_hashes_match_hashlib_for_path_and_bytes(tmp_path: Path) -> None:
    payload = b"benign text file\n" * 1000
    path = tmp_path / "notes.txt"
    path.write_bytes(payload)
    for task in (task_for(path, tmp_path), task_for(path, tmp_path, data=payload)):
        rec = fast_pass(task)
        assert rec.md5 == hashlib.md5(payload).hexdigest()
        assert rec.sha1 == hashlib.sha1(payload).hexdigest()
        assert rec.sha256 == hashlib.sha256(payload).hexdigest()
        assert (rec.kind, rec.mime) == ("other", "text/plain")
        assert rec.warnings == []


def test_type_comes_from_signature_not_extension(tmp_path: Path) -> None:
    lying = tmp_path / "report.txt"
    lying.write_bytes(jpeg_bytes(gradient_image()))
    assert fast_pass(task_for(lying, tmp_path)).kind == "image"
    fake = tmp_path / "photo.jpg"
    fake.write_text("not an image at all")
    assert fast_pass(task_for(fake, tmp_path)).kind == "other"


def test_jpeg_exif_facts_and_thumbnail(tmp_path: Path) -> None:
    data = jpeg_bytes(
        gradient_image(1600, 1200),
        make="Acme",
        model="Lens 5",
        serial="SN-123",
        taken="2024:05:01 10:11:12",
        offset="+01:00",
        gps=(41.1496, -8.6110),
        orientation=6,
    )
    path = tmp_path / "a.jpg"
    path.write_bytes(data)
    rec = fast_pass(task_for(path, tmp_path / "derived"))
    f = rec.facts
    assert (f["width"], f["height"], f["orientation"]) == (1600, 1200, 6)
    assert (f["make"], f["model"], f["serial"]) == ("Acme", "Lens 5", "SN-123")
    assert f["captured_at"] == "2024:05:01 10:11:12+01:00"
    assert f["gps_lat"] == pytest.approx(41.1496, abs=1e-4)
    assert f["gps_lon"] == pytest.approx(-8.6110, abs=1e-4)
    assert rec.sha256 is not None
    # the store keeps the text form, relative to derived/
    assert f["thumb"] == f"thumbs/{rec.sha256[:2]}/{rec.sha256}.jpg"
    assert f["thumb"] == thumb_relpath(rec.sha256).as_posix()
    with Image.open(tmp_path / "derived" / f["thumb"]) as thumb:
        # orientation 6 (rotate 90° clockwise) is applied: the thumbnail stands upright
        assert 128 <= max(thumb.size) <= 256  # reduced decode: 1600 px at 1/8
        assert thumb.height > thumb.width


def test_gps_out_of_range_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "g.jpg"
    path.write_bytes(jpeg_bytes(gradient_image(), gps=(95.0, 10.0)))
    rec = fast_pass(task_for(path, tmp_path))
    assert "gps_lat" not in rec.facts
    assert [w[1] for w in rec.warnings] == ["gps_invalid"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"", "empty_file"),
        (bomb_png(), "decompression_bomb"),
    ],
)
def test_hostile_images_become_warnings(tmp_path: Path, payload: bytes, code: str) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(payload)
    rec = fast_pass(task_for(path, tmp_path))
    assert rec.sha256 == hashlib.sha256(payload).hexdigest()
    assert code in [w[1] for w in rec.warnings]


def test_truncated_jpeg_keeps_hashes_and_warns(tmp_path: Path) -> None:
    data = jpeg_bytes(gradient_image(800, 600))
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 3])
    rec = fast_pass(task_for(path, tmp_path))
    assert rec.kind == "image" and rec.sha256
    assert {"image_corrupt", "image_unreadable"} & {w[1] for w in rec.warnings}


def test_video_facts_and_thumbnail(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, seconds=2.0, fps=10)
    rec = fast_pass(task_for(path, tmp_path))
    assert rec.kind == "video"
    assert rec.facts["video_codec"] == "h264"
    assert (rec.facts["width"], rec.facts["height"]) == (320, 240)
    assert rec.facts["duration_s"] == pytest.approx(2.0, abs=0.2)
    assert rec.facts["frame_rate"] == pytest.approx(10.0)
    assert (tmp_path / rec.facts["thumb"]).exists()


def test_large_spooled_video_is_analysed_then_its_spool_file_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A video too large to keep in memory, spooled out of an archive: the video analysis
    # reads the spool file, so it must still exist then, and be gone afterwards.
    import dataclasses

    from lodestar.analyze import hashing

    monkeypatch.setattr(hashing, "KEEP_IN_MEMORY", 1024)
    spool = tmp_path / "spool-member.mp4"
    write_video(spool, seconds=1.0, fps=10)
    task = dataclasses.replace(task_for(spool, tmp_path), spooled=True, in_archive=True)
    rec = fast_pass(task)
    assert rec.kind == "video" and rec.facts["video_codec"] == "h264", rec.warnings
    assert not [w for w in rec.warnings if w[1] == "video_unreadable"]
    assert not spool.exists()


def test_corrupt_video_is_a_warning(tmp_path: Path) -> None:
    good = tmp_path / "good.mp4"
    write_video(good, seconds=1.0)
    data = good.read_bytes()
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(data[:64] + bytes(range(256)) * 40)
    rec = fast_pass(task_for(bad, tmp_path))
    assert rec.sha256 and rec.warnings


def test_unreadable_path_is_a_warning(tmp_path: Path) -> None:
    rec = fast_pass(task_for(tmp_path / "gone.jpg", tmp_path))
    assert rec.sha256 is None
    assert rec.warnings[0][1] == "unreadable"


def test_identify_empty_and_binary() -> None:
    assert identify(b"") == ("application/x-empty", "other")
    assert identify(b"\x00\x01\x02" * 50)[1] == "other"


def test_heic_is_an_image_with_thumbnail(tmp_path: Path) -> None:
    import io

    import pillow_heif

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    gradient_image(640, 480).save(buf, "HEIF")
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(buf.getvalue())
    rec = fast_pass(task_for(path, tmp_path))
    assert (rec.kind, rec.mime) == ("image", "image/heic")
    assert (rec.facts["width"], rec.facts["height"]) == (640, 480)
    assert (tmp_path / rec.facts["thumb"]).exists()


def test_jpeg_gets_a_pdq_close_to_the_full_resolution_one(tmp_path: Path) -> None:
    from lodestar.analyze.signals.pdq import hamming, pdq_reference
    from lodestar.demo.photos import scene

    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg_bytes(scene(5, (2400, 1800))))
    rec = fast_pass(task_for(path, tmp_path))
    (sig,) = rec.signals
    assert sig.type == "pdq" and len(sig.value) == 64 and (sig.quality or 0) >= 80
    with Image.open(path) as full:
        reference = pdq_reference(full)
    assert reference is not None
    assert hamming(sig.value, reference.value) <= 10


class _ExtraImageType:
    """A second image signal type: hashes the fast pass's own decode."""

    name = "test-extra"
    kinds = ("image",)
    in_fast_pass = True
    max_distance_default = 0

    def distance(self, a: str, b: str) -> int:
        return int(a != b)

    def hash_image(
        self, img: Image.Image, *, full_size: tuple[int, int] | None = None
    ) -> SignalValue | None:
        assert full_size is not None
        return SignalValue(self.name, f"{full_size[0]}x{full_size[1]}", None)


class _BrokenFileType:
    """A file signal type that cannot fingerprint anything."""

    name = "test-broken"
    kinds = ("image", "video")
    in_fast_pass = True
    max_distance_default = 0

    def distance(self, a: str, b: str) -> int:
        return int(a != b)

    def hash_file(self, source: str | Path | bytes) -> SignalValue | None:
        raise SignalError("unreadable", "cannot fingerprint this")


def test_registered_signal_types_drive_the_fast_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lodestar.analyze.signals import compute

    # the built-ins: PDQ for images; vPDQ runs after the fast pass, so nothing for videos
    assert [t.name for t in fast_pass_types("image")] == ["pdq"]
    assert fast_pass_types("video") == []
    types = [signal_types.get("pdq"), _ExtraImageType(), _BrokenFileType()]
    monkeypatch.setattr(
        compute, "fast_pass_types", lambda kind: [t for t in types if kind in t.kinds]
    )
    image = tmp_path / "a.jpg"
    image.write_bytes(jpeg_bytes(gradient_image(1600, 1200)))
    rec = fast_pass(task_for(image, tmp_path))
    # every registered type's value is kept, a failing one is a warning and no value
    assert [s.type for s in rec.signals] == ["pdq", "test-extra"]
    assert rec.signals[1].value == "1600x1200"  # the full size of a reduced decode
    assert rec.warnings == [
        ("image", "test-broken_failed", "no TEST-BROKEN: cannot fingerprint this")
    ]
    video = tmp_path / "clip.mp4"
    write_video(video, seconds=1.0, fps=10)
    rec = fast_pass(task_for(video, tmp_path))
    assert rec.signals == []
    assert [w[1] for w in rec.warnings] == ["test-broken_failed"]
