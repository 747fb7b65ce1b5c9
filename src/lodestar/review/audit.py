"""The audit log for people: browse, filter, export and verify (the chain lives in lodestar.audit).

Appending and verifying are shared with the CLI stages, so they sit in the neutral
``lodestar.audit``; this module adds what auditors and coordinators read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lodestar.audit import ChainReport, append_event, iter_events, verify_chain
from lodestar.errors import UserError
from lodestar.store.people_models import AuditEvent

__all__ = [
    "ChainReport",
    "append_event",
    "csv_cell",
    "event_as_dict",
    "export_lines",
    "list_events",
    "verify_chain",
]
EXPORT_FORMATS = ("jsonl", "csv")
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection");
# user names come from failed logins, so anyone can put one in the log.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_COLUMNS = ("id", "at", "actor", "user_id", "action", "target", "detail", "prev_hash", "hash")


def event_as_dict(event: AuditEvent) -> dict[str, Any]:
    return {c: getattr(event, c) for c in _COLUMNS}


def _filtered(
    query: Select[Any], *, action: str | None, actor: str | None, since: str | None
) -> Select[Any]:
    if action:
        # "media" matches media.view, media.reveal …; "media.reveal" only itself.
        query = query.where(
            (AuditEvent.action == action) | AuditEvent.action.startswith(action + ".")
        )
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if since:
        query = query.where(AuditEvent.at >= since)
    return query


def list_events(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    since: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest first; page with ``before_id`` (the smallest id of the previous page)."""
    if not 1 <= limit <= 1000:
        raise UserError("limit must be from 1 to 1000")
    query = _filtered(select(AuditEvent), action=action, actor=actor, since=since)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit))
    return [event_as_dict(e) for e in rows]


def export_lines(session: Session, *, fmt: str = "jsonl") -> Iterator[str]:
    """The whole log, oldest first, with hashes, so a copy can be verified elsewhere."""
    if fmt not in EXPORT_FORMATS:
        raise UserError(f"export format must be one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "csv":
        yield _csv_line(_COLUMNS)
    for event in iter_events(session):
        row = event_as_dict(event)
        if fmt == "jsonl":
            yield json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"
        else:
            row["detail"] = json.dumps(row["detail"], ensure_ascii=False, sort_keys=True)
            yield _csv_line([row[c] for c in _COLUMNS])


def csv_cell(value: Any) -> Any:
    """A cell as written: text that a spreadsheet would evaluate gets a leading ``'``.

    Only text is touched (an id or user id is a number, never a formula); the JSON lines
    export keeps the exact values for verification elsewhere."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_line(values: Any) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([csv_cell(v) for v in values])
    return buf.getvalue()
