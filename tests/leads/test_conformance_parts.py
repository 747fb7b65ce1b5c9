"""Conformance of every registered lead-package part (built-in or a ``lodestar.plugins`` one).

Each test is parametrised over ``package_parts.names()``, so a new part is tested without
editing this file — except :data:`EXPECTATIONS`, its sample check (what its files must parse
back to), which a registered part must have here: a test fails for a part without one.

Every part, from the same context as the builder gives it: builds exactly the files it
declares (unique across parts, never the manifest's own), the same bytes twice, copes with a
lead that has no clues and no previews and with one that has no media at all, lands in the
manifest of a real package, and never carries an unblurred picture (the clear thumbnail, its
clean re-encoding or the evidence file), looked for in raw bytes and inside PDF image streams.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from lodestar.config import Settings
from lodestar.leads import lifecycle
from lodestar.leads.content import collect
from lodestar.leads.manifest import META_FILES
from lodestar.leads.package import build_package, build_parts
from lodestar.leads.parts.base import PackagePart, PartContext, PartError, package_parts
from lodestar.leads.pdf import Preview, write_lead_pdf
from lodestar.leads.previews import make_previews
from lodestar.leads.queries import get_lead
from lodestar.match.formats import read_hashset
from lodestar.workspace import open_workspace

from .operation import Op, build_operation

CONFORMANCE_KIND = "package part"
PARTS = package_parts.names()

Members = dict[str, bytes]


@dataclass
class Setting:
    op: Op
    full: PartContext  # a reviewed lead: series A, every clue, blurred previews
    bare: PartContext  # a lead without clues whose previews are all missing (series B)
    empty: PartContext  # the same content stripped of every media, series member and clue
    forbidden: dict[str, bytes]  # label → bytes of an unblurred picture of series A
    package: Path  # a real package of the full lead


def _context(op: Op, lead_id: int, *, clear: dict[str, str] | None = None) -> PartContext:
    with op.ws.store.session() as s:
        lead = get_lead(s, actor=op.actor("ana"), lead_id=lead_id)
        content = collect(s, lead=lead, actor=op.actor("ana"), key_id="conformance-key")
        shas = [m["sha256"] for m in content["media"]]
        previews = make_previews(s, derived=op.ws.derived, shas=shas, clear=clear or {})
    return PartContext(content=content, previews=tuple(previews))


def _make_leads(op: Op) -> tuple[int, int]:
    """A reviewed lead on series A with every clue, and a bare draft on series B."""
    with op.ws.store.session() as s:
        full = lifecycle.create_lead(
            s,
            actor=op.actor("ana"),
            series_ids=[op.series["A"]],
            country="PT",
            agency="PT-PJ",
            summary="Room series; GPS and Portuguese text point to Portugal.",
            clue_ids=list(op.clues.values()),
        )
        bare = lifecycle.create_lead(
            s, actor=op.actor("ana"), series_ids=[op.series["B"]], country="PT"
        )
    with op.ws.store.session() as s:
        lifecycle.review_lead(s, actor=op.actor("bea"), lead_id=full["id"])
    return full["id"], bare["id"]


def _forbidden(op: Op, lead_id: int) -> dict[str, bytes]:
    """The pictures that must never travel: clear thumbnails, their clean re-encodings (what a
    justified clear preview embeds) and the evidence files themselves."""
    out: dict[str, bytes] = {}
    clean = _context(op, lead_id, clear={sha: "x" * 20 for sha in op.media["A"]})
    for p in clean.previews:
        assert p.jpeg is not None and p.clear
        out[f"clean re-encoding of {p.sha256[:12]}"] = p.jpeg
    for sha in op.media["A"]:
        out[f"thumbnail of {sha[:12]}"] = next(op.ws.derived.rglob(f"{sha}.jpg")).read_bytes()
    for path in sorted(op.folder.iterdir()):
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() in op.media["A"]:
            out[f"evidence file {path.name}"] = data
    return out


def _strip_media(context: PartContext) -> PartContext:
    content = copy.deepcopy(dict(context.content))
    content["media"], content["clues"] = [], []
    for series in content["series"]:
        series.update(members=[], cameras=[], first_capture=None, last_capture=None)
    content["lead"]["clues"] = []
    return replace(context, content=content, previews=())


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setting]:
    root = tmp_path_factory.mktemp("parts")
    ws = open_workspace(
        root / "ws", settings=Settings(db_url=f"sqlite:///{root / 'store.db'}", workers=1)
    )
    op = build_operation(ws)
    full_id, bare_id = _make_leads(op)
    for sha in op.media["B"]:  # the bare lead: no thumbnail, so no preview, for any media
        next(op.ws.derived.rglob(f"{sha}.jpg")).unlink()
    package = root / "lead.zip"
    with op.ws.store.session() as s:
        build_package(
            s,
            actor=op.actor("ana"),
            lead_id=full_id,
            out=package,
            root=op.ws.root,
            derived=op.ws.derived,
        )
    full, bare = _context(op, full_id), _context(op, bare_id)
    assert full.content["clues"] and all(p.jpeg is not None and not p.clear for p in full.previews)
    assert not bare.content["clues"] and all(p.jpeg is None for p in bare.previews)
    yield Setting(op, full, bare, _strip_media(full), _forbidden(op, full_id), package)
    ws.close()


def _build(name: str, context: PartContext) -> Members:
    members = package_parts.get(name).build(context)
    out = dict(members)
    assert len(out) == len(members), f"{name} returned one file name twice"
    return out


# -- sample checks, one per part: what its files must parse back to -----------------------------


def _pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    return "".join(page.get_textpage().get_text_range() for page in pdf)


def _expect_report_pdf(members: Members, context: PartContext, tmp: Path) -> None:
    data = members["report.pdf"]
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data).replace("\r", "").replace("\n", "")
    assert f"Lead {context.content['lead']['id']}: " in text and "Hash list" in text
    for m in context.content["media"]:
        assert m["sha256"] in text


def _expect_case_jsonld(members: Members, context: PartContext, tmp: Path) -> None:
    doc = json.loads(members["lead.case.jsonld"])
    kinds = [node["@type"] for node in doc["@graph"]]
    assert "case-investigation:Investigation" in kinds
    assert kinds.count("uco-observable:File") == len(context.content["media"])


def _expect_vics_hashes(members: Members, context: PartContext, tmp: Path) -> None:
    path = tmp / "hashes.vics.json"
    path.write_bytes(members["hashes.vics.json"])
    records = list(read_hashset(path, "vics"))
    expected = sorted(m["sha256"] for m in context.content["media"])
    assert sorted(r.sha256 or "" for r in records) == expected


def _expect_reply_template(members: Members, context: PartContext, tmp: Path) -> None:
    template = json.loads(members["reply-template.json"])
    assert template["lead_uid"] == context.content["lead"]["uid"]
    assert template["agency"] == context.content["lead"]["agency"]
    assert template["_outcomes_allowed"] == list(lifecycle.OUTCOMES)


def _expect_readme(members: Members, context: PartContext, tmp: Path) -> None:
    text = members["README.txt"].decode("utf-8")
    assert context.content["lead"]["uid"] in text and "openssl pkeyutl -verify" in text
    for part in package_parts:  # lists every other part's files: a new part needs no edit here
        if part.name != "readme":
            for filename in part.filenames:
                assert f"\n{filename} " in text


Expectation = Callable[[Members, PartContext, Path], None]
EXPECTATIONS: dict[str, Expectation] = {
    "report-pdf": _expect_report_pdf,
    "case-uco": _expect_case_jsonld,
    "vics-hashes": _expect_vics_hashes,
    "reply-template": _expect_reply_template,
    "readme": _expect_readme,
}


def test_every_registered_part_has_a_sample_check() -> None:
    missing = sorted(set(PARTS) - set(EXPECTATIONS))
    assert not missing, f"package parts without a sample check in EXPECTATIONS: {missing}"
    stale = sorted(set(EXPECTATIONS) - set(PARTS))
    assert not stale, f"EXPECTATIONS for parts that are not registered: {stale}"


# -- the contract, for every registered part ----------------------------------------------------


@pytest.mark.parametrize("name", PARTS)
def test_declares_unique_files_and_a_description(name: str) -> None:
    part = package_parts.get(name)
    assert isinstance(part, PackagePart) and part.name == name
    assert part.filenames and len(set(part.filenames)) == len(part.filenames)
    assert isinstance(part.order, int)
    assert part.description.strip() and "\n" not in part.description
    others = {f for p in package_parts if p.name != name for f in p.filenames}
    clash = set(part.filenames) & (others | set(META_FILES))
    assert not clash, f"{name} writes files another part or the manifest writes: {clash}"


@pytest.mark.parametrize("name", PARTS)
def test_builds_exactly_its_files_which_parse_back(
    name: str, setting: Setting, tmp_path: Path
) -> None:
    members = _build(name, setting.full)
    assert sorted(members) == sorted(package_parts.get(name).filenames)
    assert all(members.values()), f"{name} wrote an empty file"
    EXPECTATIONS[name](members, setting.full, tmp_path)


@pytest.mark.parametrize("name", PARTS)
def test_same_input_gives_the_same_bytes(name: str, setting: Setting) -> None:
    first = _build(name, setting.full)
    again = _build(name, setting.full)
    fresh = _build(name, copy.deepcopy(setting.full))  # not tied to one object's identity
    assert first == again == fresh
    assert _build(name, setting.full) == first  # and building did not change its input


@pytest.mark.parametrize("kind", ["bare", "empty"])
@pytest.mark.parametrize("name", PARTS)
def test_handles_a_lead_without_clues_or_media(
    name: str, kind: str, setting: Setting, tmp_path: Path
) -> None:
    context: PartContext = getattr(setting, kind)
    members = _build(name, context)
    assert sorted(members) == sorted(package_parts.get(name).filenames)
    EXPECTATIONS[name](members, context, tmp_path)


@pytest.mark.parametrize("name", PARTS)
def test_appears_in_the_signed_manifest(name: str, setting: Setting) -> None:
    with zipfile.ZipFile(setting.package) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        listed = {e["path"]: e for e in manifest["files"]}
        for filename in package_parts.get(name).filenames:
            data = zf.read(filename)
            assert listed[filename]["sha256"] == hashlib.sha256(data).hexdigest()
            assert listed[filename]["size"] == len(data)


# -- never an unblurred picture -----------------------------------------------------------------


def _views(data: bytes) -> list[bytes]:
    """The bytes as stored, plus every image stream of a PDF decoded (reportlab ASCII85-encodes
    them, so a clear JPEG inside a PDF is not a raw substring of the file)."""
    views = [data]
    if data.startswith(b"%PDF-"):
        for page in pdfium.PdfDocument(data):
            for obj in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE], max_depth=8):
                views.append(bytes(obj.get_data(decode_simple=True)))
    return views


def _carries(data: bytes, picture: bytes) -> bool:
    """Whether ``data`` holds ``picture`` or a slice of it. Slices come from the middle of the
    file: JPEG headers (tables, markers) are shared by every picture, the coded pixels are not."""
    n = len(picture)
    windows = [picture[int(n * f) : int(n * f) + 48] for f in (0.35, 0.5, 0.65)]
    return any(picture in view or any(w in view for w in windows) for view in _views(data))


def test_the_check_finds_a_clear_preview_inside_a_pdf(setting: Setting) -> None:
    label, clean = next((k, v) for k, v in setting.forbidden.items() if k.startswith("clean"))
    sha = label.rsplit(" ", 1)[-1]
    full = next(p for p in setting.full.previews if p.sha256.startswith(sha))
    buf = io.BytesIO()
    write_lead_pdf(dict(setting.full.content), [Preview(full.sha256, clean, True, "x" * 20)], buf)
    assert _carries(buf.getvalue(), clean)
    assert clean not in buf.getvalue()  # the raw file alone would have missed it
    blurred = io.BytesIO()
    write_lead_pdf(dict(setting.full.content), [full], blurred)
    assert not _carries(blurred.getvalue(), clean)


@pytest.mark.parametrize("name", PARTS)
def test_never_carries_an_unblurred_picture(name: str, setting: Setting) -> None:
    for filename, data in _build(name, setting.full).items():
        for label, picture in setting.forbidden.items():
            assert not _carries(data, picture), f"{name}: {filename} carries the {label}"


# -- the builder holds parts to the contract ----------------------------------------------------


class _Misnamed:
    name = "misnamed"
    order = 50
    filenames = ("declared.txt",)
    description = "declares one file and writes another"

    def build(self, context: PartContext) -> list[tuple[str, bytes]]:
        return [("other.txt", b"x")]


class _Manifest(_Misnamed):
    name = "manifest-writer"
    filenames = ("manifest.json",)

    def build(self, context: PartContext) -> list[tuple[str, bytes]]:
        return [("manifest.json", b"{}")]


@pytest.mark.parametrize("bad", [_Misnamed(), _Manifest()], ids=lambda p: p.name)
def test_the_builder_refuses_a_part_that_breaks_the_contract(
    bad: Any, setting: Setting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lodestar.leads.package.ordered_parts", lambda: [bad])
    with pytest.raises(PartError, match=bad.name):
        build_parts(setting.full)
