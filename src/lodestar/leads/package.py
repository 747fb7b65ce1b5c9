"""Building a signed lead package: one ZIP for a partner agency.

The files come from the registered package parts (:mod:`lodestar.leads.parts`: today
``report.pdf``, ``lead.case.jsonld``, ``hashes.vics.json``, ``reply-template.json``,
``README.txt``), built from one collected content and its protected previews. The builder then
adds what covers them all: ``manifest.json``, ``manifest.sig`` and ``signing-key.pem``
(:mod:`lodestar.leads.manifest`). A receiver checks it with :mod:`lodestar.leads.verify`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from lodestar.access import Actor, require
from lodestar.errors import DataError, UserError
from lodestar.leads.archive import write_pending_zip
from lodestar.leads.content import collect
from lodestar.leads.events import lead_event
from lodestar.leads.keys import public_pem, signing_key
from lodestar.leads.manifest import MANIFEST, META_FILES, PUBLIC_KEY, SIGNATURE, manifest_bytes
from lodestar.leads.parts.base import PartContext, PartError, ordered_parts
from lodestar.leads.previews import check_clear, check_revealed, make_previews
from lodestar.leads.queries import get_lead
from lodestar.leads.staleness import NeedsReview, require_current_review
from lodestar.store.lead_models import Lead, LeadPackage


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
    """Write the signed package of a reviewed lead to ``out`` and record it (caller commits).

    ``out`` appears only when the caller's transaction commits (the ZIP waits beside it as a
    hidden temporary file until then, and is removed on a rollback): no package file exists
    that the store does not record. A clear preview must be one the packager has revealed.
    """
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
    cleared = check_clear(clear or {}, shas)
    check_revealed(session, actor=actor, shas=sorted(cleared))
    previews = make_previews(session, derived=derived, shas=shas, clear=cleared)
    missing = {p.sha256: p.note for p in previews if p.jpeg is None}
    if missing and not allow_missing:
        raise DataError(
            f"lead {lead.id}: no preview for {len(missing)} media "
            f"({', '.join(s[:12] for s in sorted(missing))}); nothing was packaged. "
            "Re-run the thumbnails, or pass --allow-missing to package without them",
            detail={"missing": missing},
        )
    files = build_parts(PartContext(content=content, previews=tuple(previews)))
    manifest = manifest_bytes(content=content, files=files, cleared=cleared, missing=missing)
    members = {
        **files,
        MANIFEST: manifest,
        SIGNATURE: private.sign(manifest),
        PUBLIC_KEY: public_pem(private.public_key()).encode(),
    }
    pending = write_pending_zip(out, members=members, created_at=content["created_at"])
    try:
        data = pending.read_bytes()
        result = _record(
            session, actor, lead, out, data, manifest, key.key_id, cleared, missing, files
        )
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    _place_on_commit(session, pending, out)
    return result


def _place_on_commit(session: Session, pending: Path, out: Path) -> None:
    """Move ``pending`` to ``out`` when the session's transaction commits; drop it otherwise.

    The listeners stay on the (short-lived) session; ``done`` keeps them to this transaction.
    """
    root = session.get_transaction()
    done = False

    def place(_session: Session) -> None:
        nonlocal done
        if not done:
            done = True
            os.replace(pending, out)

    def end(_session: Session, transaction: SessionTransaction) -> None:
        nonlocal done
        if transaction is root or (root is None and transaction.parent is None):
            done = True
            pending.unlink(missing_ok=True)  # no-op after a commit moved it into place

    event.listen(session, "after_commit", place)
    event.listen(session, "after_transaction_end", end)


def build_parts(context: PartContext) -> dict[str, bytes]:
    """Every registered part's files, in part order (the ZIP's order); contracts checked."""
    files: dict[str, bytes] = {}
    for part in ordered_parts():
        members = part.build(context)
        names = [name for name, _ in members]
        if sorted(names) != sorted(part.filenames):
            raise PartError(f"package part {part.name!r} returned {names}, not {part.filenames}")
        for name, data in members:
            if name in files or name in META_FILES:
                raise PartError(f"package part {part.name!r}: {name} is another file's name")
            files[name] = data
    return files


def _record(
    session: Session,
    actor: Actor,
    lead: Lead,
    out: Path,
    data: bytes,
    manifest: bytes,
    key_id: str,
    cleared: dict[str, str],
    missing: dict[str, str],
    files: dict[str, bytes],
) -> dict[str, Any]:
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
