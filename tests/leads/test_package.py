"""Lead packages file by file: PDF (rendered and read back), CASE/UCO (validated with
case-utils), VICS (through our importer), manifest and Ed25519 signature (also with openssl),
tampering, revoked keys, missing previews, clear previews only with a logged justification."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import stat
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from case_utils.case_validate import validate
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from PIL import Image
from sqlalchemy import select

from lodestar.config import Settings
from lodestar.errors import DataError, UserError
from lodestar.leads import keys, service
from lodestar.leads.keys import KeyRevoked, private_path, public_pem
from lodestar.leads.package import build_package
from lodestar.leads.previews import make_previews
from lodestar.leads.verify import verify_package
from lodestar.match.formats import read_hashset
from lodestar.match.hashsets import import_hashset
from lodestar.review.media import reveal
from lodestar.series.service import move_media
from lodestar.store import HashSetEntry, Media
from lodestar.store.people_models import AuditEvent, User
from lodestar.workspace import Workspace, open_workspace

from .operation import Op, build_operation

EXPECTED = {
    "README.txt",
    "hashes.vics.json",
    "lead.case.jsonld",
    "manifest.json",
    "manifest.sig",
    "reply-template.json",
    "report.pdf",
    "signing-key.pem",
}


@dataclass
class Built:
    op: Op
    lead: dict
    path: Path
    result: dict
    public_pem: bytes


def _ready_lead(op: Op) -> dict:
    with op.ws.store.session() as s:
        lead = service.create_lead(
            s,
            actor=op.actor("ana"),
            series_ids=[op.series["A"]],
            country="PT",
            agency="PT-PJ",
            summary="Room series; GPS and Portuguese text point to Portugal.",
            clue_ids=list(op.clues.values()),
        )
    with op.ws.store.session() as s:
        return service.review_lead(s, actor=op.actor("bea"), lead_id=lead["id"])


def _package(op: Op, lead_id: int, out: Path, **kw: object) -> dict:
    with op.ws.store.session() as s:
        return build_package(
            s,
            actor=op.actor("ana"),
            lead_id=lead_id,
            out=out,
            root=op.ws.root,
            derived=op.ws.derived,
            **kw,  # type: ignore[arg-type]
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("package")
    ws = open_workspace(
        root / "ws", settings=Settings(db_url=f"sqlite:///{root / 'store.db'}", workers=1)
    )
    op = build_operation(ws)
    lead = _ready_lead(op)
    path = root / "lead.zip"
    result = _package(op, lead["id"], path)
    with ws.store.session() as s:
        pem = keys.export_public_key(s, root=ws.root, actor=op.actor("coord"))["public_key"]
    yield Built(op, lead, path, result, pem.encode())
    ws.close()


def _reveal(op: Op, username: str, sha: str) -> None:
    with op.ws.store.session() as s:
        user = s.get_one(User, op.actor(username).user_id)
        reveal(s, user=user, media=s.get_one(Media, sha), now=datetime.now(UTC))


def _member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def test_package_contents_file_by_file(built: Built) -> None:
    with zipfile.ZipFile(built.path) as zf:
        assert set(zf.namelist()) == EXPECTED
        manifest_raw = zf.read("manifest.json")
        manifest = json.loads(manifest_raw)
        for entry in manifest["files"]:
            data = zf.read(entry["path"])
            assert (
                hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
            )
        assert {e["path"] for e in manifest["files"]} == EXPECTED - {
            "manifest.json",
            "manifest.sig",
            "signing-key.pem",
        }
        public = load_pem_public_key(zf.read("signing-key.pem"))
        public.verify(zf.read("manifest.sig"), manifest_raw)  # type: ignore[union-attr]
        template = json.loads(zf.read("reply-template.json"))
    assert manifest["lead"]["uid"] == built.lead["uid"] == template["lead_uid"]
    assert manifest["key_id"] == built.result["key_id"] and template["agency"] == "PT-PJ"
    assert load_pem_public_key(built.public_pem) is not None
    assert built.result["sha256"] == hashlib.sha256(built.path.read_bytes()).hexdigest()
    assert manifest["clear_previews"] == [] and manifest["missing_previews"] == []


def test_pdf_renders_and_holds_title_and_hash_table(built: Built, tmp_path: Path) -> None:
    pdf = pdfium.PdfDocument(_member(built.path, "report.pdf"))
    first = pdf[0].render(scale=1.5).to_pil()
    first.save(tmp_path / "page1.png")
    grey = first.convert("L")
    assert grey.getextrema()[0] < 60  # printed text, not a blank page
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert f"Lead {built.lead['id']}: {built.lead['title']}" in text
    assert "Hash list" in text and "Country reasoning" in text and "Lisbon, Lisboa" in text
    compact = text.replace("\r", "").replace("\n", "")
    for sha in built.op.media["A"]:
        assert sha in compact
    assert built.op.media["B"][0] not in compact  # only the lead's series


def test_case_jsonld_validates_with_case_utils(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "lead.case.jsonld"
    path.write_bytes(_member(built.path, "lead.case.jsonld"))
    result = validate(str(path))
    assert result.conforms, result.text
    doc = json.loads(path.read_text())
    kinds = [n["@type"] for n in doc["@graph"]]
    assert kinds.count("uco-observable:File") == len(built.op.media["A"])
    assert kinds.count("uco-core:Annotation") == len(built.op.clues) + 1  # + country reasoning
    hashes = {
        h["uco-types:hashValue"]["@value"]
        for n in doc["@graph"]
        if n["@type"] == "uco-observable:File"
        for f in n["uco-core:hasFacet"]
        if f["@type"] == "uco-observable:ContentDataFacet"
        for h in f["uco-observable:hash"]
        if h["uco-types:hashMethod"] == "SHA256"
    }
    assert hashes == {sha.upper() for sha in built.op.media["A"]}


def test_case_validation_catches_a_broken_graph(built: Built, tmp_path: Path) -> None:
    doc = json.loads(_member(built.path, "lead.case.jsonld"))
    node = next(n for n in doc["@graph"] if n["@type"] == "uco-core:Annotation")
    node["uco-core:object"] = []  # an Annotation must be about something
    node["uco-core:statment"] = "typo"
    path = tmp_path / "broken.jsonld"
    path.write_text(json.dumps(doc))
    with pytest.warns(UserWarning):
        assert not validate(str(path)).conforms


def test_vics_round_trips_through_our_importer(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "hashes.vics.json"
    path.write_bytes(_member(built.path, "hashes.vics.json"))
    records = list(read_hashset(path, "vics"))
    assert {r.sha256 for r in records} == set(built.op.media["A"])
    assert {r.series for r in records} == {"Room 1"}
    with built.op.ws.store.session() as s:
        hs = import_hashset(
            s,
            path=path,
            fmt=None,
            name=f"partner-{tmp_path.name}",
            category_map={},
            known_ignorable=False,
            actor="test",
        )
        entries = s.scalars(select(HashSetEntry).where(HashSetEntry.set_id == hs.id)).all()
        media = {m.sha256: m for m in s.scalars(select(Media))}
        assert {e.sha256 for e in entries} == set(built.op.media["A"])
        for e in entries:
            assert (e.md5, e.sha1, e.size) == (
                media[e.sha256].md5,
                media[e.sha256].sha1,
                media[e.sha256].size,
            )


def test_verify_accepts_the_package_and_openssl_agrees(built: Built, tmp_path: Path) -> None:
    report = verify_package(built.path, public_key=built.public_pem)
    assert report.ok and report.key_trusted and report.lead_uid == built.lead["uid"]
    assert {f.path for f in report.files} == EXPECTED
    untrusted = verify_package(built.path)
    assert untrusted.ok and not untrusted.key_trusted
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed to check packages the way a partner without Lodestar does"
    with zipfile.ZipFile(built.path) as zf:
        zf.extractall(tmp_path)
    (tmp_path / "key.pem").write_bytes(built.public_pem)
    cmd = [
        openssl,
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        str(tmp_path / "key.pem"),
        "-rawin",
        "-in",
        str(tmp_path / "manifest.json"),
        "-sigfile",
        str(tmp_path / "manifest.sig"),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Verified Successfully" in done.stdout


def _rewrite(
    src: Path, dst: Path, change: dict[str, bytes | None], add: dict[str, bytes] | None = None
) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in change:
                data = change[info.filename]
                if data is not None:
                    zout.writestr(info.filename, data)
                continue
            zout.writestr(info, zin.read(info.filename))
        for name, data in (add or {}).items():
            zout.writestr(name, data)


def test_tampering_fails_naming_each_file(built: Built, tmp_path: Path) -> None:
    pdf = bytearray(_member(built.path, "report.pdf"))
    pdf[len(pdf) // 2] ^= 0x01
    bad = tmp_path / "tampered.zip"
    _rewrite(
        built.path,
        bad,
        {"report.pdf": bytes(pdf), "hashes.vics.json": None},
        add={"extra.txt": b"slipped in"},
    )
    report = verify_package(bad, public_key=built.public_pem)
    assert not report.ok
    assert sorted(report.failing) == ["extra.txt", "hashes.vics.json", "report.pdf"]
    reasons = {f.path: f.reason for f in report.files}
    assert "SHA-256 differs" in reasons["report.pdf"] and "missing" in reasons["hashes.vics.json"]

    manifest = json.loads(_member(built.path, "manifest.json"))
    manifest["lead"]["country"] = "NL"
    forged = tmp_path / "forged.zip"
    _rewrite(built.path, forged, {"manifest.json": json.dumps(manifest).encode()})
    failing = verify_package(forged, public_key=built.public_pem).failing
    assert "manifest.json" in failing and "manifest.sig" in failing

    other = public_pem(Ed25519PrivateKey.generate().public_key()).encode()
    assert verify_package(built.path, public_key=other).failing == [
        "manifest.json",
        "manifest.sig",
        "signing-key.pem",
    ]
    (tmp_path / "not.zip").write_bytes(b"PK\x03\x04 nope")
    with pytest.raises(DataError, match="not.zip: not a readable ZIP"):
        verify_package(tmp_path / "not.zip")


def test_private_key_file_is_owner_only(built: Built) -> None:
    path = private_path(built.op.ws.root, built.result["key_id"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_previews_are_blurred_greyscale_unless_justified(built: Built) -> None:
    sha = built.op.media["A"][0]
    with built.op.ws.store.session() as s:
        blurred, clear = (
            make_previews(s, derived=built.op.ws.derived, shas=[sha, sha], clear={})[0],
            make_previews(s, derived=built.op.ws.derived, shas=[sha], clear={sha: "x" * 20})[0],
        )
    assert blurred.jpeg is not None and clear.jpeg is not None and clear.clear
    b, c = Image.open(io.BytesIO(blurred.jpeg)), Image.open(io.BytesIO(clear.jpeg))
    assert b.mode == "L" and c.mode == "RGB" and b.size == c.size

    def detail(img: Image.Image) -> float:  # mean absolute difference of neighbouring pixels
        px = np.asarray(img.convert("L"), dtype=np.float32)
        return float(np.abs(np.diff(px, axis=1)).mean())

    assert detail(b) < detail(c) / 3


def test_clear_preview_needs_justification_and_is_logged(built: Built, tmp_path: Path) -> None:
    sha = built.op.media["A"][1]
    with pytest.raises(UserError, match="justification"):
        _package(built.op, built.lead["id"], tmp_path / "x.zip", clear={sha[:12]: "needed"})
    assert not (tmp_path / "x.zip").exists()
    why = "partner must recognise the wallpaper pattern"
    with pytest.raises(UserError, match="has not revealed media"):  # issue 16: reveal first
        _package(built.op, built.lead["id"], tmp_path / "clear.zip", clear={sha[:12]: why})
    _reveal(built.op, "ana", sha)
    out = _package(built.op, built.lead["id"], tmp_path / "clear.zip", clear={sha[:12]: why})
    assert out["clear_previews"] == [{"sha256": sha, "justification": why}]
    manifest = json.loads(_member(tmp_path / "clear.zip", "manifest.json"))
    assert manifest["clear_previews"] == [{"sha256": sha, "justification": why}]
    with built.op.ws.store.session() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert last.action == "lead.packaged"
    assert last.detail["clear_previews"] == [{"sha256": sha, "justification": why}]


def test_refusals_draft_missing_previews_revoked_key(tmp_path: Path, ws: Workspace) -> None:
    op = build_operation(ws)
    with op.ws.store.session() as s:
        draft = service.create_lead(
            s, actor=op.actor("ana"), series_ids=[op.series["B"]], country="PT", agency="PT-PJ"
        )
    with pytest.raises(service.NeedsReview, match="draft"):
        _package(op, draft["id"], tmp_path / "d.zip")
    lead = _ready_lead(op)
    with op.ws.store.session() as s:
        move_media(s, media=[op.media["B"][0]], to_series=op.series["A"], actor="coord")
    with pytest.raises(service.NeedsReview, match="changed since its review"):
        _package(op, lead["id"], tmp_path / "c.zip")
    with op.ws.store.session() as s:
        service.review_lead(s, actor=op.actor("coord"), lead_id=lead["id"])
    thumb = next(op.ws.derived.rglob(f"{op.media['A'][2]}.jpg"))
    thumb.unlink()
    with pytest.raises(DataError, match=r"no preview for 1 media .*--allow-missing"):
        _package(op, lead["id"], tmp_path / "m.zip")
    out = _package(op, lead["id"], tmp_path / "m.zip", allow_missing=True)
    assert out["missing_previews"] == [op.media["A"][2]]
    with op.ws.store.session() as s:
        keys.revoke_key(s, actor=op.actor("coord"), reason="laptop lost")
    with pytest.raises(KeyRevoked, match="revoked \\(laptop lost\\); nothing was packaged"):
        _package(op, lead["id"], tmp_path / "r.zip", allow_missing=True)
    assert not (tmp_path / "r.zip").exists()
    with op.ws.store.session() as s:
        with pytest.raises(Exception, match="does not allow"):
            keys.make_key(s, root=op.ws.root, actor=op.actor("ana"))
        fresh = keys.make_key(s, root=op.ws.root, actor=op.actor("coord"))
    assert fresh["key_id"] != out["key_id"]
    again = _package(op, lead["id"], tmp_path / "r.zip", allow_missing=True)
    assert again["key_id"] == fresh["key_id"]
    with pytest.raises(UserError, match="exists already"):
        _package(op, lead["id"], tmp_path / "r.zip", allow_missing=True)
