"""Readable copies of stored media: folder files in place, archive members re-extracted."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from sqlalchemy import delete, select

from lodestar.analyze.ingest import ingest
from lodestar.evidence.content import MediaCopy, Unavailable, materialize
from lodestar.evidence.service import add_source
from lodestar.store import Item, Media
from lodestar.workspace import Workspace

from ..analyze.corpus import make_evidence, snapshot


def _ingested(ws: Workspace, root: Path) -> list[Path]:
    dirs = make_evidence(root, images=4, video=False)
    with ws.store.session() as s:
        for d in dirs:
            add_source(s, location=d, agency="XX", label=d.name, actor="tester")
    ingest(ws, actor="tester")
    return dirs


def _all(ws: Workspace, shas: list[str]) -> list[MediaCopy | Unavailable]:
    out: list[MediaCopy | Unavailable] = []
    with ws.store.session() as s:
        for got in materialize(s, shas, settings=ws.settings, spool_dir=ws.spool):
            if isinstance(got, MediaCopy):  # read while the copy exists
                assert hashlib.sha256(got.path.read_bytes()).hexdigest() == got.sha256
            out.append(got)
    return out


def test_every_media_has_a_verified_copy_and_evidence_is_unchanged(
    ws: Workspace, tmp_path: Path
) -> None:
    dirs = _ingested(ws, tmp_path / "ev")
    before = snapshot(dirs)
    with ws.store.session() as s:
        shas = sorted(s.scalars(select(Media.sha256)))
    got = _all(ws, shas)
    assert sorted(g.sha256 for g in got) == shas
    assert all(isinstance(g, MediaCopy) for g in got)
    assert snapshot(dirs) == before
    temporary = [g for g in got if isinstance(g, MediaCopy) and g.temporary]
    assert temporary and not any(g.path.exists() for g in temporary)  # cleaned up


def test_archive_only_member_is_extracted(ws: Workspace, tmp_path: Path) -> None:
    dirs = _ingested(ws, tmp_path / "ev")
    member = b"only in the archive " * 50
    sha = hashlib.sha256(member).hexdigest()
    extra = tmp_path / "ev2"
    extra.mkdir()
    with zipfile.ZipFile(extra / "nested.zip", "w") as zf:
        zf.writestr("deep/inner.zip", _zip_bytes({"z/only.bin": member}))
    with ws.store.session() as s:
        add_source(s, location=extra, agency="XX", label="extra", actor="tester")
    ingest(ws, actor="tester")
    (got,) = _all(ws, [sha])
    assert isinstance(got, MediaCopy) and got.temporary
    assert got.path_spec == "nested.zip!/deep/inner.zip!/z/only.bin"
    assert dirs  # the first sources stay as they were


def test_missing_and_changed_content_are_reported(ws: Workspace, tmp_path: Path) -> None:
    dirs = _ingested(ws, tmp_path / "ev")
    with ws.store.session() as s:
        x = s.scalars(select(Item).where(Item.path_spec == "photos.zip!/inner/x.jpg")).one()
        x_sha = x.media_sha256
        assert x_sha is not None
        # Leave only the archive occurrence, then rewrite the archive with other bytes.
        s.execute(delete(Item).where(Item.media_sha256 == x_sha, Item.id != x.id))
    with zipfile.ZipFile(dirs[1] / "photos.zip", "w") as zf:
        zf.writestr("inner/x.jpg", b"different bytes")
    (changed,) = _all(ws, [x_sha])
    assert isinstance(changed, Unavailable) and changed.code == "content_changed"
    (missing,) = _all(ws, ["0" * 64])
    assert isinstance(missing, Unavailable) and missing.code == "content_missing"


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()
