"""Adding sources and recording their custody."""

from __future__ import annotations

import hashlib
import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.audit import append_event
from lodestar.errors import NotFound, UserError
from lodestar.evidence import reader_for
from lodestar.evidence.pseudofs import refuse_pseudo
from lodestar.evidence.sniff import open_readonly
from lodestar.store import CustodyEntry, Source


def add_source(session: Session, *, location: Path, agency: str, label: str, actor: str) -> Source:
    location = Path(location).expanduser()
    if not location.exists():
        raise UserError(f"evidence location {location} does not exist")
    refuse_pseudo(location)  # named as given: /proc/self resolves to /proc/<pid>
    location = location.resolve()
    reader = reader_for(location)
    existing = session.scalar(select(Source).where(Source.location == str(location)))
    if existing is not None:
        raise UserError(
            f"{location} is already source {existing.id} ({existing.label})",
            detail={"source_id": existing.id},
        )
    source = Source(
        uid=str(uuid.uuid4()),
        kind=reader.name,
        location=str(location),
        label=label,
        agency=agency,
        added_at=_now(),
        added_by=actor,
        container_sha256=_file_sha256(location) if location.is_file() else None,
        status="added",
    )
    session.add(source)
    session.flush()
    record_custody(session, source, actor=actor, action="added", detail={"kind": reader.name})
    append_event(
        session,
        actor=actor,
        action="evidence.add",
        target=f"source:{source.id}",
        detail={"label": label, "agency": agency, "kind": reader.name},
    )
    return source


def record_custody(
    session: Session, source: Source, *, actor: str, action: str, detail: dict[str, Any]
) -> CustodyEntry:
    entry = CustodyEntry(
        source_id=source.id,
        at=_now(),
        actor=actor,
        host=socket.gethostname(),
        action=action,
        detail=detail,
    )
    session.add(entry)
    return entry


def get_source(session: Session, ref: str) -> Source:
    source = session.get(Source, int(ref)) if ref.isdigit() else None
    source = source or session.scalar(select(Source).where(Source.label == ref))
    if source is None:
        raise NotFound(f"no source {ref!r}", detail={"source": ref})
    return source


def list_sources(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.id)))


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(open_readonly(str(path)), "rb", buffering=0) as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)
