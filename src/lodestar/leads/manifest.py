"""The package's manifest: what a receiver checks every other file against.

``manifest.json`` lists the SHA-256 and size of every part's file; ``manifest.sig`` is a raw
Ed25519 signature over the manifest's exact bytes and ``signing-key.pem`` the public key, so a
receiver without Lodestar can check a package with ``openssl pkeyutl -verify -rawin`` and
``sha256sum``. These three are the builder's own files, never a part's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from lodestar import __version__

PACKAGE_FORMAT = "lodestar-lead-package/1"
MANIFEST, SIGNATURE, PUBLIC_KEY = "manifest.json", "manifest.sig", "signing-key.pem"
META_FILES = (MANIFEST, SIGNATURE, PUBLIC_KEY)


def manifest_bytes(
    *,
    content: Mapping[str, Any],
    files: Mapping[str, bytes],
    cleared: Mapping[str, str],
    missing: Mapping[str, str],
) -> bytes:
    """The manifest's exact bytes (what the signature covers): files listed by path."""
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
