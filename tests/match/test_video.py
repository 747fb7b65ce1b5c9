"""vPDQ signatures from folder sources and video near-duplicates (benign procedural pans)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import av
from sqlalchemy import func, select

from lodestar.analyze.ingest import ingest
from lodestar.evidence.service import add_source
from lodestar.match.matching import matches_for
from lodestar.match.perceptual import similar_to
from lodestar.match.video import compute_video_signatures, match_video_neardups
from lodestar.store import Signal
from lodestar.workspace import Workspace

from ..analyze.corpus import snapshot


def _reencode(src: Path, dst: Path, size: tuple[int, int]) -> None:
    """The same clip at another size and bitrate: a near-duplicate, not a byte copy."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "32"}
        for frame in inp.decode(video=0):
            img = frame.to_image().resize(size)
            for packet in stream.encode(av.VideoFrame.from_image(img)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def test_reencoded_video_matches_and_evidence_is_untouched(ws: Workspace, tmp_path: Path) -> None:
    from lodestar.demo.photos import write_video

    ev = tmp_path / "ev"
    ev.mkdir()
    write_video(ev / "pan.mp4", seconds=4, fps=10, size=(320, 240), seed=2)
    _reencode(ev / "pan.mp4", tmp_path / "copy.mp4", (256, 192))
    with zipfile.ZipFile(ev / "clips.zip", "w") as zf:  # this copy exists only in an archive
        zf.write(tmp_path / "copy.mp4", "clips/copy.mp4")
    write_video(ev / "other.mp4", seconds=4, fps=10, size=(320, 240), seed=5)
    before = snapshot([ev])
    with ws.store.session() as s:
        add_source(s, location=ev, agency="XX", label="ev", actor="t")
    ingest(ws, actor="t")
    with ws.store.session() as s:
        assert compute_video_signatures(s, settings=ws.settings, spool_dir=ws.spool) == 3
        assert compute_video_signatures(s, settings=ws.settings, spool_dir=ws.spool) == 0
        assert s.scalar(select(func.count()).select_from(Signal).where(Signal.type == "vpdq")) >= 12
        assert match_video_neardups(s) == 1
        pan = hashlib.sha256((ev / "pan.mp4").read_bytes()).hexdigest()
        copy = hashlib.sha256((tmp_path / "copy.mp4").read_bytes()).hexdigest()
        found = [m for m in matches_for(s, pan) if m["method"] == "vpdq"]
    assert [m["other_sha256"] for m in found] == [copy]
    outside = tmp_path / "outside.mp4"
    _reencode(ev / "pan.mp4", outside, (288, 216))
    with ws.store.session() as s:
        near = similar_to(s, ws.derived, outside.read_bytes())["near_videos"]
    assert {v["sha256"] for v in near} == {pan, copy}
    assert snapshot([ev]) == before
