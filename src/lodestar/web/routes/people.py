"""Agencies and users, read-only on the web for now (the CLI adds and disables)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from lodestar.review import people
from lodestar.review.auth import Principal
from lodestar.web.deps import DB, permitted

router = APIRouter()
Coordinator = Annotated[Principal, Depends(permitted("people.view"))]


@router.get("/api/agencies", summary="Agencies of the operation")
def agencies_api(session: DB, principal: Coordinator) -> list[dict[str, Any]]:
    return [people.agency_as_dict(a) for a in people.list_agencies(session)]


@router.get("/api/users", summary="Users of the operation (coordinator)")
def users_api(session: DB, principal: Coordinator) -> list[dict[str, Any]]:
    return [people.user_as_dict(u) for u in people.list_users(session)]
