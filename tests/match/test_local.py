"""Local-feature near-duplicates in a workspace: crops and rotations PDQ misses."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from lodestar.analyze.ingest import ingest
from lodestar.demo.photos import jpeg_bytes, scene
from lodestar.derived import features_path
from lodestar.evidence.service import add_source
from lodestar.match.local import compute_local_features, match_local
from lodestar.match.matching import matches_for
from lodestar.match.perceptual import similar_to
from lodestar.store import Media, ProcessingWarning
from lodestar.workspace import Workspace

from ..analyze.corpus import snapshot


def _evidence(root: Path) -> tuple[Path, dict[str, bytes]]:
    root.mkdir()
    original = scene(3, (960, 720))
    w, h = original.size
    files = {
        "original.jpg": jpeg_bytes(original, 90),
        "rotated.jpg": jpeg_bytes(original.rotate(5, resample=Image.Resampling.BICUBIC), 90),
        "other.jpg": jpeg_bytes(scene(11, (960, 720)), 90),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    crop = jpeg_bytes(original.crop((w // 10, h // 10, w - w // 10, h - h // 10)), 90)
    files["crop.jpg"] = crop
    with zipfile.ZipFile(root / "sent.zip", "w") as zf:  # the crop exists only in an archive
        zf.writestr("chat/crop.jpg", crop)
    (root / "broken.jpg").write_bytes(files["other.jpg"][:300])
    return root, files


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_crop_and_rotation_are_matched_and_others_are_not(ws: Workspace, tmp_path: Path) -> None:
    root, files = _evidence(tmp_path / "ev")
    before = snapshot([root])
    with ws.store.session() as s:
        add_source(s, location=root, agency="XX", label="ev", actor="t")
    ingest(ws, actor="t")
    with ws.store.session() as s:
        images = set(s.scalars(select(Media.sha256).where(Media.kind == "image")))
        computed = compute_local_features(
            s, derived=ws.derived, settings=ws.settings, spool_dir=ws.spool
        )
        assert computed == sum(features_path(ws.derived, sha).exists() for sha in images)
        assert compute_local_features(
            s, derived=ws.derived, settings=ws.settings, spool_dir=ws.spool
        ) == 0  # features are kept: nothing to redo
        assert match_local(s, derived=ws.derived) == 3  # original, crop, rotated: each pair
        original = _sha(files["original.jpg"])
        found = {m["other_sha256"] for m in matches_for(s, original) if m["method"] == "orb"}
        other = {m["other_sha256"] for m in matches_for(s, _sha(files["other.jpg"]))}
    assert found == {_sha(files["crop.jpg"]), _sha(files["rotated.jpg"])}
    assert not other
    assert snapshot([root]) == before


def test_undecodable_image_is_a_warning(ws: Workspace, tmp_path: Path) -> None:
    root, files = _evidence(tmp_path / "ev")
    with ws.store.session() as s:
        add_source(s, location=root, agency="XX", label="ev", actor="t")
    ingest(ws, actor="t")
    broken = _sha(files["other.jpg"][:300])
    with ws.store.session() as s:
        media = s.get(Media, broken)
        assert media is not None and media.kind == "image"  # known by signature, not decodable
        compute_local_features(s, derived=ws.derived, settings=ws.settings, spool_dir=ws.spool)
        warned = s.scalars(
            select(ProcessingWarning.media_sha256).where(
                ProcessingWarning.stage == "features", ProcessingWarning.code == "features_failed"
            )
        ).all()
    assert warned == [broken]
    assert not features_path(ws.derived, broken).exists()


def test_similar_finds_an_outside_crop_pdq_misses(ws: Workspace, tmp_path: Path) -> None:
    root, files = _evidence(tmp_path / "ev")
    with ws.store.session() as s:
        add_source(s, location=root, agency="XX", label="ev", actor="t")
    ingest(ws, actor="t")
    original = Image.open(root / "original.jpg")
    w, h = original.size
    outside = jpeg_bytes(original.crop((w // 6, 0, w, h - h // 6)).rotate(-4), 85)
    with ws.store.session() as s:
        compute_local_features(s, derived=ws.derived, settings=ws.settings, spool_dir=ws.spool)
        before = similar_to(s, ws.derived, outside)
    found = {m["sha256"] for m in before["local_media"]}
    assert _sha(files["original.jpg"]) in found
    assert _sha(files["other.jpg"]) not in found
    assert _sha(files["original.jpg"]) not in {m["sha256"] for m in before["near_media"]}
