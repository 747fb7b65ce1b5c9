"""Scene links from stored local features: crops and screenshots join, a shared poster does not.

The pictures are benign synthetic rooms (``samples.room_pictures``). Room 1 and room 2 both
carry the same poster; room 1 also appears cropped, framed in a screenshot and under a camera
move. Features are computed for real and stored where the match stage puts them. The
conformance suite every builder passes is ``test_conformance_builders.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from lodestar.series.cluster import cluster
from lodestar.series.context import INFO_KEY
from lodestar.series.scene import scene_links
from lodestar.store import Media
from lodestar.workspace import Workspace

from .samples import room_pictures as pictures
from .samples import room_sha as sha
from .samples import rooms


@pytest.fixture
def linked_session(ws: Workspace, tmp_path: Path) -> Iterator[Session]:
    rooms(ws, tmp_path)
    with ws.store.session() as session:
        yield session


def by_pair(session: Session) -> dict[frozenset[str], str]:
    names = {sha(k): k for k in pictures()}
    return {frozenset((names[x.a], names[x.b])): x.strength for x in scene_links.build(session)}


class TestScene:
    def test_crop_screenshot_and_move_join_their_room(self, linked_session: Session) -> None:
        found = by_pair(linked_session)
        for other in ("crop", "screenshot", "moved"):
            assert found.get(frozenset(("room1", other))) == "strong", other

    def test_a_room_sharing_a_poster_is_not_joined(self, linked_session: Session) -> None:
        found = by_pair(linked_session)
        assert all(strength != "strong" for pair, strength in found.items() if "room2" in pair), (
            found
        )
        series = cluster(scene_links.build(linked_session)).members.values()
        together = [set(m) for m in series if sha("room1") in m]
        assert together and sha("room2") not in together[0]
        assert {sha("crop"), sha("screenshot"), sha("moved")} <= together[0]

    def test_evidence_explains_the_verification(self, linked_session: Session) -> None:
        link = next(x for x in scene_links.build(linked_session) if x.strength == "strong")
        assert {"inliers", "scale", "rotation_deg", "agreement", "share", "cover"} <= set(
            link.evidence
        )
        assert link.score >= 0.5

    def test_media_without_features_get_no_link(self, ws: Workspace) -> None:
        with ws.store.session() as session:
            session.info[INFO_KEY] = str(ws.root)
            s = sha("nothing stored")
            session.add(Media(sha256=s, md5=s[:32], sha1=s[:40], size=1, mime="x", kind="image"))
            session.flush()
            assert list(scene_links.build(session)) == []
