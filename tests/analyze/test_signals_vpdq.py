"""vPDQ signal: one PDQ per second with PyAV, cross-checked against frame PDQ and Meta's vpdq.

Benign test videos only: slow pans over procedural landscapes and streets, made on the fly.
"""

from __future__ import annotations

import io
import re
from fractions import Fraction
from pathlib import Path

import av
import pytest

from lodestar.analyze.signals import FileSignalType, SignalError, signal_types
from lodestar.analyze.signals import pdq as P
from lodestar.analyze.signals import vpdq as V
from lodestar.demo.photos import write_video

LINE = re.compile(r"^[0-9a-f]{64},\d{1,3},\d+\.\d{3}$")


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("videos")
    return {
        # a keyframe on every second: only keyframes are decoded
        "a": write_video(d / "a.mp4", seconds=5, fps=30, seed=3, gop=30),
        # the same pan, keyframes every 12 frames: every frame is decoded
        "a_gop12": write_video(d / "a12.mp4", seconds=5, fps=30, seed=3, gop=12),
        "b": write_video(d / "b.mp4", seconds=5, fps=30, seed=8, gop=30),
        "ntsc": write_video(d / "ntsc.mp4", seconds=3, fps=Fraction(30000, 1001), seed=5),
    }


@pytest.fixture(scope="module")
def sig_a(videos: dict[str, Path]) -> V.VideoSignature:
    return V.vpdq_from_video(videos["a"])


def _frames(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


def test_one_hash_per_second(sig_a: V.VideoSignature) -> None:
    assert [f.timestamp for f in sig_a.frames] == [0.0, 1.0, 2.0, 3.0, 4.0]
    lines = sig_a.text().splitlines()
    assert len(lines) == 5 and all(LINE.match(line) for line in lines)
    assert lines[1].endswith(",1.000")
    assert sig_a.problems == []
    assert all(P.usable_for_matching(f.quality) for f in sig_a.frames)


def test_keyframes_only_when_they_fall_on_the_second(videos: dict[str, Path]) -> None:
    plan_a = V._plan(videos["a"], 1.0, None)
    plan_12 = V._plan(videos["a_gop12"], 1.0, None)
    assert plan_a.keys_only is True
    assert plan_12.keys_only is False  # 1 s = frame 30, not a keyframe


def test_per_second_hashes_match_frame_pdq(videos: dict[str, Path]) -> None:
    for name in ("a", "a_gop12"):
        sig = V.vpdq_from_video(videos[name])
        frames = _frames(videos[name])
        assert len(sig.frames) == 5
        for k, feature in enumerate(sig.frames):
            ref = P.pdq_reference(frames[30 * k].to_image())  # full-res PDQ of that frame
            assert ref is not None
            assert P.hamming(feature.pdq, ref.value) <= 4, (name, k)


def test_nearest_frame_at_non_integer_rate(videos: dict[str, Path]) -> None:
    sig = V.vpdq_from_video(videos["ntsc"])
    assert len(sig.frames) == 3
    for k, feature in enumerate(sig.frames):
        assert abs(feature.timestamp - k) <= 1001 / 30000 / 2 + 1e-3


def test_cross_check_with_metas_vpdq(videos: dict[str, Path], sig_a: V.VideoSignature) -> None:
    vpdq = pytest.importorskip("vpdq", reason="Meta's vpdq needs FFmpeg headers to build")
    for path, ours in ((videos["a"], sig_a), (videos["b"], V.vpdq_from_video(videos["b"]))):
        theirs = vpdq.computeHash(str(path), seconds_per_hash=1)
        assert len(theirs) == len(ours.frames)
        for mine, ref in zip(ours.frames, theirs, strict=True):
            assert mine.timestamp == pytest.approx(ref.timestamp, abs=1e-3)
            assert P.hamming(mine.pdq, ref.hex) <= 4
            assert abs(mine.quality - ref.quality) <= 5


def test_sequential_fallback_agrees(
    videos: dict[str, Path], sig_a: V.VideoSignature, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_timestamps(*_args: object) -> None:
        raise V._NoTimestamps

    monkeypatch.setattr(V, "_plan", no_timestamps)
    sig = V.vpdq_from_video(videos["a"])
    assert [f.timestamp for f in sig.frames] == [f.timestamp for f in sig_a.frames]
    assert [f.pdq for f in sig.frames] == [f.pdq for f in sig_a.frames]


def test_bytes_and_path_agree(videos: dict[str, Path], sig_a: V.VideoSignature) -> None:
    assert V.vpdq_from_video(videos["a"].read_bytes()).frames == sig_a.frames


def test_max_seconds(videos: dict[str, Path]) -> None:
    assert len(V.vpdq_from_video(videos["a"], max_seconds=2.0).frames) == 3


def _clip(src: Path, dst: Path, frames: int) -> Path:
    """Re-encode the first ``frames`` frames with another codec (a shortened copy)."""
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("mpeg4", rate=30)
        stream.width, stream.height = 320, 240
        stream.pix_fmt = "yuv420p"
        for frame in _frames(src)[:frames]:
            for packet in stream.encode(av.VideoFrame.from_image(frame.to_image())):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return dst


def test_match_fractions(videos: dict[str, Path], sig_a: V.VideoSignature, tmp_path: Path) -> None:
    assert V.match_fractions(sig_a.frames, sig_a.frames) == (1.0, 1.0)
    same = V.vpdq_from_video(videos["a_gop12"])
    assert V.match_fractions(sig_a.frames, same.frames) == (1.0, 1.0)
    other = V.vpdq_from_video(videos["b"])
    q, t = V.match_fractions(sig_a.frames, other.frames)
    assert q <= 0.2 and t <= 0.2
    clip = V.vpdq_from_video(_clip(videos["a"], tmp_path / "clip.mp4", 60))
    assert len(clip.frames) == 2
    q, t = V.match_fractions(clip.frames, sig_a.frames)
    assert q == 1.0  # the whole clip is in A …
    assert t <= 0.6  # … but A is mostly not in the clip


def _frame(bits: int, quality: int = 100, t: float = 0.0) -> V.VpdqFrame:
    return V.VpdqFrame(f"{bits:064x}", quality, t)


def test_match_rules_quality_dedupe_and_threshold() -> None:
    h = (1 << 200) - 1  # 200 bits set
    near = h ^ ((1 << 30) - 1)  # 30 bits away: a match (vPDQ: distance < 31)
    far = h ^ ((1 << 31) - 1)  # 31 bits away: not a match
    assert V.match_fractions([_frame(h)], [_frame(near)]) == (1.0, 1.0)
    assert V.match_fractions([_frame(h)], [_frame(far)]) == (0.0, 0.0)
    # a low-quality frame does not count on either side
    assert V.match_fractions([_frame(h), _frame(12345, quality=10)], [_frame(h)]) == (1.0, 1.0)
    # duplicate hashes count once
    q, t = V.match_fractions([_frame(h), _frame(h, t=1.0), _frame(7 << 100)], [_frame(h)])
    assert (q, t) == (0.5, 1.0)
    # nothing usable on one side
    assert V.match_fractions([_frame(h, quality=0)], [_frame(h)]) == (0.0, 0.0)
    assert V.match_fractions([], [_frame(h)]) == (0.0, 0.0)


def test_format_and_parse_round_trip(sig_a: V.VideoSignature) -> None:
    assert V.parse_signature(sig_a.text() + "\n\n") == sig_a.frames
    with pytest.raises(ValueError):
        V.parse_signature("abc,100,0.000")
    with pytest.raises(ValueError):
        V.parse_signature("z" * 64 + ",100,0.000")


def test_signal_type(videos: dict[str, Path], sig_a: V.VideoSignature) -> None:
    vtype = signal_types.get("vpdq")
    assert isinstance(vtype, FileSignalType)
    value = vtype.hash_file(videos["a"])
    assert value is not None and value.type == "vpdq"
    assert value.value == sig_a.text() and value.quality == sig_a.quality
    other = vtype.hash_file(videos["b"].read_bytes())
    assert other is not None
    assert vtype.distance(value.value, value.value) == 0
    assert vtype.distance(value.value, other.value) > vtype.max_distance_default


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(SignalError) as info:
        V.vpdq_from_video(b"definitely not a video" * 100)
    assert info.value.code == "video_unreadable"
    with pytest.raises(SignalError) as info:
        V.vpdq_from_video(tmp_path / "missing.mp4")
    assert info.value.code == "video_unreadable"
    with pytest.raises(SignalError) as info:
        V.vpdq_from_video(_audio_only())
    assert info.value.code == "video_no_stream"


def test_truncated_video_gives_partial_signature_or_clear_error(
    videos: dict[str, Path], tmp_path: Path
) -> None:
    data = videos["a"].read_bytes()  # MP4 with its index at the end: unreadable when cut
    with pytest.raises(SignalError) as info:
        V.vpdq_from_video(data[: len(data) // 2])
    assert info.value.code == "video_unreadable"
    mkv = write_video(tmp_path / "a.mkv", seconds=5, fps=30, seed=3, gop=30).read_bytes()
    sig = V.vpdq_from_video(mkv[: len(mkv) // 2])  # Matroska: the first seconds survive
    assert 1 <= len(sig.frames) < 5
    assert sig.problems and "truncated" in sig.problems[0]


def _audio_only() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame(format="s16", layout="mono", samples=800)
        frame.planes[0].update(bytes(1600))
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()
