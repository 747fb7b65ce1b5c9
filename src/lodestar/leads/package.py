"""Signed lead packages: build one ZIP for a partner, and verify one as the partner would.

A package holds ``report.pdf`` (for people), ``lead.case.jsonld`` (CASE/UCO), ``hashes.vics.json``
(VICS 2.0, the series' hashes), ``reply-template.json`` and ``README.txt``, plus
``manifest.json`` (SHA-256 and size of each of those), ``manifest.sig`` (raw Ed25519 signature
over the manifest's exact bytes) and ``signing-key.pem`` (the public key). A receiver without
Lodestar can check it with ``openssl pkeyutl -verify -rawin`` and ``sha256sum``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar import __version__
from lodestar.access import Actor, require
from lodestar.blur import blurred_jpeg, thumb_file
from lodestar.errors import DataError, LodestarError, UserError
from lodestar.leads.case import case_document
from lodestar.leads.events import lead_event, lead_events
from lodestar.leads.keys import (
    key_id_of,
    load_public_pem,
    public_pem,
    signing_key,
    verify_signature,
)
from lodestar.leads.links import lead_clues, lead_series_ids, series_members
from lodestar.leads.pdf import Preview, write_lead_pdf
from lodestar.leads.queries import clue_dict, get_lead, show_lead
from lodestar.leads.reply import reply_template
from lodestar.leads.staleness import NeedsReview, require_current_review
from lodestar.match.formats import HashSetRecord, write_hashset
from lodestar.review.media import get_limits
from lodestar.store import Item, Media, Series
from lodestar.store.lead_models import Lead, LeadPackage

PACKAGE_FORMAT = "lodestar-lead-package/1"
MANIFEST, SIGNATURE, PUBLIC_KEY = "manifest.json", "manifest.sig", "signing-key.pem"
META_FILES = (MANIFEST, SIGNATURE, PUBLIC_KEY)
MIN_JUSTIFICATION = 15  # characters: a reason, not "ok"


@dataclass
class FileCheck:
    path: str
    ok: bool
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "ok": self.ok, "reason": self.reason}


@dataclass
class VerifyReport:
    package: str
    files: list[FileCheck] = field(default_factory=list)
    key_id: str | None = None
    key_trusted: bool = False  # True when checked against a key the receiver supplied
    lead_uid: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.files) and all(f.ok for f in self.files)

    @property
    def failing(self) -> list[str]:
        return [f.path for f in self.files if not f.ok]

    def as_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "ok": self.ok,
            "failing": self.failing,
            "key_id": self.key_id,
            "key_trusted": self.key_trusted,
            "lead_uid": self.lead_uid,
            "files": [f.as_dict() for f in self.files],
        }


# -- collecting --------------------------------------------------------------------------------


def collect(session: Session, *, lead: Lead, actor: Actor, key_id: str) -> dict[str, Any]:
    """Everything the package says about a lead, as plain data (PDF and CASE read this)."""
    series_ids = lead_series_ids(session, lead_id=lead.id)
    members = series_members(session, series_ids=series_ids)
    series_of = {sha: sid for sid, shas in members.items() for sha in shas}
    media = {
        m.sha256: m for m in session.scalars(select(Media).where(Media.sha256.in_(list(series_of))))
    }
    names = _file_names(session, list(series_of))
    reviewed = [e for e in lead_events(session, lead_id=lead.id) if e["action"] == "reviewed"]
    return {
        "lead": show_lead(session, actor=actor, lead_id=lead.id),
        "series": [
            _series_dict(session.get(Series, sid), members[sid], media) for sid in series_ids
        ],
        "media": [
            _media_dict(media[sha], names.get(sha, []), sid)
            for sid, shas in members.items()
            for sha in shas
        ],
        "clues": [clue_dict(c) for c in lead_clues(session, lead_id=lead.id)],
        "reviewed_by": reviewed[-1]["actor"] if reviewed else None,
        "reviewed_at": _iso(reviewed[-1]["at"]) if reviewed else None,
        "created_at": _iso(datetime.now(UTC)),
        "created_by": actor.name,
        "tool_version": __version__,
        "key_id": key_id,
    }


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _file_names(session: Session, shas: list[str]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for start in range(0, len(shas), 500):
        rows = session.execute(
            select(Item.media_sha256, Item.name).where(
                Item.media_sha256.in_(shas[start : start + 500])
            )
        )
        for sha, name in rows:
            if sha is not None:
                out.setdefault(sha, set()).add(name)
    return {sha: sorted(v) for sha, v in out.items()}


def _series_dict(s: Series | None, shas: list[str], media: Mapping[str, Media]) -> dict[str, Any]:
    assert s is not None  # checked when the lead was made; FK keeps it
    cameras = sorted(
        {
            " ".join(p for p in (m.make, m.model) if p) + (f" #{m.serial}" if m.serial else "")
            for sha in shas
            if (m := media[sha]).make or m.model
        }
    )
    times = sorted(t for sha in shas if (t := media[sha].captured_at))
    return {
        "id": s.id,
        "name": s.name,
        "status": s.status,
        "icse_series": s.icse_series,
        "victim_identified": s.victim_identified,
        "offender_identified": s.offender_identified,
        "members": shas,
        "cameras": cameras,
        "first_capture": times[0] if times else None,
        "last_capture": times[-1] if times else None,
    }


def _media_dict(m: Media, names: list[str], series_id: int) -> dict[str, Any]:
    return {
        "sha256": m.sha256,
        "md5": m.md5,
        "sha1": m.sha1,
        "size": m.size,
        "mime": m.mime,
        "kind": m.kind,
        "width": m.width,
        "height": m.height,
        "captured_at": m.captured_at,
        "file_names": names,
        "series_id": series_id,
    }


# -- previews ----------------------------------------------------------------------------------


def make_previews(
    session: Session, *, derived: Path, shas: list[str], clear: Mapping[str, str]
) -> list[Preview]:
    """Blurred greyscale previews (the operation's default blur); clear ones where justified."""
    radius = int(get_limits(session)["blur_default"])
    out = []
    for sha in shas:
        media = session.get(Media, sha)
        try:
            path = thumb_file(derived, media)  # type: ignore[arg-type]
            if sha in clear:
                out.append(Preview(sha, _clean_jpeg(path), True, clear[sha]))
            else:
                out.append(Preview(sha, blurred_jpeg(path, radius=radius, colour=False)))
        except LodestarError as exc:
            out.append(Preview(sha, None, note=exc.message))
    return out


def _clean_jpeg(path: Path) -> bytes:
    """The thumbnail re-encoded from its pixels only (no metadata travels)."""
    try:
        with Image.open(path) as img:
            pixels = img.convert("RGB")
    except OSError as exc:
        raise DataError(f"cannot read thumbnail {path.name}: {exc}") from exc
    buf = io.BytesIO()
    pixels.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _check_clear(clear: Mapping[str, str], shas: list[str]) -> dict[str, str]:
    inside = set(shas)
    out = {}
    for ref, why in clear.items():
        matches = [s for s in inside if s.startswith(ref.lower())] if len(ref) >= 8 else []
        if len(matches) != 1:
            raise UserError(
                f"--clear {ref}: not one media of this lead (give its SHA-256 or a prefix ≥ 8)"
            )
        if len(why.strip()) < MIN_JUSTIFICATION:
            raise UserError(
                f"--clear {ref}: a clear preview needs a written justification "
                f"(at least {MIN_JUSTIFICATION} characters)"
            )
        out[matches[0]] = why.strip()
    return out


# -- building ----------------------------------------------------------------------------------


def build_package(
    session: Session,
    *,
    actor: Actor,
    lead_id: int,
    out: Path,
    root: Path,
    derived: Path,
    clear: Mapping[str, str] | None = None,
    allow_missing: bool = False,
) -> dict[str, Any]:
    """Write the signed package of a reviewed lead to ``out`` and record it (caller commits)."""
    require(actor, "lead.package")
    lead = get_lead(session, actor=actor, lead_id=lead_id)
    out = Path(out)
    if out.exists():
        raise UserError(f"{out} exists already; choose another file name", detail={"out": str(out)})
    if lead.status == "draft":
        raise NeedsReview(f"lead {lead.id} is a draft; a second person must review it first")
    require_current_review(session, lead=lead, doing="packaging it")
    key, private = signing_key(session, root=root, actor=actor)
    content = collect(session, lead=lead, actor=actor, key_id=key.key_id)
    shas = [m["sha256"] for m in content["media"]]
    cleared = _check_clear(clear or {}, shas)
    previews = make_previews(session, derived=derived, shas=shas, clear=cleared)
    missing = {p.sha256: p.note for p in previews if p.jpeg is None}
    if missing and not allow_missing:
        raise DataError(
            f"lead {lead.id}: no preview for {len(missing)} media "
            f"({', '.join(s[:12] for s in sorted(missing))}); nothing was packaged. "
            "Re-run the thumbnails, or pass --allow-missing to package without them",
            detail={"missing": missing},
        )
    files = _payload(content, previews, lead)
    manifest = _manifest(content, files, cleared, missing)
    signature = private.sign(manifest)
    _write_zip(out, files, manifest, signature, public_pem(private.public_key()), content)
    return _record(session, actor, lead, out, manifest, key.key_id, cleared, missing, files)


def _payload(content: dict[str, Any], previews: list[Preview], lead: Lead) -> dict[str, bytes]:
    pdf = io.BytesIO()
    write_lead_pdf(content, previews, pdf)
    case = json.dumps(case_document(content), indent=1, ensure_ascii=False).encode()
    template = reply_template(lead_uid=lead.uid, agency=lead.agency_code)
    return {
        "report.pdf": pdf.getvalue(),
        "lead.case.jsonld": case,
        "hashes.vics.json": _vics(content),
        "reply-template.json": json.dumps(template, indent=2).encode(),
        "README.txt": _readme(content).encode(),
    }


def _vics(content: dict[str, Any]) -> bytes:
    names = {
        s["id"]: s["icse_series"] or s["name"] or f"lodestar-series-{s['id']}"
        for s in content["series"]
    }
    flags = {s["id"]: (s["victim_identified"], s["offender_identified"]) for s in content["series"]}
    records = (
        HashSetRecord(
            record_no=n,
            md5=m["md5"],
            sha1=m["sha1"],
            sha256=m["sha256"],
            size=m["size"],
            file_names=tuple(m["file_names"]),
            series=names[m["series_id"]],
            victim_identified=flags[m["series_id"]][0],
            offender_identified=flags[m["series_id"]][1],
        )
        for n, m in enumerate(content["media"], start=1)
    )
    meta = {"CaseID": content["lead"]["uid"], "SourceApplicationName": f"Lodestar {__version__}"}
    with tempfile.TemporaryDirectory(prefix="lodestar-vics-") as tmp:
        path = Path(tmp) / "hashes.vics.json"
        write_hashset(records, path, "vics", shape="case", case_meta=meta)
        return path.read_bytes()


def _readme(content: dict[str, Any]) -> str:
    lead = content["lead"]
    return (
        f"Lodestar lead package — lead {lead['id']} ({lead['uid']})\n"
        f"Target: {lead['country']} / {lead['agency'] or '-'}; packaged {content['created_at']}\n\n"
        "report.pdf          the lead for people (previews blurred unless justified)\n"
        "lead.case.jsonld    the lead in CASE/UCO JSON-LD\n"
        "hashes.vics.json    the series' hashes, VICS 2.0\n"
        "reply-template.json fill in and return to record acknowledgement and outcomes\n"
        "manifest.json       SHA-256 of every file; manifest.sig signs it (Ed25519)\n\n"
        "Check with Lodestar:  lodestar leads verify PACKAGE.zip --public-key KEY.pem\n"
        "Check without it (key obtained from the sender separately):\n"
        "  openssl pkeyutl -verify -pubin -inkey KEY.pem -rawin -in manifest.json "
        "-sigfile manifest.sig\n"
        "  then compare sha256sum of each file with manifest.json\n"
    )


def _manifest(
    content: dict[str, Any],
    files: dict[str, bytes],
    cleared: dict[str, str],
    missing: dict[str, str],
) -> bytes:
    lead = content["lead"]
    doc = {
        "format": PACKAGE_FORMAT,
        "lead": {
            "id": lead["id"],
            "uid": lead["uid"],
            "country": lead["country"],
            "agency": lead["agency"],
        },
        "created_at": content["created_at"],
        "created_by": content["created_by"],
        "tool": f"Lodestar {__version__}",
        "key_id": content["key_id"],
        "algorithm": "Ed25519 over the bytes of manifest.json; SHA-256 per file",
        "clear_previews": [{"sha256": s, "justification": j} for s, j in sorted(cleared.items())],
        "missing_previews": sorted(missing),
        "files": [
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(files.items())
        ],
    }
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _write_zip(
    out: Path,
    files: dict[str, bytes],
    manifest: bytes,
    signature: bytes,
    public: str,
    content: dict[str, Any],
) -> None:
    stamp = datetime.strptime(content["created_at"], "%Y-%m-%dT%H:%M:%SZ").timetuple()[:6]
    everything = {**files, MANIFEST: manifest, SIGNATURE: signature, PUBLIC_KEY: public.encode()}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in everything.items():
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _record(
    session: Session,
    actor: Actor,
    lead: Lead,
    out: Path,
    manifest: bytes,
    key_id: str,
    cleared: dict[str, str],
    missing: dict[str, str],
    files: dict[str, bytes],
) -> dict[str, Any]:
    data = out.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    sizes = {name: len(b) for name, b in files.items()}
    row = LeadPackage(
        lead_id=lead.id,
        created_at=datetime.now(UTC),
        created_by=actor.name,
        file_name=str(out),
        sha256=digest,
        size=len(data),
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
        key_id=key_id,
        detail={"files": sizes, "clear": cleared, "missing_previews": sorted(missing)},
    )
    session.add(row)
    session.flush()
    clear_log = [{"sha256": s, "justification": j} for s, j in sorted(cleared.items())]
    lead_event(
        session,
        lead,
        actor,
        "packaged",
        package_id=row.id,
        file=out.name,
        sha256=digest,
        key_id=key_id,
        clear_previews=clear_log,
        missing_previews=sorted(missing),
    )
    return {
        "package_id": row.id,
        "lead_id": lead.id,
        "file": str(out),
        "sha256": digest,
        "size": len(data),
        "key_id": key_id,
        "files": {**sizes, MANIFEST: len(manifest)},
        "clear_previews": clear_log,
        "missing_previews": sorted(missing),
    }


# -- verifying ---------------------------------------------------------------------------------


def verify_package(path: Path, public_key: bytes | None = None) -> VerifyReport:
    """Check a package as its receiver would: signature, then every file against the manifest.

    Without ``public_key`` the key inside the package is used: that proves the package is
    intact and self-consistent, not who made it (``key_trusted`` stays False).
    """
    path = Path(path)
    report = VerifyReport(package=str(path))
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a readable ZIP package ({exc})") from exc
    with zf:
        names = [i.filename for i in zf.infolist()]
        dupes = sorted({n for n in names if names.count(n) > 1})
        report.files += [FileCheck(n, False, "appears more than once in the ZIP") for n in dupes]
        manifest, listed = _check_meta(zf, set(names) - set(dupes), report, public_key)
        if manifest is None:
            return report
        for entry in listed:
            report.files.append(_check_file(zf, entry, set(names), dupes))
        extra = sorted(set(names) - {e["path"] for e in listed} - set(META_FILES) - set(dupes))
        report.files += [FileCheck(n, False, "not listed in the manifest") for n in extra]
    return report


def _read_member(
    zf: zipfile.ZipFile, name: str, names: set[str], limit: int = 1 << 20
) -> bytes | None:
    if name not in names:
        return None
    with zf.open(name) as fh:
        return fh.read(limit)


def _check_meta(
    zf: zipfile.ZipFile, names: set[str], report: VerifyReport, public_key: bytes | None
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    raw = _read_member(zf, MANIFEST, names, 64 << 20)
    if raw is None:
        report.files.append(FileCheck(MANIFEST, False, "missing"))
        return None, []
    key, key_check = _package_key(zf, names, public_key, report)
    sig = _read_member(zf, SIGNATURE, names)
    signed = key is not None and sig is not None and verify_signature(key, sig, raw)
    why = "" if signed else "signature does not match (manifest.json or manifest.sig altered)"
    if sig is None:
        why = "manifest.sig is missing"
    elif key is None:
        why = "no usable public key to check the signature"
    try:
        manifest = json.loads(raw)
        listed = [e for e in manifest["files"] if isinstance(e.get("path"), str)]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        report.files.append(FileCheck(MANIFEST, False, f"not a package manifest ({exc})"))
        return None, []
    report.lead_uid = (manifest.get("lead") or {}).get("uid")
    if signed and key is not None and manifest.get("key_id") != key_id_of(key):
        key_check = FileCheck(PUBLIC_KEY, False, "the manifest names another signing key")
    report.files.append(FileCheck(MANIFEST, signed, why))
    report.files.append(FileCheck(SIGNATURE, signed, "" if signed else why))
    report.files.append(key_check)
    return manifest, listed


def _package_key(
    zf: zipfile.ZipFile, names: set[str], public_key: bytes | None, report: VerifyReport
) -> tuple[Any, FileCheck]:
    embedded_raw = _read_member(zf, PUBLIC_KEY, names)
    embedded = None
    if embedded_raw is not None:
        try:
            embedded = load_public_pem(embedded_raw, name=PUBLIC_KEY)
        except DataError:
            embedded = None
    if public_key is not None:
        trusted = load_public_pem(public_key, name="the given public key")
        report.key_id, report.key_trusted = key_id_of(trusted), True
        if embedded is None or key_id_of(embedded) != key_id_of(trusted):
            return trusted, FileCheck(PUBLIC_KEY, False, "not the public key you gave")
        return trusted, FileCheck(PUBLIC_KEY, True)
    if embedded is None:
        reason = "missing" if embedded_raw is None else "not an Ed25519 PEM public key"
        return None, FileCheck(PUBLIC_KEY, False, reason)
    report.key_id = key_id_of(embedded)
    return embedded, FileCheck(PUBLIC_KEY, True, "key taken from the package itself (untrusted)")


def _check_file(
    zf: zipfile.ZipFile, entry: dict[str, Any], names: set[str], dupes: list[str]
) -> FileCheck:
    name = entry["path"]
    if name in dupes:
        return FileCheck(name, False, "appears more than once in the ZIP")
    if name not in names:
        return FileCheck(name, False, "listed in the manifest but missing")
    size = int(entry.get("size", -1))
    digest = hashlib.sha256()
    read = 0
    try:
        with zf.open(name) as fh:
            # Read at most one byte past the listed size: a bloated member cannot stall us.
            while read <= size and (chunk := fh.read(min(1 << 20, size + 1 - read))):
                digest.update(chunk)
                read += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return FileCheck(name, False, f"cannot be read ({exc})")
    if read != size:
        what = "more" if read > size else f"{read}"
        return FileCheck(name, False, f"{what} bytes where the manifest says {size}")
    if digest.hexdigest() != entry.get("sha256"):
        return FileCheck(name, False, "SHA-256 differs from the manifest")
    return FileCheck(name, True)
