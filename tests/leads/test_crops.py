"""Sanitised object crops: only the box, no metadata (checked with exiftool), logged."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps
from sqlalchemy import select

from lodestar.errors import Forbidden, UserError
from lodestar.leads.crops import export_crop, parse_box
from lodestar.review.media import reveal
from lodestar.store import Media
from lodestar.store.people_models import AuditEvent, User
from lodestar.workspace import Workspace

from .operation import Op, build_operation


@pytest.fixture
def op(ws: Workspace) -> Op:
    return build_operation(ws, sizes=(2, 1))


def _exif_tags(path: Path) -> dict[str, object]:
    exiftool = shutil.which("exiftool")
    assert exiftool, "exiftool is needed to check that crops carry no metadata"
    done = subprocess.run(
        [exiftool, "-j", "-a", "-G1", str(path)], capture_output=True, text=True, check=True
    )
    tags: dict[str, object] = json.loads(done.stdout)[0]
    return tags


def _reveal(op: Op, actor: str) -> None:
    """A crop needs the media revealed to its user first (issue 16)."""
    with op.ws.store.session() as s:
        user = s.get_one(User, op.actor(actor).user_id)
        reveal(s, user=user, media=s.get_one(Media, op.media["A"][0]), now=datetime.now(UTC))


def _crop(op: Op, out: Path, box: str, actor: str = "ana") -> dict:
    if op.actor(actor).role != "liaison":
        _reveal(op, actor)
    with op.ws.store.session() as s:
        return export_crop(
            s,
            actor=op.actor(actor),
            media=op.media["A"][0][:12],
            box=parse_box(box),
            out=out,
            settings=op.ws.settings,
            spool_dir=op.ws.spool,
        )


def test_crop_holds_only_the_box_and_no_metadata(op: Op, tmp_path: Path) -> None:
    original = op.folder / "a0.jpg"
    before = _exif_tags(original)
    assert any("GPS" in k for k in before) and "IFD0:Make" in before  # the test means something
    out = _crop(op, tmp_path / "object.png", "100,50,120,80")
    assert (out["width"], out["height"]) == (120, 80)
    crop = Image.open(tmp_path / "object.png")
    assert crop.size == (120, 80) and not crop.info.get("exif") and not crop.info.get("icc_profile")
    with Image.open(original) as img:
        expected = np.asarray(ImageOps.exif_transpose(img).convert("RGB").crop((100, 50, 220, 130)))
    assert np.array_equal(np.asarray(crop.convert("RGB")), expected)
    after = _exif_tags(tmp_path / "object.png")
    leaked = [
        k
        for k in after
        if k.split(":")[0] not in ("SourceFile", "ExifTool", "System", "File", "PNG", "Composite")
    ]
    assert leaked == [], leaked
    jpg = _crop(op, tmp_path / "object.jpg", "0,0,64,64")
    tags = _exif_tags(tmp_path / "object.jpg")
    assert not any(k.startswith(("IFD0", "ExifIFD", "GPS", "XMP", "ICC")) for k in tags), tags
    with Image.open(io.BytesIO((tmp_path / "object.jpg").read_bytes())) as img:
        assert img.size == (64, 64)
    with op.ws.store.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "crop.export")).all()
    assert [e.detail["box"] for e in events] == [[100, 50, 120, 80], [0, 0, 64, 64]]
    assert events[1].detail["sha256"] == jpg["sha256"] and events[0].target.endswith(
        op.media["A"][0]
    )


def test_crop_refusals(op: Op, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(UserError, match="outside the image \\(480×360\\)"):
        _crop(op, tmp_path / "x.png", "400,300,100,100")
    with pytest.raises(UserError, match="x,y,w,h"):
        parse_box("1,2,3")
    with pytest.raises(UserError, match="positive"):
        parse_box("1,2,0,3")
    with pytest.raises(UserError, match=".png or .jpg"):
        _crop(op, tmp_path / "x.gif", "0,0,10,10")
    with pytest.raises(Forbidden):
        _crop(op, tmp_path / "x.png", "0,0,10,10", actor="lia-pt")
    with op.ws.store.session() as s, pytest.raises(UserError, match="is a video"):
        export_crop(
            s,
            actor=op.actor("ana"),
            media=op.media["video"][0],
            box=(0, 0, 1, 1),
            out=tmp_path / "v.png",
            settings=op.ws.settings,
            spool_dir=op.ws.spool,
        )
    assert not list(tmp_path.iterdir())  # nothing written by a refused export
