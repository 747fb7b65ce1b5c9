"""Keyframes of videos: keyframe-only decode, scene changes, samples, bad input.

Benign test videos only: pans over the project's procedural scenes, made on the fly.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import av
import pytest
from PIL import Image

from lodestar.analyze import keyframes as K
from lodestar.analyze.keyframes.frames import oriented
from lodestar.analyze.keyframes.scenes import hist_distance
from lodestar.analyze.signals.pdq import hamming, pdq_from_image
from lodestar.demo.photos import scene

from .keyframe_videos import SIZE, decoded_frame_at, make_videos, write_audio_only


def codes(scan: K.KeyframeScan) -> list[str]:
    return [w.code for w in scan.warnings]


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_videos(tmp_path_factory.mktemp("kf"))


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


def test_orientation_turns_by_display_rotation() -> None:
    img = Image.new("RGB", (40, 20))
    assert oriented(img, -90).size == (20, 40)
    assert oriented(img, 0).size == (40, 20)
    assert math.isclose(hist_distance(None, None), 0.0)


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


def test_audio_only_has_no_video_stream(tmp_path: Path) -> None:
    scan = K.scan_keyframes(write_audio_only(tmp_path / "tone.mka"))
    assert codes(scan) == ["video_no_stream"] and scan.frames == []


def test_no_keyframes_falls_back_then_warns(videos: dict[str, Path]) -> None:
    scan = K.scan_keyframes(videos["no_keyframes"])
    assert codes(scan) == ["video_no_keyframes", "video_no_frames"]
    assert scan.keyframes_seen == 0 and scan.frames == []


def test_require_frames_raises_with_the_last_warning() -> None:
    empty = K.KeyframeScan([], warnings=[K.KeyframeWarning("video_no_frames", "x: none")])
    with pytest.raises(K.KeyframeError, match="x: none") as err:
        K.require_frames(empty, "x.mp4")
    assert err.value.code == "video_no_frames"
    with pytest.raises(K.KeyframeError, match=r"y\.mp4"):
        K.require_frames(K.KeyframeScan([]), "y.mp4")
