"""The keyframes clue extractor: clues, files where the clues say, its product, bad input.

Benign test videos only: pans over the project's procedural scenes, made on the fly.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lodestar.analyze.keyframes import KeyframeScan
from lodestar.clues import keyframes as K
from lodestar.clues.base import (
    ClueInput,
    ClueValue,
    ExtractResult,
    ProductMaker,
    Products,
    clue_extractors,
)
from lodestar.clues.keyframe_images import keyframe_images, with_position
from lodestar.demo.photos import write_video

from ..analyze.keyframe_videos import write_audio_only, write_cut_video


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def codes(result: ExtractResult) -> list[str]:
    return [w.code for w in result.warnings]


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("kf")
    return {
        "cut": write_cut_video(d / "cut.mp4", [(1, 2.5), (2, 2.5)], gop=30),
        "pan": write_video(d / "pan.mkv", seconds=6, fps=25, seed=4, gop=25),
    }


def test_extractor_files_land_where_the_clues_say(videos: dict[str, Path], tmp_path: Path) -> None:
    path = videos["cut"]
    before = sha256(path)
    item = ClueInput(sha256=before, path=path, kind="video", derived=tmp_path / "derived")
    extractor = clue_extractors.get("keyframes")
    assert isinstance(extractor, K.KeyframeExtractor)
    assert extractor.accepts == {"video"} and extractor.needs == ()
    result = extractor.extract(item)
    assert result.warnings == []
    keyframes = [c for c in result.clues if c.kind == "keyframe"]
    (sheet,) = [c for c in result.clues if c.kind == "contact_sheet"]
    assert [c.position for c in keyframes] == [0.0, 1.0, 2.0, 2.5, 3.5, 4.5]
    assert [c.value["scene_change"] for c in keyframes] == [False] * 3 + [True] + [False] * 2
    derived = tmp_path / "derived"
    for clue in keyframes:
        rel, ms = clue.value["path"], round(clue.value["timestamp"] * 1000)
        assert rel == f"keyframes/{before[:2]}/{before}/{ms}.jpg"
        with Image.open(derived / rel) as img:
            assert img.format == "JPEG" and max(img.size) == 256
        assert len(clue.value["pdq"]) == 64 and clue.value["timestamp"] == clue.position
    assert sheet.value["path"] == f"contact/{before[:2]}/{before}.jpg"
    with Image.open(derived / sheet.value["path"]) as img:
        assert img.format == "JPEG" and img.width > 256
    assert sha256(path) == before  # the evidence is untouched
    assert not list((tmp_path / "derived").rglob("*.part"))


def test_extractor_warns_and_never_raises(tmp_path: Path) -> None:
    derived = tmp_path / "derived"
    audio_only = write_audio_only(tmp_path / "tone.mka")
    item = ClueInput(sha256="ab" * 32, path=audio_only, kind="video", derived=derived)
    result = K.KeyframeExtractor().extract(item)
    assert result.clues == [] and codes(result) == ["video_no_stream"]
    assert not derived.exists()


def test_extractor_without_derived_folder(videos: dict[str, Path]) -> None:
    item = ClueInput(sha256="cd" * 32, path=videos["pan"], kind="video")
    result = K.KeyframeExtractor().extract(item)
    assert codes(result) == ["derived_missing"]
    assert [c.value["path"] for c in result.clues] == [None] * 7


def test_the_scan_is_a_product_made_once(
    videos: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extractor = K.KeyframeExtractor()
    assert isinstance(extractor, ProductMaker)
    calls: list[Path] = []
    real = K.scan_keyframes

    def counting(path: Path, **kw: object) -> KeyframeScan:
        calls.append(path)
        return real(path, **kw)

    monkeypatch.setattr(K, "scan_keyframes", counting)
    video = ClueInput(sha256="ef" * 32, path=videos["cut"], kind="video", derived=tmp_path)
    products = Products(video, lookup={"keyframes": extractor}.__getitem__)
    result = extractor.extract(video, products)
    scan = products.get("keyframes", KeyframeScan)  # what OCR reads: the same decode
    assert calls == [videos["cut"]]
    assert len(scan.frames) == len(result.clues) - 1
    with pytest.raises(TypeError, match="not str"):
        products.get("keyframes", str)


def test_keyframe_images_for_image_extractors(videos: dict[str, Path], tmp_path: Path) -> None:
    video = ClueInput(sha256="ef" * 32, path=videos["cut"], kind="video", derived=tmp_path)
    extractor = K.KeyframeExtractor()
    products = Products(video)
    result = extractor.extract(video, products)
    frames = products.of(extractor, KeyframeScan).frames
    assert len(frames) == len(result.clues) - 1
    with keyframe_images(video, frames) as images:
        spooled = [ki.item.path for ki in images]
        assert [ki.timestamp for ki in images] == [f.timestamp for f in frames]
        for ki, kf in zip(images, frames, strict=True):
            assert ki.item.kind == "image" and ki.item.sha256 == video.sha256
            with Image.open(ki.item.path) as img:
                assert img.size == kf.image.size
                assert np.array_equal(np.asarray(img.convert("RGB")), np.asarray(kf.image))
    assert not any(p.exists() for p in spooled)
    text = ExtractResult(clues=[ClueValue("text", {"text": "EXIT"}, "EXIT")])
    placed = with_position(text, 2.5)
    assert placed.clues[0].position == 2.5 and text.clues[0].position is None
