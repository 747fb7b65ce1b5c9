"""Verifying a lead package as its receiver would: signature first, then every file.

Each file gets a :class:`FileCheck` with a reason, so ``leads verify`` can name what failed
(tampered, missing, extra, duplicated) instead of a bare yes or no.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lodestar.errors import DataError
from lodestar.leads.keys import key_id_of, load_public_pem, verify_signature
from lodestar.leads.manifest import MANIFEST, META_FILES, PUBLIC_KEY, SIGNATURE


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
