"""The append-only, hash-chained audit log, shared by every stage (CLI and web alike).

Each event stores the SHA-256 of the previous one and its own SHA-256 over a canonical JSON
of its fields including that previous hash, so a changed, removed or inserted event breaks
the chain. Removing the *newest* events cannot show in the chain itself: compare the head
with one recorded earlier (``verify_chain(head=…)``, ``lodestar audit verify --head``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lodestar.store.people_models import AuditEvent

GENESIS = "0" * 64
HASHED_FIELDS = ("at", "actor", "user_id", "action", "target", "detail", "prev_hash")
_APPEND_TRIES = 50


def canonical(fields: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same event always gives the same bytes."""
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def event_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: fields[k] for k in HASHED_FIELDS})).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {k: getattr(event, k) for k in HASHED_FIELDS}


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def head(session: Session) -> str:
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS


def append_event(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
    user_id: int | None = None,
    at: str | None = None,
) -> AuditEvent:
    """Append one event after the current head (flushed, committed by the caller).

    Two writers that read the same head collide on the unique ``prev_hash``; the loser's
    savepoint rolls back and it retries on the new head, so the rest of its work survives.
    """
    # Round-trip through JSON so what is hashed is exactly what the store gives back.
    clean = json.loads(canonical(detail or {}))
    for _ in range(_APPEND_TRIES):
        fields = {
            "at": at or now_iso(),
            "actor": actor,
            "user_id": user_id,
            "action": action,
            "target": target,
            "detail": clean,
            "prev_hash": head(session),
        }
        event = AuditEvent(**fields, hash=event_hash(fields))
        try:
            with session.begin_nested():
                session.add(event)
        except IntegrityError:
            continue
        return event
    raise RuntimeError("could not append to the audit log (too much contention)")


@dataclass
class ChainProblem:
    event_id: int | None
    kind: str  # changed, removed, inserted, head
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "kind": self.kind, "reason": self.reason}


@dataclass
class ChainReport:
    events: int
    head: str
    problem: ChainProblem | None = None
    checked_at: str = field(default_factory=now_iso)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head": self.head,
            "problem": self.problem.as_dict() if self.problem else None,
            "checked_at": self.checked_at,
        }


def iter_events(session: Session, *, batch: int = 2000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.id > last_id)
                .order_by(AuditEvent.id)
                .limit(batch)
            )
        )
        yield from rows
        if len(rows) < batch:
            return
        last_id = rows[-1].id


def verify_chain(session: Session, *, head: str | None = None) -> ChainReport:
    """Walk the log in order; report the first event that is changed, missing or foreign."""
    return verify_events(
        ((e.id, _fields(e), e.hash) for e in iter_events(session)), expected_head=head
    )


Row = tuple[int, dict[str, Any], str]  # id, hashed fields, stored hash


def verify_events(events: Iterable[Row], *, expected_head: str | None = None) -> ChainReport:
    """Stream the chain with one event of look-ahead (tells an insertion from a removal)."""
    seen: set[str] = {GENESIS}
    it = iter(events)
    before: list[Row] = []  # the last two accepted events
    count = 0
    current = next(it, None)
    while current is not None:
        following = next(it, None)
        count += 1
        problem = _check(current, before, following, seen)
        if problem is not None:
            return ChainReport(events=count, head=current[2], problem=problem)
        seen.add(current[2])
        before = [*before[-1:], current]
        current = following
    last = before[-1][2] if before else GENESIS
    if expected_head is not None and expected_head != last:
        where = "is in the log" if expected_head in seen else "is not in the log"
        reason = f"the recorded head {expected_head[:12]}… {where}; the newest events differ"
        return ChainReport(count, last, ChainProblem(None, "removed", reason))
    return ChainReport(count, last)


def _check(
    current: Row, before: list[Row], following: Row | None, seen: set[str]
) -> ChainProblem | None:
    event_id, fields, stored = current
    if event_hash(fields) != stored:
        return ChainProblem(event_id, "changed", "its content no longer matches its hash")
    expected = before[-1][2] if before else GENESIS
    linked = fields["prev_hash"]
    if linked == expected:
        return None
    if before and linked == (before[-2][2] if len(before) > 1 else GENESIS):
        return ChainProblem(before[-1][0], "inserted", f"the next event ({event_id}) links past it")
    if following is not None and following[1]["prev_hash"] == expected:
        return ChainProblem(event_id, "inserted", "the next event links past it")
    if linked in seen:
        return ChainProblem(event_id, "inserted", "it links to an earlier event, not the last")
    return ChainProblem(event_id, "removed", "the event it links to is missing")
