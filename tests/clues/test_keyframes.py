"""Keyframes of videos: keyframe-only decode, scene changes, samples, files, bad input.

Benign test videos only: pans over the project's procedural scenes, made on the fly.
"""

from __future__ import annotations

import hashlib
import math
import random
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from lodestar.analyze.signals.pdq import hamming, pdq_from_image
from lodestar.clues import keyframes as K
from lodestar.clues.base import ClueInput, ClueValue, ExtractResult, clue_extractors
from lodestar.demo.photos import SCENE_KINDS, scene, write_video

SIZE = (320, 240)


def write_cut_video(
    path: Path, segments: list[tuple[int, float]], *, gop: int, scenecut: bool = True
) -> Path:
    """One slow pan per (scene seed, seconds) segment, hard cuts between segments."""
    w, h = SIZE
    options = {} if scenecut else {"x264-params": "scenecut=0"}
    with av.open(str(path), mode="w") as container:
        stream: Any = container.add_stream("libx264", rate=30, options=options)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = gop
        for seed, seconds in segments:
            master = scene(seed, (w * 3 // 2, h * 3 // 2), SCENE_KINDS[seed % 4], grain=0)
            n = round(seconds * 30)
            for i in range(n):
                x0 = (master.width - w) * i / n
                img = master.crop((round(x0), 40, round(x0) + w, 40 + h))
                for packet in stream.encode(av.VideoFrame.from_image(img)):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def remux(src: Path, dst: Path, *, drop_keyframes: bool = False) -> Path:
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        ist = inp.streams.video[0]
        ost = out.add_stream_from_template(ist)
        for packet in inp.demux(ist):
            if packet.dts is None or (drop_keyframes and packet.is_keyframe):
                continue
            packet.stream = ost
            out.mux(packet)
    return dst


def decoded_frame_at(path: Path, t: float) -> Image.Image:
    """The fully decoded frame nearest ``t`` seconds (the reference for a keyframe's time)."""
    with av.open(str(path)) as container:
        frames = [(abs(f.time - t), n, f) for n, f in enumerate(container.decode(video=0))]
        return min(frames, key=lambda x: (x[0], x[1]))[2].to_image()


def damage_keyframe(path: Path, index: int) -> bytes:
    """The file's bytes with the middle of its ``index``-th keyframe packet overwritten."""
    with av.open(str(path)) as container:
        keys = [(p.pos or 0, p.size) for p in container.demux(video=0) if p.is_keyframe]
    pos, size = keys[index]
    bad = bytearray(path.read_bytes())
    noise = random.Random(1)
    for i in range(pos + size // 4, pos + 3 * size // 4):
        bad[i] = noise.randrange(256)
    return bytes(bad)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def codes(result: K.KeyframeScan | ExtractResult) -> list[str]:
    return [w.code for w in result.warnings]


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("kf")
    cut = write_cut_video(d / "cut.mp4", [(1, 2.5), (2, 2.5)], gop=30)
    mkv = write_video(d / "pan.mkv", seconds=6, fps=25, seed=4, gop=25)
    data = mkv.read_bytes()
    (d / "truncated.mkv").write_bytes(data[: len(data) // 2])
    (d / "truncated.mp4").write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    (d / "corrupt.mkv").write_bytes(damage_keyframe(mkv, 2))
    return {
        "cut": cut,
        # a phone-like encoder: fixed GOP, no keyframe at the cut
        "cut_fixed_gop": write_cut_video(
            d / "fixed.mp4", [(1, 2.5), (2, 2.5)], gop=30, scenecut=False
        ),
        "pan": mkv,
        "sparse": write_video(d / "sparse.mp4", seconds=12, fps=25, seed=6, gop=250),
        "intra": write_video(d / "intra.mp4", seconds=3, fps=30, seed=2, gop=1),
        "truncated_mkv": d / "truncated.mkv",
        "truncated_mp4": d / "truncated.mp4",
        "corrupt": d / "corrupt.mkv",
        "no_keyframes": remux(
            write_video(d / "long_gop.mkv", seconds=3, fps=25, seed=2, gop=250),
            d / "no_keyframes.mkv",
            drop_keyframes=True,
        ),
    }


@pytest.fixture
def audio_only(tmp_path: Path) -> Path:
    path = tmp_path / "tone.mka"
    with av.open(str(path), "w") as container:
        stream: Any = container.add_stream("mp2", rate=16000)
        stream.layout = "mono"
        tone = (np.sin(np.arange(1152) / 5) * 3000).astype(np.int16)[None, :]
        for i in range(10):
            frame = av.AudioFrame.from_ndarray(tone, format="s16", layout="mono")
            frame.sample_rate, frame.pts = 16000, i * 1152
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


# -- keyframes, times, scene changes ---------------------------------------------------------


def test_cut_is_a_scene_change(videos: dict[str, Path]) -> None:
    scan = K.scan_keyframes(videos["cut"])
    assert scan.warnings == []
    # x264 puts a keyframe on the cut at 2.5 s, then restarts its GOP there
    assert [f.timestamp for f in scan.frames] == [0.0, 1.0, 2.0, 2.5, 3.5, 4.5]
    assert [f.timestamp for f in scan.frames if f.scene_change] == [2.5]
    assert all(f.source == "keyframe" for f in scan.frames)


def test_fixed_gop_cut_flags_the_next_keyframe(videos: dict[str, Path]) -> None:
    frames = K.extract_keyframes(videos["cut_fixed_gop"])
    assert [f.timestamp for f in frames] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert [f.timestamp for f in frames if f.scene_change] == [3.0]


def test_pan_within_a_scene_is_not_a_change(videos: dict[str, Path]) -> None:
    frames = K.extract_keyframes(videos["pan"])
    assert len(frames) == 6
    assert not any(f.scene_change for f in frames)
    bits, hist = K.scene_scores(frames[0], frames[1])
    assert bits is not None and hist < K.SCENE_THRESHOLD


def test_times_match_the_decoded_frames(videos: dict[str, Path]) -> None:
    frames = K.extract_keyframes(videos["pan"])
    assert [f.timestamp for f in frames] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    for kf in (frames[2], frames[5]):
        ref = pdq_from_image(decoded_frame_at(videos["pan"], kf.timestamp))
        assert ref is not None and kf.pdq is not None and kf.quality is not None
        assert kf.quality >= 50
        assert hamming(kf.pdq, ref.value) <= 10
        assert kf.image.size == SIZE  # under 1024 px: not scaled
        assert kf.thumbnail().size == (256, 192)


def test_sparse_keyframes_get_samples(videos: dict[str, Path]) -> None:
    scan = K.scan_keyframes(videos["sparse"])
    assert scan.warnings == []
    assert scan.keyframes_seen == 2  # 0 s and 10 s (GOP 250 at 25 fps)
    assert [f.source for f in scan.frames] == ["keyframe", "sample", "keyframe"]
    assert [scan.frames[0].timestamp, scan.frames[2].timestamp] == [0.0, 10.0]
    sample = scan.frames[1]
    # the first reference frame at or after 5 s (B frames are skipped): within a few frames
    assert 5.0 <= sample.timestamp <= 5.2
    ref = pdq_from_image(decoded_frame_at(videos["sparse"], sample.timestamp))
    assert ref is not None and sample.pdq is not None
    assert hamming(sample.pdq, ref.value) <= 10
    plain = K.scan_keyframes(videos["sparse"], sample_gap=None)
    assert [f.timestamp for f in plain.frames] == [0.0, 10.0]


def test_all_intra_video_is_thinned(videos: dict[str, Path]) -> None:
    scan = K.scan_keyframes(videos["intra"])
    assert scan.keyframes_seen == 90
    times = [f.timestamp for f in scan.frames]
    assert 9 <= len(times) <= 13  # one per MIN_INTERVAL (0.25 s) over 3 s
    assert all(b - a >= K.MIN_INTERVAL - 1e-6 for a, b in zip(times, times[1:], strict=False))


def test_max_frames_spreads_over_the_video(videos: dict[str, Path]) -> None:
    scan = K.scan_keyframes(videos["intra"], max_frames=3)
    times = [f.timestamp for f in scan.frames]
    assert len(times) == 3 and times[-1] >= 2.0


def test_large_frames_are_downscaled(tmp_path: Path) -> None:
    big = tmp_path / "big.mp4"
    with av.open(str(big), "w") as container:
        stream: Any = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        frame = av.VideoFrame.from_image(scene(3, (1280, 720), "street"))
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    (kf,) = K.extract_keyframes(big)
    assert kf.image.size == (1024, 576)
    assert kf.thumbnail().size == (256, 144)
    ref = pdq_from_image(decoded_frame_at(big, 0.0))
    assert ref is not None and kf.pdq is not None and hamming(kf.pdq, ref.value) <= 10


# -- bad input -------------------------------------------------------------------------------


def test_truncated_mkv_keeps_the_frames_before_the_cut(videos: dict[str, Path]) -> None:
    scan = K.scan_keyframes(videos["truncated_mkv"])
    assert "video_truncated" in codes(scan)
    times = [f.timestamp for f in scan.frames]
    assert times and times[0] == 0.0 and times[-1] < 5.0


def test_truncated_mp4_is_unreadable(videos: dict[str, Path]) -> None:
    scan = K.scan_keyframes(videos["truncated_mp4"])  # its index (moov) was at the end
    assert codes(scan) == ["video_unreadable"] and scan.frames == []
    with pytest.raises(K.KeyframeError) as err:
        K.extract_keyframes(videos["truncated_mp4"])
    assert err.value.code == "video_unreadable"


def test_corrupt_packets_are_a_warning(videos: dict[str, Path]) -> None:
    scan = K.scan_keyframes(videos["corrupt"])
    assert "video_corrupt" in codes(scan)
    times = [f.timestamp for f in scan.frames]
    assert times[0] == 0.0 and times[-1] == 5.0 and len(times) < 6  # one keyframe lost


@pytest.mark.parametrize("content", [b"", b"not a video at all" * 100])
def test_garbage_is_unreadable(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.mp4"
    path.write_bytes(content)
    assert codes(K.scan_keyframes(path)) == ["video_unreadable"]


def test_audio_only_has_no_video_stream(audio_only: Path) -> None:
    scan = K.scan_keyframes(audio_only)
    assert codes(scan) == ["video_no_stream"] and scan.frames == []


def test_no_keyframes_falls_back_then_warns(videos: dict[str, Path]) -> None:
    scan = K.scan_keyframes(videos["no_keyframes"])
    assert codes(scan) == ["video_no_keyframes", "video_no_frames"]
    assert scan.keyframes_seen == 0 and scan.frames == []


# -- contact sheet ---------------------------------------------------------------------------


def test_contact_sheet_grid_and_labels(videos: dict[str, Path]) -> None:
    frames = K.extract_keyframes(videos["cut"])
    sheet = K.contact_sheet(frames, columns=4)
    cell_h = round(256 * 240 / 320)
    assert sheet.width == 4 * (256 + 6) + 6
    assert sheet.height == 2 * (cell_h + 22 + 6) + 6
    arr = np.asarray(sheet)
    caption = arr[6 + cell_h + 4 : 6 + cell_h + 20, 8:200]
    assert (caption.max(axis=2) > 200).sum() > 50  # the printed timestamp
    x = 6 + 3 * (256 + 6)  # the 4th frame (2.5 s) is the scene change: orange frame
    assert tuple(arr[6 + cell_h // 2, x - 2]) == (255, 150, 0)
    assert tuple(arr[6 + cell_h // 2, 6 - 2]) != (255, 150, 0)
    assert K.format_time(65.5) == "01:05.500"


def test_contact_sheet_caps_cells_keeping_scene_changes(videos: dict[str, Path]) -> None:
    frames = K.extract_keyframes(videos["cut"])
    picked = K._pick(frames, 3)
    assert len(picked) == 3 and any(f.scene_change for f in picked)
    assert [f.timestamp for f in picked] == sorted(f.timestamp for f in picked)


# -- the extractor ---------------------------------------------------------------------------


def test_extractor_files_land_where_the_clues_say(videos: dict[str, Path], tmp_path: Path) -> None:
    path = videos["cut"]
    before = sha256(path)
    item = ClueInput(sha256=before, path=path, kind="video", derived=tmp_path / "derived")
    extractor = clue_extractors.get("keyframes")
    assert isinstance(extractor, K.KeyframeExtractor)
    assert extractor.applies_to(item)
    assert not extractor.applies_to(ClueInput(sha256=before, path=path, kind="image"))
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


def test_extractor_warns_and_never_raises(audio_only: Path, tmp_path: Path) -> None:
    derived = tmp_path / "derived"
    item = ClueInput(sha256="ab" * 32, path=audio_only, kind="video", derived=derived)
    result = K.KeyframeExtractor().extract(item)
    assert result.clues == [] and codes(result) == ["video_no_stream"]
    assert not derived.exists()


def test_extractor_without_derived_folder(videos: dict[str, Path]) -> None:
    item = ClueInput(sha256="cd" * 32, path=videos["pan"], kind="video")
    result = K.KeyframeExtractor().extract(item)
    assert codes(result) == ["derived_missing"]
    assert [c.value["path"] for c in result.clues] == [None] * 7


def test_keyframe_images_for_image_extractors(videos: dict[str, Path], tmp_path: Path) -> None:
    video = ClueInput(sha256="ef" * 32, path=videos["cut"], kind="video", derived=tmp_path)
    result, frames = K.KeyframeExtractor().run(video)
    assert len(frames) == len(result.clues) - 1
    with K.keyframe_images(video, frames) as images:
        spooled = [ki.item.path for ki in images]
        assert [ki.timestamp for ki in images] == [f.timestamp for f in frames]
        for ki, kf in zip(images, frames, strict=True):
            assert ki.item.kind == "image" and ki.item.sha256 == video.sha256
            with Image.open(ki.item.path) as img:
                assert img.size == kf.image.size
                assert np.array_equal(np.asarray(img.convert("RGB")), np.asarray(kf.image))
    assert not any(p.exists() for p in spooled)
    text = ExtractResult(clues=[ClueValue("text", {"text": "EXIT"}, "EXIT")])
    placed = K.with_position(text, 2.5)
    assert placed.clues[0].position == 2.5 and text.clues[0].position is None


def test_orientation_turns_by_display_rotation() -> None:
    img = Image.new("RGB", (40, 20))
    assert K._oriented(img, -90).size == (20, 40)
    assert K._oriented(img, 0).size == (40, 20)
    assert math.isclose(K._hist_distance(None, None), 0.0)
