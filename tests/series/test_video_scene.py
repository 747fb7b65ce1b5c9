"""Video ↔ image links from keyframe local features (benign synthetic pans)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from sqlalchemy.orm import Session

from lodestar.analyze.ingest import ingest
from lodestar.demo.photos import jpeg_bytes, scene, write_video
from lodestar.evidence.service import add_source
from lodestar.match.local import compute_local_features
from lodestar.series.base import LinkBuilderConformance
from lodestar.series.context import INFO_KEY
from lodestar.series.video_scene import keyframes_path, video_scene_links
from lodestar.workspace import Workspace


def _still_of(video: Path) -> bytes:
    """A frame of the clip, resized and re-encoded: what a still beside the video looks like."""
    with av.open(str(video)) as container:
        frame = next(container.decode(video=0))
        img = frame.to_image()
    return jpeg_bytes(img.resize((img.width * 2, img.height * 2)), 85)


@pytest.fixture
def evidence(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "ev"
    root.mkdir()
    clip = write_video(root / "pan.mp4", seconds=3, fps=10, size=(320, 240), seed=2)
    (root / "still.jpg").write_bytes(_still_of(clip))
    (root / "other.jpg").write_bytes(jpeg_bytes(scene(5, (640, 480), "room"), 90))
    return {p.name: p for p in root.iterdir()}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def linked_session(ws: Workspace, evidence: dict[str, Path]) -> Iterator[Session]:
    with ws.store.session() as session:
        add_source(
            session, location=evidence["pan.mp4"].parent, agency="XX", label="ev", actor="t"
        )
    ingest(ws, actor="t")
    with ws.store.session() as session:
        session.info[INFO_KEY] = str(ws.root)  # PostgreSQL stores do not tell the workspace
        compute_local_features(
            session, derived=ws.derived, settings=ws.settings, spool_dir=ws.spool
        )
        yield session


class TestVideoScene(LinkBuilderConformance):
    builder = video_scene_links

    def test_a_still_of_the_clip_links_and_another_room_does_not(
        self, linked_session: Session, evidence: dict[str, Path], ws: Workspace
    ) -> None:
        links = list(video_scene_links.build(linked_session))
        pairs = {frozenset((x.a, x.b)) for x in links}
        video, still = _sha(evidence["pan.mp4"]), _sha(evidence["still.jpg"])
        assert frozenset((video, still)) in pairs
        assert not any(_sha(evidence["other.jpg"]) in p for p in pairs)
        assert all("timestamp" in x.evidence and "inliers" in x.evidence for x in links)
        assert keyframes_path(ws.derived, video).exists()  # cached for the next build
