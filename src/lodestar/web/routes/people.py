"""Agencies and users, read-only on the web for now (the CLI adds and disables)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from lodestar.audit import append_event
from lodestar.review import people
from lodestar.review.auth import Principal
from lodestar.web.deps import DB, permitted

router = APIRouter()
Coordinator = Annotated[Principal, Depends(permitted("people.view"))]


def _audited(session: DB, principal: Principal, what: str, rows: list[dict[str, Any]]) -> None:
    # Who looked at the roster is worth knowing (names, roles, agencies): audit each view.
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="people.view",
        detail={"what": what, "results": len(rows)},
    )


@router.get("/api/agencies", summary="Agencies of the operation")
def agencies_api(session: DB, principal: Coordinator) -> list[dict[str, Any]]:
    rows = [people.agency_as_dict(a) for a in people.list_agencies(session)]
    _audited(session, principal, "agencies", rows)
    return rows


@router.get("/api/users", summary="Users of the operation (coordinator)")
def users_api(session: DB, principal: Coordinator) -> list[dict[str, Any]]:
    rows = [people.user_as_dict(u) for u in people.list_users(session)]
    _audited(session, principal, "users", rows)
    return rows
