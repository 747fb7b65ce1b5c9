"""What the store-only link builders find on the conftest store (their conformance: see
test_conformance_builders.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from lodestar.series.base import Link, LinkBuilder, link_builders
from lodestar.series.camera import parse_capture_time
from lodestar.series.neardup import hash_dihedral

from .conftest import pictures, sha


def pairs(builder: LinkBuilder, session: Session) -> dict[frozenset[str], Link]:
    return {frozenset(link.pair): link for link in builder.build(session)}


def p(x: str, y: str) -> frozenset[str]:
    return frozenset((sha(x), sha(y)))


class TestNearDup:
    builder = link_builders.get("near-dup")

    def test_match_and_rotated_copy(self, linked_session: Session) -> None:
        found = pairs(self.builder, linked_session)
        assert set(found) == {p("a2", "a2c"), p("a1", "a1r")}
        assert found[p("a2", "a2c")].evidence == {"method": "pdq", "distance": 6}
        rotated = found[p("a1", "a1r")]
        assert rotated.evidence["method"] == "pdq-dihedral" and rotated.strength == "strong"
        assert rotated.evidence["transform"] in ("rotate90", "rotate270")


class TestVideoFrame:
    builder = link_builders.get("video-frame")

    def test_video_linked_to_the_image_of_its_frame(self, linked_session: Session) -> None:
        found = pairs(self.builder, linked_session)
        assert set(found) == {p("va", "a3")}
        link = found[p("va", "a3")]
        assert link.evidence["frame_second"] == 1 and link.evidence["distance"] == 0


class TestKnownSeries:
    builder = link_builders.get("known-series")

    def test_same_known_series_name(self, linked_session: Session) -> None:
        found = pairs(self.builder, linked_session)
        assert set(found) == {p("b1", "b2")}
        assert found[p("b1", "b2")].evidence["series"] == "Known B"


class TestCameraBody:
    builder = link_builders.get("camera")

    def test_pairs_per_serial_are_weak(self, linked_session: Session) -> None:
        found = pairs(self.builder, linked_session)
        body_111 = ["a1", "a2", "a3", "z2", "b1", "b2"]
        expected = {p(x, y) for i, x in enumerate(body_111) for y in body_111[i + 1 :]}
        assert set(found) == expected | {p("z3", "z4")}
        assert all(link.strength == "weak" for link in found.values())
        assert found[p("z3", "z4")].evidence["serial"] == "999"


class TestTimeBurst:
    builder = link_builders.get("time-burst")

    def test_bursts_join_minutes_apart_not_a_year(self, linked_session: Session) -> None:
        found = pairs(self.builder, linked_session)
        assert set(found) == {p("a1", "a2"), p("a2", "a3"), p("b1", "b2")}
        assert found[p("a2", "a3")].evidence["gap_s"] == 15 * 60
        assert found[p("b1", "b2")].score > found[p("a2", "a3")].score


class TestFolder:
    builder = link_builders.get("folder")

    def test_pairs_within_a_folder_of_a_source(self, linked_session: Session) -> None:
        found = pairs(self.builder, linked_session)
        folder_a = ["a1", "a2", "a3", "z1", "z2"]
        expected = {p(x, y) for i, x in enumerate(folder_a) for y in folder_a[i + 1 :]}
        expected |= {p("b1", "b2"), p("z3", "z4")}
        assert set(found) == expected
        assert all(link.strength == "weak" for link in found.values())


def test_hash_dihedral_is_close_to_the_rotated_images_own_pdq() -> None:
    pics = pictures()
    a1, a1r = pics["a1"][0], pics["a1r"][0]
    dist = [bin(int(v, 16) ^ int(a1r, 16)).count("1") for v in hash_dihedral(a1)]
    assert dist[0] > 90 and min(dist) <= 20
    assert hash_dihedral(hash_dihedral(a1)[4])[4] == a1  # a mirror twice is the identity


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2023:04:01 10:00:00", True),
        ("2023-04-01T10:00:00+02:00", True),
        ("2023:13:01 1", False),
        ("", False),
        (None, False),
        ("garbage text here!!", False),
    ],
)
def test_capture_time_parsing(text: str | None, ok: bool) -> None:
    assert (parse_capture_time(text) is not None) is ok
