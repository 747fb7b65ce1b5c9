"""PRNU links: an image without EXIF joins its camera's media; other cameras stay apart.

Two simulated sensors (``lodestar.demo.sensor``: a fixed multiplicative pattern per camera) of
one make/model shoot benign procedural scenes at 576×544 (the builder works on 512² centre
crops; the shots are ``samples.sensor_pictures``). Camera 111 and 222 each have four shots
with a serial (their fingerprints); the EXIF-less ``x1`` (camera 111) and ``x2`` (camera 222)
must each link to their own camera only; ``small`` is too small for the crop and ``other`` is
of another frame size."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy.orm import Session

from lodestar.demo.sensor import sensor_shots
from lodestar.derived import prnu_path
from lodestar.series.prnu import (
    PCE_THRESHOLD,
    CameraFingerprint,
    estimate_fingerprint,
    match_image,
)
from lodestar.series.prnu_links import prnu_bodies, prnu_links
from lodestar.store import MediaLink
from lodestar.workspace import Workspace

from .samples import SENSOR_SHOTS as SHOTS
from .samples import camera_shots


@pytest.fixture
def named(ws: Workspace, tmp_path: Path) -> Iterator[tuple[Session, dict[str, str]]]:
    names = camera_shots(ws, tmp_path)
    with ws.store.session() as session:
        yield session, names


class TestPrnu:
    def test_exifless_images_join_their_own_camera_only(
        self, named: tuple[Session, dict[str, str]]
    ) -> None:
        session, names = named
        links = list(prnu_links.build(session))
        pairs = {(names[x.a], names[x.b]) for x in links} | {
            (names[x.b], names[x.a]) for x in links
        }
        assert {("x1", f"c111-{i}") for i in range(SHOTS)} <= pairs
        assert {("x2", f"c222-{i}") for i in range(SHOTS)} <= pairs
        assert not any(
            (a == "x1" and "222" in b) or (a == "x2" and "111" in b) for a, b in pairs
        ), "an image linked to the other camera"
        assert not any("small" in p or "other" in p for p in pairs)
        assert all(x.strength == "weak" and x.evidence["pce"] >= 60 for x in links)

    def test_fingerprints_are_stored_and_bodies_reported(
        self, ws: Workspace, named: tuple[Session, dict[str, str]]
    ) -> None:
        session, names = named
        links = list(prnu_links.build(session))
        ids = {x.evidence["fingerprint"] for x in links}
        assert len(ids) == 2 and all(prnu_path(ws.derived, i).exists() for i in ids)
        for x in links:
            session.add(
                MediaLink(
                    a_sha256=x.a,
                    b_sha256=x.b,
                    kind=x.kind,
                    builder_version="1",
                    score=x.score,
                    strength=x.strength,
                    evidence=x.evidence,
                )
            )
        session.flush()
        found = {b["serial"]: {names[s] for s in b["images"]} for b in prnu_bodies(session)}
        assert found == {"111": {"x1"}, "222": {"x2"}}


def _centre_grey(data: bytes, size: int = 512) -> np.ndarray:
    grey = np.asarray(Image.open(io.BytesIO(data)).convert("L"), np.float32)
    h, w = grey.shape
    top, left = (h - size) // 2, (w - size) // 2
    return grey[top : top + size, left : left + size]


def test_shared_scene_fools_a_whole_fingerprint_but_not_leave_one_out() -> None:
    """Why links must survive leave-one-out: another camera's shot of a scene that is also in
    one fingerprint image passes PCE 60 against the whole fingerprint (content, not sensor)."""
    frame = (576, 544)
    other = [_centre_grey(b) for b in sensor_shots(2, [200, 201, 202, 203], frame)]
    own = [_centre_grey(b) for b in sensor_shots(1, [300, 301, 302, 303], frame)]
    query = _centre_grey(next(iter(sensor_shots(1, [200], frame))))

    def prints(images: list[np.ndarray]) -> list[CameraFingerprint]:
        return [
            CameraFingerprint(
                f"loo{i}", frame, 512, 3, estimate_fingerprint(images[:i] + images[i + 1 :])
            )
            for i in range(len(images))
        ]

    whole = CameraFingerprint("whole", frame, 512, 4, estimate_fingerprint(other))
    assert match_image(query, [whole], None, size=frame)[0][1] >= PCE_THRESHOLD
    assert min(p for _, p in match_image(query, prints(other), None, size=frame)) < PCE_THRESHOLD
    assert min(p for _, p in match_image(query, prints(own), None, size=frame)) >= PCE_THRESHOLD
