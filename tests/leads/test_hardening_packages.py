"""Issue 16, defect 13 (lead packages): the package file appears only once its record
commits (a rollback leaves no file), the previews inside are blurred greyscale as built on
the server, and a clear one goes in only if the packager revealed that media."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from sqlalchemy import func, select

from lodestar.access import Actor
from lodestar.errors import UserError
from lodestar.leads import service
from lodestar.leads.package import build_package
from lodestar.review.media import reveal
from lodestar.store import Media
from lodestar.store.lead_models import LeadPackage
from lodestar.store.people_models import User
from lodestar.workspace import Workspace

from .operation import Op, build_operation


class Rollback(Exception):
    pass


@pytest.fixture
def op(ws: Workspace) -> Op:
    return build_operation(ws)


def _reviewed(op: Op) -> int:
    with op.ws.store.session() as s:
        lead = service.create_lead(
            s, actor=op.actor("ana"), series_ids=[op.series["A"]], country="PT", agency="PT-PJ"
        )
    with op.ws.store.session() as s:
        service.review_lead(s, actor=op.actor("bea"), lead_id=lead["id"])
    return int(lead["id"])


def _build(op: Op, s: object, lid: int, out: Path, actor: Actor, **kw: object) -> dict:
    return build_package(
        s,  # type: ignore[arg-type]
        actor=actor,
        lead_id=lid,
        out=out,
        root=op.ws.root,
        derived=op.ws.derived,
        **kw,  # type: ignore[arg-type]
    )


def _packages(op: Op) -> int:
    with op.ws.store.session() as s:
        return s.scalar(select(func.count(LeadPackage.id))) or 0


def test_the_zip_appears_only_after_its_record_commits(op: Op, tmp_path: Path) -> None:
    lid, folder = _reviewed(op), tmp_path / "out"
    out = folder / "lead.zip"
    with pytest.raises(Rollback), op.ws.store.session() as s:
        _build(op, s, lid, out, op.actor("ana"))
        assert not out.exists()  # written, waiting for the commit
        raise Rollback
    assert not out.exists() and list(folder.iterdir()) == []  # nothing left behind
    assert _packages(op) == 0
    with op.ws.store.session() as s:
        result = _build(op, s, lid, out, op.actor("ana"))
        assert not out.exists()
    assert out.is_file() and list(folder.iterdir()) == [out]
    with op.ws.store.session() as s:
        row = s.get_one(LeadPackage, result["package_id"])
    assert row.sha256 == hashlib.sha256(out.read_bytes()).hexdigest() == result["sha256"]


def _pdf_images(package: Path) -> list[Image.Image]:
    with zipfile.ZipFile(package) as zf:
        pdf = pdfium.PdfDocument(zf.read("report.pdf"))
    images = []
    for page in pdf:
        for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,)):
            buf = io.BytesIO()
            obj.extract(buf)
            images.append(Image.open(io.BytesIO(buf.getvalue())))
    return images


def _detail(img: Image.Image) -> float:  # mean absolute difference of neighbouring pixels
    px = np.asarray(img.convert("L"), dtype=np.float32)
    return float(np.abs(np.diff(px, axis=1)).mean())


def test_previews_in_a_package_are_blurred_unless_revealed_and_justified(
    op: Op, tmp_path: Path
) -> None:
    lid, sha = _reviewed(op), op.media["A"][0]
    with op.ws.store.session() as s:
        _build(op, s, lid, tmp_path / "blurred.zip", op.actor("ana"))
        thumb = Image.open(op.ws.derived / s.get_one(Media, sha).thumb)  # type: ignore[operator]
    images = _pdf_images(tmp_path / "blurred.zip")
    assert len(images) == len(op.media["A"])  # one preview per media, no other image
    assert all(i.mode == "L" for i in images)
    assert max(_detail(i) for i in images) < _detail(thumb) / 3

    why = "the partner must recognise the wallpaper"
    workstation = Actor(name="operator")  # no account, so no reveal can be on record
    with pytest.raises(UserError, match="--as USER"), op.ws.store.session() as s:
        _build(op, s, lid, tmp_path / "w.zip", workstation, clear={sha: why})
    with pytest.raises(UserError, match="has not revealed"), op.ws.store.session() as s:
        _build(op, s, lid, tmp_path / "c.zip", op.actor("ana"), clear={sha: why})
    assert not (tmp_path / "c.zip").exists() and not (tmp_path / "w.zip").exists()
    with op.ws.store.session() as s:
        user = s.get_one(User, op.actor("ana").user_id)
        reveal(s, user=user, media=s.get_one(Media, sha), now=datetime.now(UTC))
    with op.ws.store.session() as s:
        _build(op, s, lid, tmp_path / "c.zip", op.actor("ana"), clear={sha: why})
    modes = sorted(i.mode for i in _pdf_images(tmp_path / "c.zip"))
    assert modes == ["L"] * (len(op.media["A"]) - 1) + ["RGB"]
