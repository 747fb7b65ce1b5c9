"""The workspace's Ed25519 package-signing key.

The public half and its state (revoked or not) live in the store; the private half lives in a
file under ``<workspace>/keys/`` readable by its owner only (0600). The newest key is the
current one: once it is revoked nothing is signed until a coordinator makes a new one, so a
compromised key cannot quietly keep signing.
"""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.access import Actor, require
from lodestar.audit import append_event
from lodestar.errors import DataError, UserError
from lodestar.store.lead_models import SigningKey

KEY_DIR = "keys"


class KeyRevoked(UserError):
    code = "key_revoked"


def key_id_of(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_pem(data: bytes, *, name: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise DataError(f"{name}: not a PEM public key ({exc})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise DataError(f"{name}: not an Ed25519 public key")
    return key


def private_path(root: Path, key_id: str) -> Path:
    return Path(root) / KEY_DIR / f"lead-signing-{key_id[:16]}.pem"


def current_key(session: Session) -> SigningKey | None:
    return session.scalar(select(SigningKey).order_by(SigningKey.id.desc()).limit(1))


def key_as_dict(key: SigningKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "created_at": key.created_at,
        "created_by": key.created_by,
        "revoked": key.revoked_at is not None,
        "revoked_at": key.revoked_at,
        "revoked_by": key.revoked_by,
        "revoked_reason": key.revoked_reason,
    }


def list_keys(session: Session) -> list[dict[str, Any]]:
    return [key_as_dict(k) for k in session.scalars(select(SigningKey).order_by(SigningKey.id))]


def new_key(session: Session, *, root: Path, actor: Actor) -> SigningKey:
    """Generate the workspace's signing key (first one, or after the current was revoked)."""
    current = current_key(session)
    if current is not None and current.revoked_at is None:
        raise UserError(
            f"signing key {current.key_id[:16]} is still valid; revoke it first",
            detail={"key_id": current.key_id},
        )
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    key_id = key_id_of(public)
    path = private_path(root, key_id)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # protected by the file mode; a lab workstation unlocks it
    )
    # O_EXCL + mode at creation: the key is never readable by others, not even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    key = SigningKey(
        key_id=key_id,
        public_key=public_pem(public),
        created_at=datetime.now(UTC),
        created_by=actor.name,
    )
    session.add(key)
    session.flush()
    append_event(
        session,
        actor=actor.name,
        user_id=actor.user_id,
        action="lead.key_new",
        target=f"key:{key_id}",
    )
    return key


def signing_key(
    session: Session, *, root: Path, actor: Actor
) -> tuple[SigningKey, Ed25519PrivateKey]:
    """The current key for signing: made on first use, refused when revoked."""
    key = current_key(session)
    if key is None:
        key = new_key(session, root=root, actor=actor)
    if key.revoked_at is not None:
        raise KeyRevoked(
            f"the workspace's signing key {key.key_id[:16]} was revoked "
            f"({key.revoked_reason or 'no reason given'}); nothing was packaged. "
            "A coordinator makes a new one with `lodestar leads key new`",
            detail={"key_id": key.key_id},
        )
    return key, _load_private(root, key)


def _load_private(root: Path, key: SigningKey) -> Ed25519PrivateKey:
    path = private_path(root, key.key_id)
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError(
            f"the private signing key {path} is missing on this workstation",
            detail={"key_id": key.key_id},
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UserError(
            f"private signing key {path} is readable by others (mode {stat.S_IMODE(mode):o}); "
            "run chmod 600 on it"
        )
    private = serialization.load_pem_private_key(data, password=None)
    if not isinstance(private, Ed25519PrivateKey) or key_id_of(private.public_key()) != key.key_id:
        raise DataError(f"{path} does not hold the private half of key {key.key_id[:16]}")
    return private


def export_public_key(session: Session, *, root: Path, actor: Actor) -> dict[str, Any]:
    """The current public key (PEM) for partners; makes the key if there is none yet."""
    require(actor, "key.export")
    key = current_key(session) or new_key(session, root=root, actor=actor)
    append_event(
        session,
        actor=actor.name,
        user_id=actor.user_id,
        action="lead.key_export",
        target=f"key:{key.key_id}",
    )
    return {**key_as_dict(key), "public_key": key.public_key}


def revoke_key(session: Session, *, actor: Actor, reason: str) -> dict[str, Any]:
    require(actor, "key.manage")
    key = current_key(session)
    if key is None or key.revoked_at is not None:
        raise UserError("there is no valid signing key to revoke")
    if not reason.strip():
        raise UserError("say why the key is revoked (--reason)")
    key.revoked_at, key.revoked_by, key.revoked_reason = datetime.now(UTC), actor.name, reason
    append_event(
        session,
        actor=actor.name,
        user_id=actor.user_id,
        action="lead.key_revoke",
        target=f"key:{key.key_id}",
        detail={"reason": reason.strip()},
    )
    session.flush()
    return key_as_dict(key)


def make_key(session: Session, *, root: Path, actor: Actor) -> dict[str, Any]:
    require(actor, "key.manage")
    return key_as_dict(new_key(session, root=root, actor=actor))


def verify_signature(public: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True
