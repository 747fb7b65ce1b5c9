"""The benign synthetic corpus (scale tiny only: fast)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image, ImageOps

from lodestar.demo.corpus import disk_path, generate_corpus
from lodestar.errors import UserError

DEMO_SRC = Path(__file__).resolve().parents[2] / "src" / "lodestar" / "demo"
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112
BODY_SERIAL, DATETIME_ORIGINAL, OFFSET_ORIGINAL = 0xA431, 0x9003, 0x9011


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("corpus") / "op"
    seen: list[tuple[int, int]] = []
    summary = generate_corpus(out, seed=7, scale="tiny", progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1] == summary["files"]
    return out, json.loads((out / "truth.json").read_text(encoding="utf-8"))


def _files(truth: dict[str, Any], **match: Any) -> list[dict[str, Any]]:
    return [f for f in truth["files"] if all(f[k] == v for k, v in match.items())]


def _open_archive(data: bytes, name: str) -> dict[str, bytes | None]:
    """Member name -> bytes (None for members too large to read in a unit test)."""
    members: dict[str, bytes | None] = {}
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                big = info.file_size > 10_000_000
                members[info.filename] = None if big else zf.read(info)
        return members
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tf:
        for member in tf.getmembers():
            handle = tf.extractfile(member)
            assert handle is not None
            members[member.name] = handle.read()
    return members


def _read(out: Path, spec: str) -> bytes | None:
    """Bytes of a path spec, opening archives along the way."""
    parts = spec.split("!/")
    with open(disk_path(out, parts[0]), "rb") as handle:
        data: bytes | None = handle.read()
    for depth, part in enumerate(parts[1:], 1):
        assert data is not None
        data = _open_archive(data, parts[depth - 1])[part]
    return data


def _all_disk_files(out: Path) -> Iterator[str]:
    root = os.fsencode(out / "collections")
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            rel = os.path.relpath(os.path.join(dirpath, name), os.fsencode(out))
            yield rel.decode("utf-8", "backslashreplace")


def _ahash(img: Image.Image) -> np.ndarray:
    grey = ImageOps.exif_transpose(img).convert("L")
    small = np.asarray(grey.resize((8, 8), Image.Resampling.BILINEAR))
    return (small > small.mean()).flatten()


# --------------------------------------------------------------------------------------- tests


def test_unknown_scale_raises(tmp_path: Path) -> None:
    with pytest.raises(UserError):
        generate_corpus(tmp_path / "x", seed=1, scale="huge")


def test_refuses_foreign_folder_and_caches(tmp_path: Path,
                                           corpus: tuple[Path, dict[str, Any]]) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(UserError):
        generate_corpus(tmp_path, seed=7, scale="tiny")
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    out, _ = corpus
    assert generate_corpus(out, seed=7, scale="tiny")["cached"] is True


def test_deterministic(tmp_path: Path, corpus: tuple[Path, dict[str, Any]]) -> None:
    out, truth = corpus
    again = tmp_path / "again"
    generate_corpus(again, seed=7, scale="tiny")
    assert (again / "truth.json").read_bytes() == (out / "truth.json").read_bytes()
    for spec in _all_disk_files(out):
        a, b = disk_path(out, spec), disk_path(again, spec)
        if os.path.islink(a):
            assert os.readlink(a) == os.readlink(b)
            continue
        assert Path(os.fsdecode(a)).read_bytes() == Path(os.fsdecode(b)).read_bytes(), spec
        assert os.stat(a).st_mtime == os.stat(b).st_mtime, spec
    other = tmp_path / "other"
    generate_corpus(other, seed=8, scale="tiny")
    other_truth = json.loads((other / "truth.json").read_text(encoding="utf-8"))
    ours = {f["sha256"] for f in _files(truth, kind="image")}
    theirs = {f["sha256"] for f in _files(other_truth, kind="image")}
    assert not ours & theirs


def test_every_truth_file_exists_with_matching_hash(corpus: tuple[Path, dict[str, Any]]) -> None:
    out, truth = corpus
    paths = [f["path"] for f in truth["files"]]
    assert len(paths) == len(set(paths))
    assert 30 <= len(paths) <= 70
    for f in truth["files"]:
        if f["link_target"] is not None:
            assert os.fsdecode(os.readlink(disk_path(out, f["path"]))) == f["link_target"]
            continue
        data = _read(out, f["path"])
        if data is None:  # the zip bomb's member: checked in test_hostile_files
            assert f["hostile"] == "zip_bomb"
            continue
        assert hashlib.sha256(data).hexdigest() == f["sha256"], f["path"]
        assert len(data) == f["size"]
    on_disk = set(_all_disk_files(out))
    assert on_disk == {p for p in paths if "!/" not in p}


def test_archive_members_all_listed(corpus: tuple[Path, dict[str, Any]]) -> None:
    out, truth = corpus
    listed = {f["path"] for f in truth["files"]}
    archives = [f for f in truth["files"] if f["format"] in ("zip", "tar.gz")]
    assert {"zip", "tar.gz"} <= {a["format"] for a in archives}
    assert any(a["path"].count("!/") == 1 and a["format"] == "zip" for a in archives), "nested"
    for archive in archives:
        data = _read(out, archive["path"])
        assert data is not None
        for name in _open_archive(data, archive["path"]):
            assert f"{archive['path']}!/{name}" in listed


def test_series_images_carry_camera_exif(corpus: tuple[Path, dict[str, Any]]) -> None:
    out, truth = corpus
    series = {s["id"]: s for s in truth["series"]}
    checked = 0
    for f in _files(truth, kind="image", exif=True):
        if f["format"] != "jpeg":
            continue
        data = _read(out, f["path"])
        assert data is not None
        exif = Image.open(io.BytesIO(data)).getexif()
        cam = series[f["series"]]["camera"]
        assert (exif[MAKE], exif[MODEL]) == (cam["make"], cam["model"])
        sub = exif.get_ifd(EXIF_IFD)
        assert sub[BODY_SERIAL] == cam["serial"] == f["camera"]
        taken = f["taken"]
        assert sub[DATETIME_ORIGINAL] == taken[:19].replace("-", ":").replace("T", " ")
        assert sub[OFFSET_ORIGINAL] == taken[19:]
        gps = exif.get_ifd(GPS_IFD)
        assert bool(gps) == (series[f["series"]]["place"] is not None)
        if gps:
            lat = sum(float(v) / 60**i for i, v in enumerate(gps[2]))
            assert abs(lat - f["gps"][0]) < 1e-5
            assert gps[3] == ("W" if f["gps"][1] < 0 else "E")
        checked += 1
    assert checked >= 16


def test_orientation_tags_match_stored_pixels(corpus: tuple[Path, dict[str, Any]]) -> None:
    out, truth = corpus
    series = {s["id"]: s for s in truth["series"]}
    seen = set()
    for f in _files(truth, variant="original"):
        data = _read(out, f["path"])
        assert data is not None
        img = Image.open(io.BytesIO(data))
        assert img.getexif()[ORIENTATION] == f["orientation"]
        seen.add(f["orientation"])
        w, h = series[f["series"]]["size"]
        assert img.size == ((h, w) if f["orientation"] in (6, 8) else (w, h))
        assert ImageOps.exif_transpose(img).size == (w, h)
    assert {1, 6, 8} <= seen


def test_heic_copy_when_supported(corpus: tuple[Path, dict[str, Any]]) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    out, truth = corpus
    heics = _files(truth, format="heic")
    assert heics
    for f in heics:
        data = _read(out, f["path"])
        assert data is not None
        img = Image.open(io.BytesIO(data))
        assert img.getexif().get_ifd(EXIF_IFD)[BODY_SERIAL] == f["camera"]


def test_hostile_files(corpus: tuple[Path, dict[str, Any]]) -> None:
    out, truth = corpus
    by_slug: dict[str, list[dict[str, Any]]] = {}
    for f in truth["files"]:
        if f["hostile"]:
            by_slug.setdefault(f["hostile"], []).append(f)
    assert {"empty_file", "truncated", "corrupt_video", "decompression_bomb", "zip_bomb",
            "path_traversal", "absolute_path", "symlink_escape", "non_utf8_name",
            "extension_mismatch"} <= set(by_slug)
    assert by_slug["empty_file"][0]["size"] == 0
    bomb = disk_path(out, by_slug["decompression_bomb"][0]["path"])
    assert os.path.getsize(bomb) < 1000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(os.fsdecode(bomb))
    trunc = by_slug["truncated"][0]
    with pytest.raises(OSError):
        Image.open(os.fsdecode(disk_path(out, trunc["path"]))).load()
    broken = os.fsdecode(disk_path(out, by_slug["corrupt_video"][0]["path"]))
    with pytest.raises(Exception), av.open(broken) as c:  # noqa: B017 - any failure will do
        assert list(c.decode(video=0))
    zip_bomb = next(f for f in by_slug["zip_bomb"] if "!/" not in f["path"])
    with zipfile.ZipFile(os.fsdecode(disk_path(out, zip_bomb["path"]))) as zf:
        (info,) = zf.infolist()
        assert info.file_size >= 50 * 1024 * 1024 and zip_bomb["size"] < 200_000
    traversal = next(f for f in by_slug["path_traversal"] if "!/" not in f["path"])
    with zipfile.ZipFile(os.fsdecode(disk_path(out, traversal["path"]))) as zf:
        assert {"../../escape.txt", "/etc/lodestar-test"} <= set(zf.namelist())
    targets = {f["link_target"] for f in by_slug["symlink_escape"]}
    assert targets == {"/etc/hostname", "../../.."}
    weird = by_slug["non_utf8_name"][0]["path"]
    raw = disk_path(out, weird)
    assert b"\xe9" in raw and os.path.isfile(raw)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lies = by_slug["extension_mismatch"]
    assert {f["kind"] for f in lies} == {"image", "system"}
    for f in lies:
        head = Path(os.fsdecode(disk_path(out, f["path"]))).read_bytes()[:3]
        is_jpeg = head == b"\xff\xd8\xff"
        assert is_jpeg == f["path"].endswith(".dat")


def test_videos_decode_with_right_duration(corpus: tuple[Path, dict[str, Any]]) -> None:
    out, truth = corpus
    videos = _files(truth, kind="video")
    assert 1 <= len(videos) <= 2
    for f in videos:
        with av.open(os.fsdecode(disk_path(out, f["path"]))) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            assert (stream.width, stream.height) == (320, 240)
            frames = list(container.decode(video=0))
            assert frames[0].format.name == "yuv420p"
            assert stream.duration is not None and stream.time_base is not None
            assert float(stream.duration * stream.time_base) == pytest.approx(f["duration"])
            assert len(frames) == round(f["duration"] * float(stream.average_rate or 0))
            taken = datetime.fromisoformat(f["taken"]).astimezone(UTC)
            assert container.metadata["creation_time"].startswith(f"{taken:%Y-%m-%dT%H:%M:%S}")
            assert ("location" in container.metadata) == (f["gps"] is not None)
        assert f["duration"] <= 2.0


def test_same_series_images_look_alike(corpus: tuple[Path, dict[str, Any]]) -> None:
    out, truth = corpus
    hashes: list[tuple[str, np.ndarray]] = []
    for f in _files(truth, variant="original"):
        data = _read(out, f["path"])
        assert data is not None
        hashes.append((f["series"], _ahash(Image.open(io.BytesIO(data)))))
    same, diff = [], []
    for i, (sa, ha) in enumerate(hashes):
        for sb, hb in hashes[i + 1:]:
            (same if sa == sb else diff).append(int(np.count_nonzero(ha != hb)))
    assert np.mean(same) < np.mean(diff) * 0.6
    assert max(same) < np.percentile(diff, 25) + 8


def test_layout_and_coverage(corpus: tuple[Path, dict[str, Any]]) -> None:
    out, truth = corpus
    seizures = sorted(p.name for p in (out / "collections").iterdir())
    assert seizures == [s["name"] for s in truth["seizures"]] and len(seizures) >= 3
    variants = {f["variant"] for f in truth["files"]}
    assert {"original", "exact_copy", "resize", "recompress", "crop", "rotate90", "flip",
            "overlay", "screenshot", "video"} <= variants
    assert "th" in {s["language"] for s in truth["series"]}
    assert any(s["place"] is None for s in truth["series"])
    assert any(s["place"] is not None for s in truth["series"])
    kinds = {f["kind"] for f in truth["files"]}
    assert kinds == {"image", "video", "system", "hostile", "archive"}
    by_hash: dict[str, set[str]] = {}
    for f in truth["files"]:
        if f["kind"] == "image" and f["sha256"]:
            by_hash.setdefault(f["sha256"], set()).add(f["path"].split("/")[1])
    assert any(len(s) > 1 for s in by_hash.values()), "exact duplicates across seizures"
    for f in _files(truth, variant="exact_copy"):
        source = next(g for g in truth["files"] if g["path"] == f["derived_from"])
        assert source["sha256"] == f["sha256"]


def test_fonts_recorded(corpus: tuple[Path, dict[str, Any]]) -> None:
    _, truth = corpus
    fonts = truth["fonts"]
    assert fonts["latin"]
    for s in truth["series"]:
        if s["language"] == "th":
            assert (s["text_note"] is None) == fonts["thai_glyphs"]
        else:
            assert s["text_note"] is None


BANNED = re.compile(
    r"\b(person|persons|people|human|humans|man|men|woman|women|child|children|kid|kids|"
    r"girl|girls|boy|boys|baby|face|faces|body|bodies|figure|figures|victim|victims|portrait)\b",
    re.IGNORECASE,
)


def test_no_text_refers_to_people(corpus: tuple[Path, dict[str, Any]]) -> None:
    out, _ = corpus
    texts = {"truth.json": (out / "truth.json").read_text(encoding="utf-8")}
    for path in sorted(DEMO_SRC.rglob("*.py")):
        # "/Kids" is PDF page-tree syntax in the minimal PDF writer, not a word.
        texts[path.name] = path.read_text(encoding="utf-8").replace("/Kids", "/K_ds")
    for name, text in texts.items():
        assert not BANNED.findall(text), (name, BANNED.findall(text))
