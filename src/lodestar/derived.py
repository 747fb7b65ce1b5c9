"""Every derived artifact's path, in one place.

A workspace keeps what Lodestar computes from evidence under ``derived/`` at content-addressed
paths (keyed by the media's SHA-256), so every stage, the web shell and a cleanup job agree on
where a thumbnail, a feature file or a keyframe lives. Stages store *relative* paths in the
database (relative to ``derived/``) so a workspace can be moved; :func:`resolve_inside` turns
one back into a file and refuses anything that would escape ``derived/``.

Layout (relative to the workspace root)::

    derived/thumbs/ab/<sha>.jpg                 fast-pass thumbnail
    derived/features/ab/<sha>.npz               local features of a still
    derived/features/keyframes/ab/<sha>.npz     local features of a video's keyframes
    derived/keyframes/ab/<sha>/<ms>.jpg         keyframe images of a video
    derived/contact/ab/<sha>.jpg                a video's contact sheet
    derived/prnu/<fingerprint-id>.npz           camera sensor fingerprints
    spool/                                      temporary copies of large archive members
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

DERIVED_DIR = "derived"
SPOOL_DIR = "spool"
LOGS_DIR = "logs"


def _fanout(sha256: str) -> str:
    """Two hex characters of fan-out keep directories small at 100k+ media."""
    if len(sha256) < 3 or not all(c in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a lowercase hex digest: {sha256!r}")
    return sha256[:2]


def derived_root(workspace_root: Path) -> Path:
    return workspace_root / DERIVED_DIR


def spool_root(workspace_root: Path) -> Path:
    return workspace_root / SPOOL_DIR


def logs_root(workspace_root: Path) -> Path:
    return workspace_root / LOGS_DIR


# -- relative paths (what the store keeps), relative to derived/ -----------------------------


def thumb_relpath(sha256: str) -> PurePosixPath:
    return PurePosixPath("thumbs", _fanout(sha256), f"{sha256}.jpg")


def features_relpath(sha256: str) -> PurePosixPath:
    return PurePosixPath("features", _fanout(sha256), f"{sha256}.npz")


def keyframe_features_relpath(sha256: str) -> PurePosixPath:
    return PurePosixPath("features", "keyframes", _fanout(sha256), f"{sha256}.npz")


def keyframe_relpath(sha256: str, ms: int) -> PurePosixPath:
    return PurePosixPath("keyframes", _fanout(sha256), sha256, f"{int(ms)}.jpg")


def contact_sheet_relpath(sha256: str) -> PurePosixPath:
    return PurePosixPath("contact", _fanout(sha256), f"{sha256}.jpg")


def prnu_relpath(fingerprint_id: str) -> PurePosixPath:
    if not fingerprint_id or "/" in fingerprint_id or fingerprint_id.startswith("."):
        raise ValueError(f"not a fingerprint id: {fingerprint_id!r}")
    return PurePosixPath("prnu", f"{fingerprint_id}.npz")


# -- absolute paths under a derived/ folder ---------------------------------------------------


def thumb_path(derived: Path, sha256: str) -> Path:
    return derived / thumb_relpath(sha256)


def features_path(derived: Path, sha256: str) -> Path:
    return derived / features_relpath(sha256)


def keyframe_features_path(derived: Path, sha256: str) -> Path:
    return derived / keyframe_features_relpath(sha256)


def keyframe_path(derived: Path, sha256: str, ms: int) -> Path:
    return derived / keyframe_relpath(sha256, ms)


def contact_sheet_path(derived: Path, sha256: str) -> Path:
    return derived / contact_sheet_relpath(sha256)


def prnu_path(derived: Path, fingerprint_id: str) -> Path:
    return derived / prnu_relpath(fingerprint_id)


def resolve_inside(derived: Path, relpath: str | PurePosixPath) -> Path | None:
    """``derived/relpath`` as a resolved path, or None when it would leave ``derived/``.

    Relative paths come from the store; a tampered row must never make the web shell read
    a file outside the workspace's derived folder.
    """
    base = derived.resolve()
    path = (base / str(relpath)).resolve()
    return path if path.is_relative_to(base) else None
