"""Verifying a lead package as its receiver would: signature first, then every file.

Each file gets a :class:`FileCheck` with a reason, so ``leads verify`` can name what failed
(tampered, missing, extra, duplicated, malformed) instead of a bare yes or no.

A package to verify is untrusted input (the web verifies uploads), so nothing is inflated on
a claim alone: the member count is read from the ZIP's end record before its directory is
parsed, each listed size is checked against the central directory (and a compression ratio)
before a byte is read, the inflated total is capped, every check is linear in the number of
members, and the whole verification runs against a time budget. A malformed package is a
named failure in the report, never an exception.
"""

from __future__ import annotations

import hashlib
import json
import time
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lodestar.errors import DataError
from lodestar.leads.keys import key_id_of, load_public_pem, verify_signature
from lodestar.leads.manifest import MANIFEST, META_FILES, PUBLIC_KEY, SIGNATURE

PACKAGE = "(package)"  # the FileCheck path of a failure of the ZIP as a whole
MAX_MEMBERS = 100_000  # a package holds a handful of files; far more is not one of ours
MAX_MANIFEST = 64 << 20  # bytes
MAX_META = 1 << 20  # bytes: the signature and the public key are tiny
MAX_INFLATED = 8 << 30  # bytes of all listed members together (uploads stop at 2 GiB)
# Deflate at most shrinks ~1032:1; our parts (PDF with JPEGs, JSON of hashes) shrink < 20:1.
MAX_RATIO = 200
RATIO_FLOOR = 1 << 20  # bytes: small members may compress well (a README of spaces)
TIME_BUDGET = 300.0  # seconds for one verification
_CHUNK = 1 << 20
# What a broken member raises when read: bad headers, CRC, truncated or corrupt deflate.
_READ_ERRORS = (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError)


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


class _Budget:
    """Inflated bytes and seconds left to one verification."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.inflated = 0

    def over_time(self) -> bool:
        return time.monotonic() > self.deadline

    @property
    def why(self) -> str:
        return f"not checked: verification ran past its time budget of {self.seconds:g} s"


def verify_package(
    path: Path, public_key: bytes | None = None, *, time_budget: float = TIME_BUDGET
) -> VerifyReport:
    """Check a package as its receiver would: signature, then every file against the manifest.

    Without ``public_key`` the key inside the package is used: that proves the package is
    intact and self-consistent, not who made it (``key_trusted`` stays False).
    """
    path = Path(path)
    report = VerifyReport(package=str(path))
    count = _declared_members(path)
    if count is not None and count > MAX_MEMBERS:
        # Refused before zipfile parses a directory this size into memory.
        report.files.append(FileCheck(PACKAGE, False, f"{count} members; at most {MAX_MEMBERS}"))
        return report
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise DataError(f"{path}: not a readable ZIP package ({exc})") from exc
    with zf:
        budget = _Budget(time_budget)
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            report.files.append(
                FileCheck(PACKAGE, False, f"{len(infos)} members; at most {MAX_MEMBERS}")
            )
            return report
        counts = Counter(i.filename for i in infos)  # linear: one pass, not a count per name
        dupes = {n for n, c in counts.items() if c > 1}
        report.files += [
            FileCheck(n, False, "appears more than once in the ZIP") for n in sorted(dupes)
        ]
        single = {i.filename: i for i in infos if i.filename not in dupes}
        manifest, listed = _check_meta(zf, single, report, public_key)
        if manifest is None:
            return report
        seen: set[str] = set()
        for entry in listed:
            report.files.append(_check_file(zf, entry, single, dupes, seen, budget))
        extra = sorted(set(single) - seen - set(META_FILES))
        report.files += [FileCheck(n, False, "not listed in the manifest") for n in extra]
    return report


def _declared_members(path: Path) -> int | None:
    """The member count the ZIP's end record declares (None when it cannot be read here).

    ``zipfile._EndRecData`` is what ``ZipFile`` itself reads first; used so a directory of
    millions of entries is refused before it is parsed.
    """
    end_record = getattr(zipfile, "_EndRecData", None)
    if end_record is None:
        return None
    try:
        with path.open("rb") as fh:
            rec = end_record(fh)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    return int(rec[4]) if rec else None  # _ECD_ENTRIES_TOTAL


def _unreadable(info: zipfile.ZipInfo) -> str:
    """Why a member cannot be read at all ("" when it can): checked before opening it."""
    if info.flag_bits & 0x1:
        return "is encrypted; a package is never encrypted"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return f"uses compression method {info.compress_type}; a package uses deflate or none"
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return (
            f"claims {info.file_size} bytes from {info.compress_size} compressed "
            f"(more than {MAX_RATIO}:1); not inflated"
        )
    return ""


def _read_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo | None, limit: int
) -> tuple[bytes | None, str]:
    """A small member's bytes, or None and why not ("missing" when absent)."""
    if info is None:
        return None, "missing"
    why = _unreadable(info)
    if not why and info.file_size > limit:
        why = f"{info.file_size} bytes; at most {limit}"
    if why:
        return None, why
    try:
        with zf.open(info) as fh:
            return fh.read(limit), ""
    except _READ_ERRORS as exc:
        return None, f"cannot be read ({exc})"


def _check_meta(
    zf: zipfile.ZipFile,
    names: dict[str, zipfile.ZipInfo],
    report: VerifyReport,
    public_key: bytes | None,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    raw, unread = _read_member(zf, names.get(MANIFEST), MAX_MANIFEST)
    if raw is None:
        report.files.append(FileCheck(MANIFEST, False, unread))
        return None, []
    key, key_check = _package_key(zf, names, public_key, report)
    sig, sig_unread = _read_member(zf, names.get(SIGNATURE), MAX_META)
    signed = key is not None and sig is not None and verify_signature(key, sig, raw)
    why = "" if signed else "signature does not match (manifest.json or manifest.sig altered)"
    if sig is None:
        why = "manifest.sig is missing" if sig_unread == "missing" else f"manifest.sig {sig_unread}"
    elif key is None:
        why = "no usable public key to check the signature"
    manifest, listed, malformed = _parse_manifest(raw)
    if manifest is None:
        report.files.append(FileCheck(MANIFEST, False, f"not a package manifest ({malformed})"))
        return None, []
    lead = manifest.get("lead")
    report.lead_uid = (
        lead["uid"] if isinstance(lead, dict) and isinstance(lead.get("uid"), str) else None
    )
    if signed and key is not None and manifest.get("key_id") != key_id_of(key):
        key_check = FileCheck(PUBLIC_KEY, False, "the manifest names another signing key")
    bad_lead = f"not a package manifest ({malformed})" if malformed else ""
    reason = "; ".join(r for r in (why, bad_lead) if r)
    report.files.append(FileCheck(MANIFEST, signed and not malformed, reason))
    report.files.append(FileCheck(SIGNATURE, signed, "" if signed else why))
    report.files.append(key_check)
    return manifest, listed


def _parse_manifest(raw: bytes) -> tuple[dict[str, Any] | None, list[dict[str, Any]], str]:
    """The manifest, its file entries and what is malformed about it ("" when nothing).

    A manifest that is not an object with a list of files is no manifest (None); a bad
    ``lead`` is named (the files can still be checked, the package cannot pass).
    """
    try:
        manifest = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[…" nested deep
        return None, [], f"not JSON: {str(exc)[:200]}"
    if not isinstance(manifest, dict):
        return None, [], "not a JSON object"
    files = manifest.get("files")
    if not isinstance(files, list):
        return None, [], "no list of files"
    listed = [e for e in files if isinstance(e, dict) and isinstance(e.get("path"), str)]
    lead = manifest.get("lead")
    if not isinstance(lead, dict) or not isinstance(lead.get("uid"), str):
        return manifest, listed, "its lead is not an object with a uid"
    return manifest, listed, ""


def _package_key(
    zf: zipfile.ZipFile,
    names: dict[str, zipfile.ZipInfo],
    public_key: bytes | None,
    report: VerifyReport,
) -> tuple[Any, FileCheck]:
    embedded_raw, unread = _read_member(zf, names.get(PUBLIC_KEY), MAX_META)
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
        reason = unread if embedded_raw is None else "not an Ed25519 PEM public key"
        return None, FileCheck(PUBLIC_KEY, False, reason)
    report.key_id = key_id_of(embedded)
    return embedded, FileCheck(PUBLIC_KEY, True, "key taken from the package itself (untrusted)")


def _listed_size(entry: dict[str, Any]) -> int | None:
    size = entry.get("size")
    # bool is an int in Python; "size": true is no size.
    return size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None


def _check_file(
    zf: zipfile.ZipFile,
    entry: dict[str, Any],
    names: dict[str, zipfile.ZipInfo],
    dupes: set[str],
    seen: set[str],
    budget: _Budget,
) -> FileCheck:
    name = entry["path"]
    if name in seen:
        return FileCheck(name, False, "listed more than once in the manifest")
    seen.add(name)
    if name in dupes:
        return FileCheck(name, False, "appears more than once in the ZIP")
    info = names.get(name)
    if info is None:
        return FileCheck(name, False, "listed in the manifest but missing")
    size = _listed_size(entry)
    if size is None:
        return FileCheck(name, False, f"the manifest's size {entry.get('size')!r:.40} is no size")
    if not isinstance(entry.get("sha256"), str):
        return FileCheck(name, False, "the manifest gives no SHA-256")
    # The directory's size first: a member that differs is refused without inflating it.
    if info.file_size != size:
        return FileCheck(name, False, f"{info.file_size} bytes where the manifest says {size}")
    why = _unreadable(info)
    if why:
        return FileCheck(name, False, why)
    if budget.inflated + size > MAX_INFLATED:
        return FileCheck(
            name, False, f"not checked: the package inflates past {MAX_INFLATED} bytes"
        )
    budget.inflated += size
    if budget.over_time():
        return FileCheck(name, False, budget.why)
    return _hash_member(zf, info, entry, size, budget)


def _hash_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, entry: dict[str, Any], size: int, budget: _Budget
) -> FileCheck:
    name = info.filename
    digest = hashlib.sha256()
    read = 0
    try:
        with zf.open(info) as fh:
            # Read at most one byte past the listed size: a member whose local data is longer
            # than its directory entry cannot stall us.
            while read <= size and (chunk := fh.read(min(_CHUNK, size + 1 - read))):
                digest.update(chunk)
                read += len(chunk)
                if budget.over_time():
                    return FileCheck(name, False, budget.why)
    except _READ_ERRORS as exc:
        return FileCheck(name, False, f"cannot be read ({exc})")
    if read != size:
        what = "more" if read > size else f"{read}"
        return FileCheck(name, False, f"{what} bytes where the manifest says {size}")
    if digest.hexdigest() != entry.get("sha256"):
        return FileCheck(name, False, "SHA-256 differs from the manifest")
    return FileCheck(name, True)
