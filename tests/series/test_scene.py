"""Scene links from stored local features: crops and screenshots join, a shared poster does not.

The pictures are benign synthetic rooms (``lodestar.demo.photos.scene``). Room 1 and room 2 both
carry the same poster; room 1 also appears cropped, framed in a screenshot and under a camera
move. Features are computed for real and stored where the match stage puts them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cache

import pytest
from PIL import Image
from sqlalchemy.orm import Session

from lodestar.demo.photos import scene
from lodestar.derived import features_path
from lodestar.match.features import features_from_image
from lodestar.series.base import LinkBuilderConformance
from lodestar.series.cluster import cluster
from lodestar.series.context import INFO_KEY
from lodestar.series.scene import scene_links
from lodestar.store import Media
from lodestar.workspace import Workspace


@cache
def pictures() -> dict[str, Image.Image]:
    poster = scene(99, (200, 260), "shapes")
    room1 = scene(11, (640, 480), "room").copy()
    room1.paste(poster, (60, 40))
    room2 = scene(12, (640, 480), "room").copy()
    room2.paste(poster, (380, 160))
    shot = Image.new("RGB", (800, 520), (40, 40, 48))
    shot.paste(room1.resize((560, 420)), (120, 50))
    return {
        "room1": room1,
        "crop": room1.crop((100, 60, 560, 420)).resize((460, 360)),
        "screenshot": shot,
        "moved": room1.crop((40, 30, 640, 480)).resize((640, 480)),
        "room2": room2,
    }


def sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def add_pictures(ws: Workspace, session: Session, keys: list[str]) -> None:
    for key in keys:
        s = sha(key)
        session.add(
            Media(sha256=s, md5=s[:32], sha1=s[:40], size=1, mime="image/png", kind="image")
        )
        features_from_image(pictures()[key]).save(features_path(ws.derived, s))
    session.flush()


@pytest.fixture
def linked_session(ws: Workspace) -> Iterator[Session]:
    with ws.store.session() as session:
        session.info[INFO_KEY] = str(ws.root)  # PostgreSQL stores do not tell the workspace
        add_pictures(ws, session, list(pictures()))
        yield session


def by_pair(session: Session) -> dict[frozenset[str], str]:
    names = {sha(k): k for k in pictures()}
    return {frozenset((names[x.a], names[x.b])): x.strength for x in scene_links.build(session)}


class TestScene(LinkBuilderConformance):
    builder = scene_links

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
