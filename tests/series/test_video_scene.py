"""Video ↔ image links from keyframe local features (benign synthetic pans, ``samples.pan_video``).

The conformance suite every builder passes is ``test_conformance_builders.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from lodestar.derived import keyframe_features_path
from lodestar.series.video_scene import video_scene_links
from lodestar.workspace import Workspace

from .samples import pan_video


@pytest.fixture
def evidence(ws: Workspace, tmp_path: Path) -> dict[str, Path]:
    return pan_video(ws, tmp_path)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def linked_session(ws: Workspace, evidence: dict[str, Path]) -> Iterator[Session]:
    with ws.store.session() as session:
        yield session


class TestVideoScene:
    def test_a_still_of_the_clip_links_and_another_room_does_not(
        self, linked_session: Session, evidence: dict[str, Path], ws: Workspace
    ) -> None:
        links = list(video_scene_links.build(linked_session))
        pairs = {frozenset((x.a, x.b)) for x in links}
        video, still = _sha(evidence["pan.mp4"]), _sha(evidence["still.jpg"])
        assert frozenset((video, still)) in pairs
        assert not any(_sha(evidence["other.jpg"]) in p for p in pairs)
        assert all("timestamp" in x.evidence and "inliers" in x.evidence for x in links)
        assert keyframe_features_path(ws.derived, video).exists()  # cached for the next build
