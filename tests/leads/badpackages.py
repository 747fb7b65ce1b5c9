"""Hostile and malformed lead packages, built without a workspace: a fresh Ed25519 key signs
each manifest, so every failure a test sees comes from the malformation alone."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import warnings
import zipfile
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lodestar.leads.keys import key_id_of, public_pem
from lodestar.leads.manifest import MANIFEST, PUBLIC_KEY, SIGNATURE

DATA = "data.bin"
PAYLOAD = bytes(range(256)) * 64  # 16 KiB that deflate leaves roughly as they are


def manifest_doc(files: Mapping[str, bytes], key: Ed25519PrivateKey) -> dict[str, Any]:
    return {
        "format": "lodestar-lead-package/1",
        "lead": {"id": 1, "uid": "1b0c2d7e-0000-4000-8000-000000000001"},
        "key_id": key_id_of(key.public_key()),
        "files": [
            {"path": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
            for n, d in sorted(files.items())
        ],
    }


def package(
    files: Mapping[str, bytes] | None = None,
    *,
    edit: Callable[[dict[str, Any]], None] | None = None,
    extra: tuple[tuple[str, bytes], ...] = (),
    raw: Callable[[bytes], bytes] | None = None,
) -> bytes:
    """A signed package of ``files`` (deflated), its manifest changed by ``edit`` first."""
    files = {DATA: PAYLOAD} if files is None else files
    key = Ed25519PrivateKey.generate()
    doc = manifest_doc(files, key)
    if edit is not None:
        edit(doc)
    manifest = json.dumps(doc).encode()
    manifest = raw(manifest) if raw is not None else manifest
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # "Duplicate name": some tests want duplicates
        for name, data in [*files.items(), *extra]:
            zf.writestr(name, data)
        zf.writestr(MANIFEST, manifest)
        zf.writestr(SIGNATURE, key.sign(manifest))
        zf.writestr(PUBLIC_KEY, public_pem(key.public_key()))
    return buf.getvalue()


def patch_member(data: bytes, name: str, *, method: int | None = None, flags: int = 0) -> bytes:
    """Set ``name``'s compression method and/or OR in flag bits, in both of its headers."""
    out = bytearray(data)
    enc = name.encode()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        local = zf.getinfo(name).header_offset
    pos = out.find(b"PK\x01\x02")
    central = -1
    while pos != -1:
        (nlen,) = struct.unpack_from("<H", out, pos + 28)
        if bytes(out[pos + 46 : pos + 46 + nlen]) == enc:
            central = pos
        pos = out.find(b"PK\x01\x02", pos + 4)
    assert central != -1
    for flag_at, method_at in ((local + 6, local + 8), (central + 8, central + 10)):
        (old,) = struct.unpack_from("<H", out, flag_at)
        struct.pack_into("<H", out, flag_at, old | flags)
        if method is not None:
            struct.pack_into("<H", out, method_at, method)
    return bytes(out)


def corrupt_deflate(data: bytes, name: str) -> bytes:
    """Overwrite the start of ``name``'s deflate stream with an invalid block type."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    nlen, xlen = struct.unpack_from("<HH", out, info.header_offset + 26)
    start = info.header_offset + 30 + nlen + xlen
    out[start : start + 16] = b"\xff" * 16
    return bytes(out)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        if path == "lead":
            doc["lead"] = value
        else:
            next(e for e in doc["files"] if e["path"] == DATA)[path] = value

    return edit


# name → (package bytes, the check that must fail, a word its reason holds)
MALFORMED: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "size-abc": (lambda: package(edit=_set("size", "abc")), DATA, "no size"),
    "size-null": (lambda: package(edit=_set("size", None)), DATA, "no size"),
    "size-true": (lambda: package(edit=_set("size", True)), DATA, "no size"),
    "sha-null": (lambda: package(edit=_set("sha256", None)), DATA, "SHA-256"),
    "lead-str": (lambda: package(edit=_set("lead", "str")), MANIFEST, "lead"),
    "method-99": (lambda: patch_member(package(), DATA, method=99), DATA, "method 99"),
    "manifest-method-99": (
        lambda: patch_member(package(), MANIFEST, method=99),
        MANIFEST,
        "method 99",
    ),
    "encrypted": (lambda: patch_member(package(), DATA, flags=0x1), DATA, "encrypted"),
    "key-encrypted": (
        lambda: patch_member(package(), PUBLIC_KEY, flags=0x1),
        PUBLIC_KEY,
        "encrypted",
    ),
    "corrupt-deflate": (lambda: corrupt_deflate(package(), DATA), DATA, "cannot be read"),
    "manifest-deep": (
        lambda: package(
            raw=lambda raw: raw[:-1] + b', "deep": ' + b"[" * 10**5 + b"]" * 10**5 + b"}"
        ),
        MANIFEST,
        "not JSON",
    ),
}
