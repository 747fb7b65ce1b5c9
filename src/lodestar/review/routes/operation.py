"""The operation dashboard and search by hash."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from lodestar.audit import append_event
from lodestar.errors import UserError
from lodestar.review import operation
from lodestar.review.auth import Principal
from lodestar.review.deps import DB, permitted
from lodestar.review.pages import render
from lodestar.review.policy import agency_scope

router = APIRouter()
Viewer = Annotated[Principal, Depends(permitted("operation.view"))]
Searcher = Annotated[Principal, Depends(permitted("search"))]
HashQuery = Annotated[str, Query(max_length=64, description="MD5, SHA-1 or SHA-256 in hex")]


@router.get("/", include_in_schema=False)
def dashboard_page(request: Request, session: DB, principal: Viewer) -> Response:
    figures = operation.summary(session, scope=agency_scope(principal))
    return render(request, "dashboard.html", principal=principal, figures=figures)


@router.get("/api/operation", summary="Operation figures (scoped to the caller's agency view)")
def dashboard_api(session: DB, principal: Viewer) -> dict[str, Any]:
    return operation.summary(session, scope=agency_scope(principal))


def _search(session: DB, principal: Principal, value: str) -> dict[str, Any]:
    result = operation.search_hash(session, value=value, scope=agency_scope(principal))
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="search",
        detail={"kind": result["kind"], "value": result["value"], "hits": len(result["media"])},
    )
    return result


@router.get("/search", include_in_schema=False)
def search_page(request: Request, session: DB, principal: Searcher, q: str = "") -> Response:
    result, problem = None, None
    if q.strip():
        try:
            result = _search(session, principal, q[:64])
        except UserError as exc:
            problem = exc.message
    return render(request, "search.html", principal=principal, q=q, result=result, problem=problem)


@router.get("/api/search", summary="Find media and known-set entries by MD5, SHA-1 or SHA-256")
def search_api(session: DB, principal: Searcher, hash: HashQuery) -> dict[str, Any]:
    return _search(session, principal, hash)
